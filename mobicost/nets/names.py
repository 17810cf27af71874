"""Model names in the three forms people write them, all equivalent:

* the paper's ``0.75 MobileNet-128`` (also ``0.75-MobileNet-128``, ``0.75MobileNet-128``);
* seed 001's ``0.75_MobileNet_medium`` (baseline/medium/small/tiny = 224/192/160/128);
* TF-Slim's ``MobileNet_v1_0.75_128``.

``Conv`` or ``Shallow`` before ``MobileNet`` names the paper's Table 4 and 5 variants.

>>> parse_model_name("0.75-MobileNet-128") == parse_model_name("MobileNet_v1_0.75_128")
True
>>> parse_model_name("0.75_MobileNet_medium")
ModelName(architecture='mobilenet-v1', alpha=Fraction(3, 4), resolution=192)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..errors import MobicostError
from ..exact import parse_exact

BASE_RESOLUTION = 224
#: seed 001's resolution names
RESOLUTION_NAMES = {"baseline": 224, "medium": 192, "small": 160, "tiny": 128}

_ALPHA = r"(?P<alpha>\d+(?:\.\d+)?)"
_VARIANT = r"(?:(?P<variant>conv|shallow)[\s_-]*)?"
_RES = r"(?P<res>\d+|" + "|".join(RESOLUTION_NAMES) + ")"
_PAPER = re.compile(
    rf"(?:{_ALPHA}[\s_-]*)?{_VARIANT}mobilenet(?:[\s_-]*v1)?(?:[\s_-]+{_RES})?", re.IGNORECASE
)
_SLIM = re.compile(rf"{_VARIANT}mobilenet_v1_{_ALPHA}_{_RES}", re.IGNORECASE)

ACCEPTED = (
    "0.75-MobileNet-128 (paper), 0.75_MobileNet_medium (seed 001: baseline, medium, "
    "small, tiny), MobileNet_v1_0.75_128 (TF-Slim); Conv- or Shallow- before MobileNet "
    "for the paper's Table 4 and 5 variants"
)


@dataclass(frozen=True)
class ModelName:
    architecture: str
    alpha: Fraction
    resolution: int


def parse_model_name(text: str) -> ModelName:
    """Parse a model name; alpha and resolution default to 1.0 and 224 when left out."""
    cleaned = text.strip()
    match = _SLIM.fullmatch(cleaned) or _PAPER.fullmatch(cleaned)
    if match is None:
        raise MobicostError(f"unknown model name {text!r}; accepted forms: {ACCEPTED}")
    alpha = parse_exact(match["alpha"]) if match["alpha"] else Fraction(1)
    res_text = (match["res"] or str(BASE_RESOLUTION)).lower()
    resolution = RESOLUTION_NAMES.get(res_text) or int(res_text)
    if alpha <= 0 or resolution <= 0:
        raise MobicostError(f"model name {text!r} needs alpha and resolution above zero")
    variant = (match["variant"] or "").lower()
    return ModelName(f"{variant}-mobilenet" if variant else "mobilenet-v1", alpha, resolution)
