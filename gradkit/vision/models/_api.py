"""Weights enums: published checkpoints (URL, preset, metadata), loaded by ``weights=``."""

from __future__ import annotations

import os
from enum import Enum
from functools import lru_cache

__all__ = ["Weights", "WeightsEnum", "check_no_weights", "pretrained"]


@lru_cache(maxsize=1)
def _imagenet_categories() -> tuple:
    """ImageNet-1k's 1000 class names in label order (torchvision's ``_IMAGENET_CATEGORIES``),
    read once from the data file beside this module."""
    path = os.path.join(os.path.dirname(__file__), "imagenet_categories.txt")
    with open(path, encoding="utf-8") as fh:
        return tuple(line.rstrip("\n") for line in fh)


class Weights:
    """Published weights (torchvision's ``Weights``): ``url``, ``meta`` (``num_params``,
    ``min_size``, ``categories`` for ImageNet classifiers) and ``transforms()``, the evaluation
    preset they were measured with."""

    def __init__(self, url: str, num_params: int) -> None:
        from ._presets import NORMALIZATION, PRESETS

        self.url = url
        file = url.rsplit("/", 1)[1]
        crop, resize, interp, min_size, classes = PRESETS[file]
        self.meta = {"num_params": num_params, "min_size": (min_size, min_size),
                     "num_classes": classes or None}
        if classes == 1000:
            self.meta["categories"] = list(_imagenet_categories())
        self._preset = (crop, resize, interp, *NORMALIZATION.get(
            file, ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))))

    def transforms(self, *args, **kwargs):
        """The ``ImageClassification`` preset of these weights (resize, crop, normalise)."""
        from ..transforms._presets import ImageClassification
        from ..transforms.functional import InterpolationMode

        crop, resize, interp, mean, std = self._preset
        return ImageClassification(crop_size=crop, resize_size=resize, mean=mean, std=std,
                                   interpolation=InterpolationMode(interp))

    def get_state_dict(self, *args, **kwargs):
        """The checkpoint, downloaded once into the hub cache (``hub.load_state_dict_from_url``)."""
        from ... import hub

        return hub.load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self) -> str:
        return f"Weights(url={self.url!r})"


class WeightsEnum(Enum):
    """The enum of a model's published weights, so ``ResNet18_Weights.DEFAULT`` reads as usual."""

    @classmethod
    def verify(cls, obj):
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            name = obj.replace(cls.__name__ + ".", "")
            if name not in cls.__members__:
                raise ValueError(f"Invalid weight name {obj!r} for {cls.__name__}; choose one of "
                                 f"{list(cls.__members__)}")
            return cls[name]
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                        f"{type(obj).__name__}.")

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def meta(self) -> dict:
        return self.value.meta

    @property
    def transforms(self):
        return self.value.transforms

    def get_state_dict(self, *args, **kwargs):
        return self.value.get_state_dict(*args, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


def check_no_weights(model: str, weights, enum, kwargs: dict) -> None:
    """Inside a builder wrapped by :func:`pretrained`, ``weights`` is always None here; a
    builder called directly with weights is refused (it cannot load them itself)."""
    if kwargs.pop("pretrained", False) or weights is not None:
        raise RuntimeError(f"{model}: pretrained weights are loaded by the public builder "
                           f"(gradkit.vision.models.{model}(weights=...))")


def _overwrite(kwargs: dict, name: str, value) -> None:
    if name in kwargs and kwargs[name] != value:
        raise ValueError(f"The parameter '{name}' expected value {value} but got {kwargs[name]} "
                         f"instead.")
    kwargs[name] = value


def pretrained(enum, *, key_map=None, before=None, after=None):
    """Give a model builder torchvision's ``weights=``/``pretrained=`` handling: the weights are
    resolved (an enum member, its name, ``"DEFAULT"``; ``pretrained=True`` as DEFAULT, with
    torchvision's deprecation warnings), the builder runs with the settings the weights need
    (1000 classes, ...; ``before(kwargs, weights)``), and the checkpoint -- downloaded once into
    the hub cache, its SHA-256 prefix checked -- is loaded strictly (``key_map`` renames old
    keys; ``after(model, weights, kwargs_given)`` finishes)."""
    import functools
    import warnings

    def wrap(builder):
        @functools.wraps(builder)
        def build(*args, weights=None, progress: bool = True, **kwargs):
            if "pretrained" in kwargs:
                warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be "
                              "removed in the future, please use 'weights' instead.",
                              UserWarning, stacklevel=2)
                if kwargs.pop("pretrained"):
                    default = enum.DEFAULT
                    warnings.warn(
                        f"Arguments other than a weight enum or `None` for 'weights' are "
                        f"deprecated since 0.13 and may be removed in the future. The current "
                        f"behavior is equivalent to passing `weights={default!r}`. You can also "
                        f"use `weights={enum.__name__}.DEFAULT` to get the most up-to-date "
                        f"weights.", UserWarning, stacklevel=2)
                    weights = default
            weights = enum.verify(weights)
            if weights is None:
                return builder(*args, weights=None, progress=progress, **kwargs)
            given = dict(kwargs)
            if weights.meta["num_classes"]:
                _overwrite(kwargs, "num_classes", weights.meta["num_classes"])
            if before is not None:
                before(kwargs, weights)
            model = builder(*args, weights=None, progress=progress, **kwargs)
            state = weights.get_state_dict(progress=progress, check_hash=True)
            if key_map is not None:
                state = key_map(state)
            model.load_state_dict(state)
            if after is not None:
                after(model, weights, given)
            return model

        return build

    return wrap
