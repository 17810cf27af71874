"""What a spec file may build: spec files are untrusted input, so each bound below turns a spec
that would take unbounded time or memory into a one-line error naming the limit, checked before
anything is built.

Each limit is far above any real network's needs:

* :data:`MAX_LAYERS`: the largest library network (Inception v3) has 122 layers, ResNet-152 has
  a few hundred, and a transformer imported node by node a few thousand; 100,000 is some 30
  times the largest of these and still costs, peak memory included, in seconds.
* :data:`MAX_REPEAT`: papers repeat a block a handful of times (ResNet-152's 36 is the most in
  common use); 10,000 leaves room for a long stack of tiny layers.
* :data:`MAX_DEPTH`: the library nests blocks at most 2 deep; 32 is far beyond any hand-written
  hierarchy, and keeps expansion well inside Python's recursion limit.
* :data:`MAX_SIZE`: one dimension (channels, height, width) or one layer attribute (kernel,
  stride, filters...): the largest classifier has some 256K outputs (a language model's
  vocabulary) and the largest inputs some 100K pixels a side (whole-slide pathology); 2^24 leaves
  16M, while exact costs of such sizes stay numbers Python multiplies instantly.
"""

from __future__ import annotations

#: the most layers a spec may write out, counting its block instances and the layers a ``when``
#: leaves out: each is a step of the expansion
MAX_LAYERS = 100_000
#: the most times one entry may repeat (``repeat``, or a block's repeat param in a row)
MAX_REPEAT = 10_000
#: the deepest blocks may nest (a block in a block in ...): a top-level block instance is 1 deep
MAX_DEPTH = 32
#: the largest size: channels, height or width of a tensor, or a whole-number layer attribute
MAX_SIZE = 2**24
