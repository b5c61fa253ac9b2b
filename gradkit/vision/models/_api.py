"""Weights enums and the one rule about them: gradkit ships and downloads no pretrained weights."""

from __future__ import annotations

from enum import Enum

__all__ = ["Weights", "WeightsEnum", "check_no_weights"]


class Weights:
    """A description of published weights (torchvision's ``Weights``); never downloaded here."""

    def __init__(self, url: str, num_params: int) -> None:
        self.url = url
        self.meta = {"num_params": num_params}
        self.transforms = None

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

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


def check_no_weights(model: str, weights, enum, kwargs: dict) -> None:
    """Raise if pretrained weights were asked for: nothing can be downloaded."""
    pretrained = kwargs.pop("pretrained", False)
    if pretrained:
        weights = "DEFAULT"
    if weights is None:
        return
    w = enum.verify(weights) if enum is not None else weights
    url = getattr(w, "url", "")
    raise RuntimeError(
        f"{model}(weights={w!r}): gradkit does not download pretrained weights (this library "
        f"fetches nothing). Build the model with weights=None and load a checkpoint you already "
        f"have: model.load_state_dict(gradkit.load(path)) -- the state_dict keys and shapes are "
        f"torchvision's{f'; these weights are published at {url}' if url else ''}.")
