"""What a costed network becomes outside mobicost: an ONNX model (:mod:`.onnx`). Each backend
imports its package (``onnx``) only when called, and reads the layer graph, never the reverse."""
