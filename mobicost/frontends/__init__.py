"""Front ends: readers that turn a model written elsewhere into mobicost's graph of named nodes
(:class:`mobicost.nets.spec.Graph`), costed by the same rules as the built-in networks.

* :mod:`.torch`: a ``torch.nn.Module``, run once on a batch of one (:func:`from_torch`);
* :mod:`.onnx`: an ONNX file, read with the ``onnx`` package and its shape inference
  (:func:`from_onnx`);
* :mod:`.imported`: what both share: the graph builder, the costed :class:`Network` an imported
  model becomes, and the operations it could not cost;
* :mod:`.models`: the command line's ``FILE.onnx``, ``FILE.py:CALLABLE``, ``torchvision:NAME``
  and ``timm:NAME``, and the rule that keeps them apart from a built-in's ``NAME@ALPHA:RES``;
* :mod:`.verify`: an imported model's counts checked against the model itself (the user's
  module under ``FlopCounterMode``; an ONNX file's initializers and an ONNX Runtime run).

The spec-file reader (:mod:`mobicost.nets.spec`) is the third front end; it joins this package
once its split is done. This layer sits above :mod:`mobicost.nets` and below
:mod:`mobicost.analysis`: nothing under ``nets`` or ``cost`` imports torch or onnx, and the
readers import them only when called.
"""

from __future__ import annotations

from .imported import not_costed

__all__ = ["not_costed"]
