"""Counting conventions: what a count includes, each choice described in words once.

Every policy is a mapping from its value to the sentence that states it; the accepted values are
that mapping's keys, so a value cannot exist without its description.

>>> Conventions(bn="slim").notes()[1]
'Params: no bias parameters (as the MobileNet paper); batch norm: beta, moving mean and \
variance (3 per channel, as TF-Slim). Bias and batch norm add parameters, never MACs.'
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal, get_args

from ..errors import MobicostError

Unit = Literal["macs", "flops"]
BiasPolicy = Literal["none", "fc", "all"]
BNPolicy = Literal["none", "affine", "slim", "all"]

UNIT_NOTES: dict[str, str] = {
    "macs": "MACs = multiply-accumulates, the paper's mult-adds (FLOPs = 2 x MACs)",
    "flops": "FLOPs = 2 x MACs (TensorFlow's profiler, torch.utils.flop_counter)",
}
BIAS_NOTES: dict[str, str] = {
    "none": "no bias parameters (as the MobileNet paper)",
    "fc": "bias on fully connected layers only (as Keras and torchvision)",
    "all": "a bias on every convolution and fully connected layer",
}
#: batch-norm policy: (parameter vectors per channel, words)
BN_POLICY: dict[str, tuple[int, str]] = {
    "none": (0, "no batch-norm parameters (as the MobileNet paper)"),
    "affine": (2, "batch norm: gamma and beta (2 per channel, as torchvision's trainable)"),
    "slim": (3, "batch norm: beta, moving mean and variance (3 per channel, as TF-Slim)"),
    "all": (4, "batch norm: gamma, beta, moving mean and variance (4 per channel, as Keras)"),
}

UNITS: tuple[Unit, ...] = get_args(Unit)
BIAS_POLICIES: tuple[BiasPolicy, ...] = get_args(BiasPolicy)
BN_POLICIES: tuple[BNPolicy, ...] = get_args(BNPolicy)
assert set(UNITS) == set(UNIT_NOTES) and set(BIAS_POLICIES) == set(BIAS_NOTES)
assert set(BN_POLICIES) == set(BN_POLICY)


@dataclass(frozen=True)
class Conventions:
    """What a count includes. The defaults are the MobileNet paper's: MACs, no bias, no batch
    norm, 1000 classes, the classifier head included, nothing but multiply-adds counted.

    Keras counts ``bias="fc", bn="all"``; TF-Slim's checkpoints ``bias="fc", bn="slim",
    classes=1001``; torchvision ``bias="fc", bn="affine"`` for most of its models.
    """

    unit: Unit = "macs"
    bias: BiasPolicy = "none"
    bn: BNPolicy = "none"
    classes: int = 1000
    head: bool = True
    pool_adds: bool = False  #: count pooling additions, one operation each
    activation_ops: bool = False  #: count one operation per activation output
    eltwise_ops: bool = False  #: count residual additions and SE scaling multiplications

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("unit", self.unit, UNITS),
            ("bias", self.bias, BIAS_POLICIES),
            ("bn", self.bn, BN_POLICIES),
        ):
            if value not in allowed:
                raise MobicostError(f"unknown {name} {value!r}; choose from: {', '.join(allowed)}")
        if not isinstance(self.classes, int) or isinstance(self.classes, bool) or self.classes < 1:
            raise MobicostError(f"classes must be a positive integer, got {self.classes!r}")
        for flag in ("head", "pool_adds", "activation_ops", "eltwise_ops"):
            if not isinstance(getattr(self, flag), bool):
                raise MobicostError(f"{flag} must be true or false, got {getattr(self, flag)!r}")

    def ops(self, cost: object) -> int:
        """Operations in this unit: MACs (+ other ops), or FLOPs = 2 x MACs (+ other ops)."""
        macs, adds = cost.macs, cost.adds  # type: ignore[attr-defined]
        return int((2 if self.unit == "flops" else 1) * macs + adds)

    @property
    def unit_header(self) -> str:
        return "FLOPs" if self.unit == "flops" else "MACs"

    @property
    def counts_other_ops(self) -> bool:
        return self.pool_adds or self.activation_ops or self.eltwise_ops

    def bias_on(self, bias_class: str) -> bool:
        """Whether a layer of this bias class ("conv", "fc" or "none") carries a bias."""
        if bias_class == "none":
            return False
        return self.bias == "all" or (self.bias == "fc" and bias_class == "fc")

    @property
    def bn_vectors(self) -> int:
        return BN_POLICY[self.bn][0]

    def notes(self, head: str | None = None) -> tuple[str, ...]:
        """The conventions in words, printed under every table and carried by every export.
        ``head`` is the network's head in words, where it is not a global pool and a
        classifier (a detector's box predictors, an embedding layer).

        >>> Conventions(classes=90).notes("the box predictors")[2]
        'Head: the box predictors; pooling additions not counted.'
        >>> Conventions(head=False).notes("the box predictors")[2]
        'Head: none (left out: the box predictors); pooling additions not counted.'
        """
        if self.head:
            head = head or f"global pool + classifier to {self.classes} classes"
        else:
            head = f"none (left out: {head})" if head else "none, the classifier head left out"
        other = [
            words
            for flag, words in (
                (self.pool_adds, "pooling additions"),
                (self.activation_ops, "one op per activation output"),
                (self.eltwise_ops, "residual additions and SE multiplications"),
            )
            if flag
        ]
        counted = (
            f"also counted as one op each: {', '.join(other)}"
            if other
            else "pooling additions not counted"
        )
        return (
            f"Unit: {UNIT_NOTES[self.unit]}.",
            f"Params: {BIAS_NOTES[self.bias]}; {BN_POLICY[self.bn][1]}. "
            "Bias and batch norm add parameters, never MACs.",
            f"Head: {head}; {counted}.",
        )

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
