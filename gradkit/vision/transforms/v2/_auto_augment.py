"""torchvision v2's automatic augmentation: ``AutoAugment``, ``RandAugment``,
``TrivialAugmentWide`` and ``AugMix``.

v2 draws its random numbers differently from v1 (``transforms/autoaugment.py``): one
``randint(n, ())`` per choice of operation, ``rand(()) <= p`` for applying a policy step, and
``rand(()) <= 0.5`` (not ``randint(2)``) for negating a magnitude, each drawn only when it is
used. They are drawn here from gradkit's default generator in the same order, so that after
``gk.manual_seed(s)`` the output equals torchvision v2's after ``torch.manual_seed(s)``.
The v2 kernels that differ from v1 on tensors are written here: posterize and equalize also
take float images, solarize's magnitude is a fraction of the dtype's maximum, and sharpness and
autocontrast round as v2 does.
"""

from __future__ import annotations

import math

import gradkit as gk

from ...._tensor import Tensor
from ..._pil import is_pil_image
from .. import functional as F
from ..autoaugment import _POLICIES, AutoAugmentPolicy, _parse_policy
from ..functional import InterpolationMode, _check_interpolation
from . import _kernels as K
from ._kernels import _max_value
from ._transforms import Transform, _flatten, _unflatten

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]


def _solarize_threshold(image, magnitude: float) -> float:
    bound = _max_value(image.dtype) if isinstance(image, Tensor) else 255.0
    return bound * magnitude


def _apply_op(image, op_name: str, magnitude: float, interpolation, fill):
    tensor = isinstance(image, Tensor)
    if op_name == "Identity":
        return image
    if tensor and op_name in ("ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate"):
        mode = interpolation.value
        if op_name == "Rotate":
            return K.rotate(image, magnitude, mode, fill)
        if op_name in ("ShearX", "ShearY"):
            angle = math.degrees(math.atan(magnitude))
            shear = [angle, 0.0] if op_name == "ShearX" else [0.0, angle]
            return K.affine(image, 0.0, [0, 0], 1.0, shear, mode, fill, center=[0, 0])
        shift = [int(magnitude), 0] if op_name == "TranslateX" else [0, int(magnitude)]
        return K.affine(image, 0.0, shift, 1.0, [0.0, 0.0], mode, fill)
    if op_name in ("ShearX", "ShearY"):
        angle = math.degrees(math.atan(magnitude))
        shear = [angle, 0.0] if op_name == "ShearX" else [0.0, angle]
        return F.affine(image, angle=0.0, translate=[0, 0], scale=1.0, shear=shear,
                        interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name in ("TranslateX", "TranslateY"):
        shift = [int(magnitude), 0] if op_name == "TranslateX" else [0, int(magnitude)]
        return F.affine(image, angle=0.0, translate=shift, scale=1.0, shear=[0.0, 0.0],
                        interpolation=interpolation, fill=fill)
    if op_name == "Rotate":
        return F.rotate(image, magnitude, interpolation=interpolation, fill=fill)
    if op_name == "Brightness":
        return F.adjust_brightness(image, 1.0 + magnitude)
    if op_name == "Color":
        if tensor:
            return K.adjust_saturation(image, 1.0 + magnitude)
        return F.adjust_saturation(image, 1.0 + magnitude)
    if op_name == "Contrast":
        if tensor:
            return K.adjust_contrast(image, 1.0 + magnitude)
        return F.adjust_contrast(image, 1.0 + magnitude)
    if op_name == "Sharpness":
        if tensor:
            return K.adjust_sharpness(image, 1.0 + magnitude)
        return F.adjust_sharpness(image, 1.0 + magnitude)
    if op_name == "Posterize":
        return K.posterize(image, int(magnitude)) if tensor else F.posterize(image, int(magnitude))
    if op_name == "Solarize":
        threshold = _solarize_threshold(image, magnitude)
        return K.solarize(image, threshold) if tensor else F.solarize(image, threshold)
    if op_name == "AutoContrast":
        return K.autocontrast(image) if tensor else F.autocontrast(image)
    if op_name == "Equalize":
        return K.equalize(image) if tensor else F.equalize(image)
    if op_name == "Invert":
        return F.invert(image)
    raise ValueError(f"No transform available for {op_name}")


# --------------------------------------------------------------------- augmentation spaces

def _lin(end_fn):
    return lambda num_bins, height, width: gk.linspace(0.0, end_fn(height, width), num_bins)


def _const(value: float):
    return _lin(lambda h, w: value)


def _posterize_bins(top: int, span: int):
    return lambda num_bins, height, width: (
        top - (gk.arange(num_bins) / ((num_bins - 1) / span))).round().int()


def _none(num_bins, height, width):
    return None


def _solarize_bins(num_bins, height, width):
    return gk.linspace(1.0, 0.0, num_bins)


_CORE = {
    "ShearX": (_const(0.3), True),
    "ShearY": (_const(0.3), True),
    "TranslateX": (_lin(lambda h, w: 150.0 / 331.0 * w), True),
    "TranslateY": (_lin(lambda h, w: 150.0 / 331.0 * h), True),
    "Rotate": (_const(30.0), True),
    "Brightness": (_const(0.9), True),
    "Color": (_const(0.9), True),
    "Contrast": (_const(0.9), True),
    "Sharpness": (_const(0.9), True),
    "Posterize": (_posterize_bins(8, 4), False),
    "Solarize": (_solarize_bins, False),
    "AutoContrast": (_none, False),
    "Equalize": (_none, False),
}


def _interpolation(interpolation, who: str):
    if isinstance(interpolation, str):
        try:
            return InterpolationMode(interpolation)
        except ValueError:
            raise ValueError(f"{who}: unknown interpolation {interpolation!r}; use one of "
                             f"{[m.value for m in InterpolationMode]}") from None
    return _check_interpolation(interpolation, who)


def _setup_fill(fill):
    if isinstance(fill, dict):
        raise TypeError("a dict fill (per tv_tensor type) needs torchvision's tv_tensors, which "
                        "gradkit does not have; pass a number or a sequence")
    if fill is not None and not isinstance(fill, (int, float)):
        if not isinstance(fill, (list, tuple)):
            raise TypeError("Got inappropriate fill arg, only Numbers, tuples, lists and dicts "
                            "are allowed.")
        fill = [float(v) for v in fill]
    return fill


class _AutoAugmentBase(Transform):
    def __init__(self, *, interpolation="nearest", fill=None) -> None:
        super().__init__()
        self.interpolation = interpolation
        self._interp = _interpolation(interpolation, type(self).__name__)
        self.fill = fill
        self._fill = _setup_fill(fill)

    @staticmethod
    def _get_random_item(space: dict):
        keys = tuple(space.keys())
        key = keys[int(gk.randint(len(keys), ()))]
        return key, space[key]

    def _extract_image(self, inputs):
        sample = inputs if len(inputs) > 1 else inputs[0]
        flat: list = []
        spec = _flatten(sample, flat)
        todo = self._needs_transform(flat)
        found = [i for i, (x, t) in enumerate(zip(flat, todo))
                 if t and (isinstance(x, Tensor) or is_pil_image(x))]
        if not found:
            raise TypeError("Found no image in the sample.")
        if len(found) > 1:
            raise TypeError(f"Auto augment transformations are only properly defined for a "
                            f"single image or video, but found {len(found)}.")
        return (flat, spec, found[0]), flat[found[0]]

    @staticmethod
    def _insert_image(state, image):
        flat, spec, idx = state
        flat[idx] = image
        return _unflatten(spec, flat)

    @staticmethod
    def _size(image):
        if isinstance(image, Tensor):
            if image.ndim < 2:
                raise TypeError(f"Input tensor should have at least two dimensions, but got "
                                f"{image.ndim}")
            return int(image.shape[-2]), int(image.shape[-1])
        _, h, w = F.get_dimensions(image)
        return h, w

    def _apply(self, image, op_name: str, magnitude: float):
        return _apply_op(image, op_name, magnitude, self._interp, self._fill)

    @staticmethod
    def _signed(magnitude: float, signed: bool) -> float:
        if signed and bool(gk.rand(()) <= 0.5):
            magnitude *= -1
        return magnitude


class AutoAugment(_AutoAugmentBase):
    """One of the policy's 25 two-step sub-policies per call, each step applied with its
    probability at its magnitude bin (of 10)."""

    _AUGMENTATION_SPACE = {**_CORE, "Invert": (_none, False)}

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
                 interpolation="nearest", fill=None) -> None:
        super().__init__(interpolation=interpolation, fill=fill)
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        self.policy = policy
        self._policies = _parse_policy(_POLICIES[policy])

    def forward(self, *inputs):
        state, image = self._extract_image(inputs)
        height, width = self._size(image)
        policy = self._policies[int(gk.randint(len(self._policies), ()))]
        for op_name, probability, magnitude_idx in policy:
            if not bool(gk.rand(()) <= probability):
                continue
            magnitudes_fn, signed = self._AUGMENTATION_SPACE[op_name]
            magnitudes = magnitudes_fn(10, height, width)
            if magnitudes is not None:
                magnitude = self._signed(float(magnitudes[magnitude_idx]), signed)
            else:
                magnitude = 0.0
            image = self._apply(image, op_name, magnitude)
        return self._insert_image(state, image)

    def _extra(self) -> str:
        return f"policy={self.policy}, interpolation={self.interpolation}, fill={self.fill}"


class RandAugment(_AutoAugmentBase):
    """``num_ops`` operations drawn uniformly (Identity included), each at bin ``magnitude``
    of ``num_magnitude_bins``."""

    _AUGMENTATION_SPACE = {"Identity": (_none, False), **_CORE}

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation="nearest", fill=None) -> None:
        super().__init__(interpolation=interpolation, fill=fill)
        if not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(f"num_ops should be a non-negative integer, but got {num_ops} "
                             f"instead.")
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins

    def forward(self, *inputs):
        state, image = self._extract_image(inputs)
        height, width = self._size(image)
        for _ in range(self.num_ops):
            op_name, (magnitudes_fn, signed) = self._get_random_item(self._AUGMENTATION_SPACE)
            magnitudes = magnitudes_fn(self.num_magnitude_bins, height, width)
            if magnitudes is not None:
                magnitude = self._signed(float(magnitudes[self.magnitude]), signed)
            else:
                magnitude = 0.0
            image = self._apply(image, op_name, magnitude)
        return self._insert_image(state, image)

    def _extra(self) -> str:
        return (f"num_ops={self.num_ops}, magnitude={self.magnitude}, num_magnitude_bins="
                f"{self.num_magnitude_bins}, interpolation={self.interpolation}, "
                f"fill={self.fill}")


class TrivialAugmentWide(_AutoAugmentBase):
    """One operation drawn uniformly at a magnitude bin drawn uniformly, over wide ranges."""

    _AUGMENTATION_SPACE = {
        "Identity": (_none, False),
        "ShearX": (_const(0.99), True),
        "ShearY": (_const(0.99), True),
        "TranslateX": (_const(32.0), True),
        "TranslateY": (_const(32.0), True),
        "Rotate": (_const(135.0), True),
        "Brightness": (_const(0.99), True),
        "Color": (_const(0.99), True),
        "Contrast": (_const(0.99), True),
        "Sharpness": (_const(0.99), True),
        "Posterize": (_posterize_bins(8, 6), False),
        "Solarize": (_solarize_bins, False),
        "AutoContrast": (_none, False),
        "Equalize": (_none, False),
    }

    def __init__(self, num_magnitude_bins: int = 31, interpolation="nearest",
                 fill=None) -> None:
        super().__init__(interpolation=interpolation, fill=fill)
        self.num_magnitude_bins = num_magnitude_bins

    def forward(self, *inputs):
        state, image = self._extract_image(inputs)
        height, width = self._size(image)
        op_name, (magnitudes_fn, signed) = self._get_random_item(self._AUGMENTATION_SPACE)
        magnitudes = magnitudes_fn(self.num_magnitude_bins, height, width)
        if magnitudes is not None:
            idx = int(gk.randint(self.num_magnitude_bins, ()))
            magnitude = self._signed(float(magnitudes[idx]), signed)
        else:
            magnitude = 0.0
        return self._insert_image(state, self._apply(image, op_name, magnitude))

    def _extra(self) -> str:
        return (f"num_magnitude_bins={self.num_magnitude_bins}, interpolation="
                f"{self.interpolation}, fill={self.fill}")


class AugMix(_AutoAugmentBase):
    """``mixture_width`` chains of 1-3 (or ``chain_depth``) operations at severities below
    ``severity``, mixed with Dirichlet weights and blended with the original image."""

    _PARTIAL_AUGMENTATION_SPACE = {
        "ShearX": (_const(0.3), True),
        "ShearY": (_const(0.3), True),
        "TranslateX": (_lin(lambda h, w: w / 3.0), True),
        "TranslateY": (_lin(lambda h, w: h / 3.0), True),
        "Rotate": (_const(30.0), True),
        "Posterize": (_posterize_bins(4, 4), False),
        "Solarize": (_solarize_bins, False),
        "AutoContrast": (_none, False),
        "Equalize": (_none, False),
    }
    _AUGMENTATION_SPACE = {
        **_PARTIAL_AUGMENTATION_SPACE,
        "Brightness": (_const(0.9), True),
        "Color": (_const(0.9), True),
        "Contrast": (_const(0.9), True),
        "Sharpness": (_const(0.9), True),
    }

    def __init__(self, severity: int = 3, mixture_width: int = 3, chain_depth: int = -1,
                 alpha: float = 1.0, all_ops: bool = True, interpolation="bilinear",
                 fill=None) -> None:
        super().__init__(interpolation=interpolation, fill=fill)
        self._PARAMETER_MAX = 10
        if not 1 <= severity <= self._PARAMETER_MAX:
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got "
                             f"{severity} instead.")
        self.severity = severity
        self.mixture_width = mixture_width
        self.chain_depth = chain_depth
        self.alpha = alpha
        self.all_ops = all_ops

    def forward(self, *inputs):
        state, orig = self._extract_image(inputs)
        height, width = self._size(orig)
        image = orig if isinstance(orig, Tensor) else F.pil_to_tensor(orig)
        space = self._AUGMENTATION_SPACE if self.all_ops else self._PARTIAL_AUGMENTATION_SPACE
        orig_dims = list(image.shape)
        batch = image.reshape([1] * max(4 - image.ndim, 0) + orig_dims)
        batch_dims = [batch.shape[0]] + [1] * (batch.ndim - 1)
        m = gk._sample_dirichlet(gk.tensor([self.alpha, self.alpha]).expand(batch_dims[0], -1))
        combined_weights = gk._sample_dirichlet(
            gk.tensor([self.alpha] * self.mixture_width).expand(batch_dims[0], -1)
        ) * m[:, 1].reshape([batch_dims[0], -1])
        mix = m[:, 0].reshape(batch_dims) * batch
        for i in range(self.mixture_width):
            aug = batch
            depth = self.chain_depth if self.chain_depth > 0 else \
                int(gk.randint(low=1, high=4, size=(1,)).item())
            for _ in range(depth):
                op_name, (magnitudes_fn, signed) = self._get_random_item(space)
                magnitudes = magnitudes_fn(self._PARAMETER_MAX, height, width)
                if magnitudes is not None:
                    idx = int(gk.randint(self.severity, ()))
                    magnitude = self._signed(float(magnitudes[idx]), signed)
                else:
                    magnitude = 0.0
                aug = self._apply(aug, op_name, magnitude)
            mix.add_(combined_weights[:, i].reshape(batch_dims) * aug)
        mix = mix.reshape(orig_dims).to(dtype=image.dtype)
        if not isinstance(orig, Tensor):
            mix = F.to_pil_image(mix)
        return self._insert_image(state, mix)

    def _extra(self) -> str:
        return (f"severity={self.severity}, mixture_width={self.mixture_width}, chain_depth="
                f"{self.chain_depth}, alpha={self.alpha}, all_ops={self.all_ops}, "
                f"interpolation={self.interpolation}, fill={self.fill}")
