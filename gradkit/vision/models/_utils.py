"""Helpers the model files share: torchvision's ``_make_divisible`` and the weights rule."""

from __future__ import annotations

from ._api import check_no_weights

_URL = "https://download.pytorch.org/models/"


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """Round ``v`` to the nearest multiple of ``divisor`` (at least ``min_value``), never going
    below 90% of ``v`` (the rounding of the TensorFlow MobileNet code, as torchvision's)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _no_weights(name: str, weights, enum, kwargs: dict) -> None:
    """Refuse pretrained weights (nothing is downloaded) and drop ``progress``."""
    check_no_weights(name, weights, enum, kwargs)
    kwargs.pop("progress", None)
