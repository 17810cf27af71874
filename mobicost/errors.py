"""The one error mobicost raises for input it cannot cost: the command line turns it into a
one-line message and exit status 2."""

from __future__ import annotations


class MobicostError(ValueError):
    """An input mobicost cannot cost: a layer no network could have (zero channels, a kernel
    larger than its input...), an unknown name, a spec file that cannot be read."""
