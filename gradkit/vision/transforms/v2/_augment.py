"""torchvision v2's batch mixing (``MixUp``, ``CutMix``) and the v2 forms of the v1
augmentations whose random draws v2 makes in the same order (``RandomAffine``, ``GaussianBlur``,
the random photometric operations, ``FiveCrop``/``TenCrop``)."""

from __future__ import annotations

import math

import gradkit as gk

from ...._tensor import Tensor
from ..._pil import is_pil_image
from .. import augment as _v1
from .. import functional as F
from ._transforms import Transform, _flatten, _query_size, _RandomApplyTransform, _unflatten

__all__ = ["MixUp", "CutMix", "RandomAffine", "GaussianBlur", "RandomInvert", "RandomPosterize",
           "RandomSolarize", "RandomAdjustSharpness", "RandomAutocontrast", "RandomEqualize",
           "FiveCrop", "TenCrop"]


def _default_labels(inputs):
    """torchvision's heuristic: the second item of ``(images, labels)``, or the value of the
    first key containing "label" in a dict."""
    if isinstance(inputs, (tuple, list)) and len(inputs) >= 2:
        return inputs[1]
    if isinstance(inputs, dict):
        for key in inputs:
            if isinstance(key, str) and "label" in key.lower():
                return inputs[key]
    raise ValueError("Could not infer where the labels are in the sample. Try passing a callable "
                     "as the labels_getter parameter?")


class _Mixing(Transform):
    """MixUp/CutMix: a batch of images ``(N, C, H, W)`` and its labels, mixed with the batch
    rolled by one; ``lam`` ~ Beta(alpha, alpha) (PyTorch's sampler and stream)."""

    def __init__(self, *, alpha: float = 1.0, num_classes: int | None = None,
                 labels_getter="default") -> None:
        super().__init__()
        self.alpha = float(alpha)
        self._dist = gk.distributions.Beta(gk.tensor([self.alpha]), gk.tensor([self.alpha]))
        self.num_classes = num_classes
        if labels_getter == "default":
            labels_getter = _default_labels
        elif not callable(labels_getter):
            raise ValueError(f"labels_getter should either be 'default', a callable, or None, "
                             f"but got {labels_getter}.")
        self._labels_getter = labels_getter

    def forward(self, *inputs):
        sample = inputs if len(inputs) > 1 else inputs[0]
        flat: list = []
        spec = _flatten(sample, flat)
        if any(is_pil_image(x) for x in flat):
            raise ValueError(f"{type(self).__name__}() does not support PIL images, bounding "
                             f"boxes, keypoints and masks.")
        labels = self._labels_getter(sample)
        if not isinstance(labels, Tensor):
            raise ValueError(f"The labels must be a tensor, but got {type(labels)} instead.")
        if labels.ndim not in (1, 2):
            raise ValueError(f"labels should be index based with shape (batch_size,) or "
                             f"probability based with shape (batch_size, num_classes), but got "
                             f"a tensor of shape {tuple(labels.shape)} instead.")
        if labels.ndim == 2 and self.num_classes is not None and \
                labels.shape[-1] != self.num_classes:
            raise ValueError(f"When passing 2D labels, the number of elements in last dimension "
                             f"must match num_classes: {labels.shape[-1]} != "
                             f"{self.num_classes}. You can Leave num_classes to None.")
        if labels.ndim == 1 and self.num_classes is None:
            raise ValueError("num_classes must be passed if the labels are index-based (1D)")
        images = [x for x in flat if isinstance(x, Tensor) and x is not labels]
        params = {"labels": labels, "batch_size": labels.shape[0], **self.make_params(images)}
        out = []
        for x in flat:
            if x is labels:
                out.append(self._mix_labels(x, params))
            elif isinstance(x, Tensor):
                if x.ndim != 4:
                    raise ValueError(f"Expected a batched input with 4 dims, but got {x.ndim} "
                                     f"dimensions instead.")
                if x.shape[0] != params["batch_size"]:
                    raise ValueError(f"The batch size of the image or video does not match the "
                                     f"batch size of the labels: {x.shape[0]} != "
                                     f"{params['batch_size']}.")
                out.append(self.transform(x, params))
            else:
                out.append(x)
        return _unflatten(spec, out)

    def _mixed_label(self, label: Tensor, lam: float) -> Tensor:
        if label.ndim == 1:
            label = gk.nn.functional.one_hot(label, num_classes=self.num_classes)
        if not label.dtype.is_floating_point:
            label = label.float()
        return label.roll(1, 0).mul_(1.0 - lam).add_(label.mul(lam))

    def _extra(self) -> str:
        return f"alpha={self.alpha}, num_classes={self.num_classes}"


class MixUp(_Mixing):
    """Images and labels blended with the batch rolled by one: ``lam x + (1 - lam) x_rolled``."""

    def make_params(self, flat_inputs):
        return dict(lam=float(self._dist.sample(())))

    def _mix_labels(self, labels, params):
        return self._mixed_label(labels, params["lam"])

    def transform(self, inpt, params):
        lam = params["lam"]
        return inpt.roll(1, 0).mul_(1.0 - lam).add_(inpt.mul(lam))


class CutMix(_Mixing):
    """A box of the rolled batch pasted into each image; labels weighted by the box's area."""

    def make_params(self, flat_inputs):
        lam = float(self._dist.sample(()))
        height, width = _query_size(flat_inputs)
        r_x = gk.randint(width, size=(1,))
        r_y = gk.randint(height, size=(1,))
        r = 0.5 * math.sqrt(1.0 - lam)
        half_w, half_h = int(r * width), int(r * height)
        x1 = int(gk.clamp(r_x - half_w, min=0))
        y1 = int(gk.clamp(r_y - half_h, min=0))
        x2 = int(gk.clamp(r_x + half_w, max=width))
        y2 = int(gk.clamp(r_y + half_h, max=height))
        lam_adjusted = float(1.0 - (x2 - x1) * (y2 - y1) / (width * height))
        return dict(box=(x1, y1, x2, y2), lam_adjusted=lam_adjusted)

    def _mix_labels(self, labels, params):
        return self._mixed_label(labels, params["lam_adjusted"])

    def transform(self, inpt, params):
        x1, y1, x2, y2 = params["box"]
        rolled = inpt.roll(1, 0)
        out = inpt.clone()
        out[..., y1:y2, x1:x2] = rolled[..., y1:y2, x1:x2]
        return out


class _FromV1(Transform):
    """A v2 transform drawing its parameters as its v1 class does (v2 draws in the same order)
    and applying them to every image of the sample."""

    _v1_cls = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()
        self._v1 = self._v1_cls(*args, **kwargs)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)  # the Module's own (``_v1`` is a submodule)
        except AttributeError:
            if name == "_v1":
                raise
            return getattr(self._v1, name)  # degrees, size, sigma, ... as torchvision's

    def __repr__(self) -> str:
        return repr(self._v1)


class RandomAffine(_FromV1):
    _v1_cls = _v1.RandomAffine

    def make_params(self, flat_inputs):
        h, w = _query_size(flat_inputs)
        v = self._v1
        angle, translate, scale, shear = v.get_params(v.degrees, v.translate, v.scale, v.shear,
                                                      [w, h])
        return dict(angle=angle, translate=translate, scale=scale, shear=shear)

    def transform(self, inpt, params):
        v = self._v1
        fill = v.fill
        if isinstance(inpt, Tensor):
            c = F.get_dimensions(inpt)[0]
            fill = [float(fill)] * c if isinstance(fill, (int, float)) else \
                [float(f) for f in fill]
        return F.affine(inpt, params["angle"], params["translate"], params["scale"],
                        params["shear"], interpolation=v.interpolation, fill=fill,
                        center=v.center)


class GaussianBlur(_FromV1):
    _v1_cls = _v1.GaussianBlur

    def make_params(self, flat_inputs):
        s = self._v1.get_params(self._v1.sigma[0], self._v1.sigma[1])
        return dict(sigma=[s, s])

    def transform(self, inpt, params):
        return F.gaussian_blur(inpt, self._v1.kernel_size, params["sigma"])


class _RandomOp(_RandomApplyTransform):
    _op = ""
    _args: tuple = ()

    def transform(self, inpt, params):
        return getattr(F, self._op)(inpt, *[getattr(self, a) for a in self._args])

    def _extra(self) -> str:
        return f"p={self.p}" + "".join(f", {a}={getattr(self, a)}" for a in self._args)


class RandomInvert(_RandomOp):
    _op = "invert"


class RandomAutocontrast(_RandomOp):
    _op = "autocontrast"


class RandomEqualize(_RandomOp):
    _op = "equalize"


class RandomPosterize(_RandomOp):
    _op, _args = "posterize", ("bits",)

    def __init__(self, bits: int, p: float = 0.5) -> None:
        super().__init__(p=p)
        self.bits = bits


class RandomSolarize(_RandomOp):
    _op, _args = "solarize", ("threshold",)

    def __init__(self, threshold: float, p: float = 0.5) -> None:
        super().__init__(p=p)
        self.threshold = threshold


class RandomAdjustSharpness(_RandomOp):
    _op, _args = "adjust_sharpness", ("sharpness_factor",)

    def __init__(self, sharpness_factor: float, p: float = 0.5) -> None:
        super().__init__(p=p)
        self.sharpness_factor = sharpness_factor


class FiveCrop(_FromV1):
    _v1_cls = _v1.FiveCrop

    def transform(self, inpt, params):
        return F.five_crop(inpt, self._v1.size)


class TenCrop(_FromV1):
    _v1_cls = _v1.TenCrop

    def transform(self, inpt, params):
        return F.ten_crop(inpt, self._v1.size, self._v1.vertical_flip)

