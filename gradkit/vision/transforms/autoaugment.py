"""torchvision's automatic augmentation policies: ``AutoAugment`` (the learned ImageNet, CIFAR-10
and SVHN policies of Cubuk et al.), ``RandAugment``, ``TrivialAugmentWide`` and ``AugMix``.

Each draws its operations and magnitudes from gradkit's default generator in torchvision's
order, so after ``gk.manual_seed(s)`` the same operations are applied as torchvision applies
after ``torch.manual_seed(s)``.
"""

from __future__ import annotations

import math
from enum import Enum

import gradkit as gk

from . import functional as F
from .functional import InterpolationMode, _check_interpolation
from .transforms import _Transform

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]


def _apply_op(img, op_name: str, magnitude: float, interpolation, fill):
    if op_name in ("ShearX", "ShearY"):
        angle = math.degrees(math.atan(magnitude))
        shear = [angle, 0.0] if op_name == "ShearX" else [0.0, angle]
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0, shear=shear,
                        interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name in ("TranslateX", "TranslateY"):
        shift = [int(magnitude), 0] if op_name == "TranslateX" else [0, int(magnitude)]
        return F.affine(img, angle=0.0, translate=shift, scale=1.0, shear=[0.0, 0.0],
                        interpolation=interpolation, fill=fill)
    if op_name == "Rotate":
        return F.rotate(img, magnitude, interpolation=interpolation, fill=fill)
    enhance = {"Brightness": F.adjust_brightness, "Color": F.adjust_saturation,
               "Contrast": F.adjust_contrast, "Sharpness": F.adjust_sharpness}
    if op_name in enhance:
        return enhance[op_name](img, 1.0 + magnitude)
    if op_name == "Posterize":
        return F.posterize(img, int(magnitude))
    if op_name == "Solarize":
        return F.solarize(img, magnitude)
    plain = {"AutoContrast": F.autocontrast, "Equalize": F.equalize, "Invert": F.invert}
    if op_name in plain:
        return plain[op_name](img)
    if op_name == "Identity":
        return img
    raise ValueError(f"The provided operator {op_name} is not recognized.")


def _channel_fill(fill, img):
    if not isinstance(img, gk.Tensor) or fill is None:
        return fill
    channels = F.get_dimensions(img)[0]
    return [float(fill)] * channels if isinstance(fill, (int, float)) else [float(f) for f in fill]


def _space(num_bins: int, shear: float, translate: tuple, rotate: float, enhance: float,
           posterize_from: int, posterize_span: int, with_identity: bool, with_invert: bool,
           with_enhance: bool = True):
    """The operations and their magnitude bins, in torchvision's order (which the random op
    index refers to): ``name -> (magnitudes tensor, signed)``."""
    lin = gk.linspace
    space = {"Identity": (gk.tensor(0.0), False)} if with_identity else {}
    space.update({
        "ShearX": (lin(0.0, shear, num_bins), True),
        "ShearY": (lin(0.0, shear, num_bins), True),
        "TranslateX": (lin(0.0, translate[0], num_bins), True),
        "TranslateY": (lin(0.0, translate[1], num_bins), True),
        "Rotate": (lin(0.0, rotate, num_bins), True),
    })
    if with_enhance:
        for name in ("Brightness", "Color", "Contrast", "Sharpness"):
            space[name] = (lin(0.0, enhance, num_bins), True)
    space["Posterize"] = (posterize_from - (gk.arange(num_bins) / ((num_bins - 1) /
                                                                   posterize_span)).round().int(),
                          False)
    space["Solarize"] = (lin(255.0, 0.0, num_bins), False)
    space["AutoContrast"] = (gk.tensor(0.0), False)
    space["Equalize"] = (gk.tensor(0.0), False)
    if with_invert:
        space["Invert"] = (gk.tensor(0.0), False)
    return space


class AutoAugmentPolicy(Enum):
    """The policies learned on ImageNet, CIFAR-10 and SVHN."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# Each policy: 25 sub-policies of two (operation, probability, magnitude bin) steps, written as
# "Op prob bin" ("-" for operations without a magnitude), from the AutoAugment paper's tables.
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: """
        Posterize .4 8, Rotate .6 9; Solarize .6 5, AutoContrast .6 -; Equalize .8 -, Equalize .6 -
        Posterize .6 7, Posterize .6 6; Equalize .4 -, Solarize .2 4; Equalize .4 -, Rotate .8 8
        Solarize .6 3, Equalize .6 -; Posterize .8 5, Equalize 1 -; Rotate .2 3, Solarize .6 8
        Equalize .6 -, Posterize .4 6; Rotate .8 8, Color .4 0; Rotate .4 9, Equalize .6 -
        Equalize 0 -, Equalize .8 -; Invert .6 -, Equalize 1 -; Color .6 4, Contrast 1 8
        Rotate .8 8, Color 1 2; Color .8 8, Solarize .8 7; Sharpness .4 7, Invert .6 -
        ShearX .6 5, Equalize 1 -; Color .4 0, Equalize .6 -; Equalize .4 -, Solarize .2 4
        Solarize .6 5, AutoContrast .6 -; Invert .6 -, Equalize 1 -; Color .6 4, Contrast 1 8
        Equalize .8 -, Equalize .6 -""",
    AutoAugmentPolicy.CIFAR10: """
        Invert .1 -, Contrast .2 6; Rotate .7 2, TranslateX .3 9; Sharpness .8 1, Sharpness .9 3
        ShearY .5 8, TranslateY .7 9; AutoContrast .5 -, Equalize .9 -; ShearY .2 7, Posterize .3 7
        Color .4 3, Brightness .6 7; Sharpness .3 9, Brightness .7 9; Equalize .6 -, Equalize .5 -
        Contrast .6 7, Sharpness .6 5; Color .7 7, TranslateX .5 8; Equalize .3 -, AutoContrast .4 -
        TranslateY .4 3, Sharpness .2 6; Brightness .9 6, Color .2 8; Solarize .5 2, Invert 0 -
        Equalize .2 -, AutoContrast .6 -; Equalize .2 -, Equalize .6 -; Color .9 9, Equalize .6 -
        AutoContrast .8 -, Solarize .2 8; Brightness .1 3, Color .7 0
        Solarize .4 5, AutoContrast .9 -; TranslateY .9 9, TranslateY .7 9
        AutoContrast .9 -, Solarize .8 3; Equalize .8 -, Invert .1 -
        TranslateY .7 9, AutoContrast .9 -""",
    AutoAugmentPolicy.SVHN: """
        ShearX .9 4, Invert .2 -; ShearY .9 8, Invert .7 -; Equalize .6 -, Solarize .6 6
        Invert .9 -, Equalize .6 -; Equalize .6 -, Rotate .9 3; ShearX .9 4, AutoContrast .8 -
        ShearY .9 8, Invert .4 -; ShearY .9 5, Solarize .2 6; Invert .9 -, AutoContrast .8 -
        Equalize .6 -, Rotate .9 3; ShearX .9 4, Solarize .3 3; ShearY .8 8, Invert .7 -
        Equalize .9 -, TranslateY .6 6; Invert .9 -, Equalize .6 -; Contrast .3 3, Rotate .8 4
        Invert .8 -, TranslateY 0 2; ShearY .7 6, Solarize .4 8; Invert .6 -, Rotate .8 4
        ShearY .3 7, TranslateX .9 3; ShearX .1 6, Invert .6 -; Solarize .7 2, TranslateY .6 7
        ShearY .8 4, Invert .8 -; ShearX .7 9, TranslateY .8 3; ShearY .8 5, AutoContrast .7 -
        ShearX .7 2, Invert .1 -""",
}


def _parse_policy(text: str) -> list:
    policy = []
    for sub in text.replace("\n", ";").split(";"):
        if not sub.strip():
            continue
        steps = []
        for step in sub.split(","):
            name, prob, bin_ = step.split()
            steps.append((name, float(prob), None if bin_ == "-" else int(bin_)))
        policy.append(tuple(steps))
    return policy


class AutoAugment(_Transform):
    """One of the policy's 25 sub-policies per image, each step applied with its probability."""

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
                 interpolation=InterpolationMode.NEAREST, fill=None) -> None:
        super().__init__()
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        self.policy = policy
        self.interpolation = _check_interpolation(interpolation, "AutoAugment")
        self.fill = fill
        self.policies = _parse_policy(_POLICIES[policy])

    def _augmentation_space(self, num_bins: int, image_size):
        return _space(num_bins, 0.3, (150.0 / 331.0 * image_size[1],
                                      150.0 / 331.0 * image_size[0]), 30.0, 0.9, 8, 4,
                      with_identity=False, with_invert=True)

    @staticmethod
    def get_params(transform_num: int):
        """(sub-policy index, the two steps' coins, the two magnitudes' signs)."""
        policy_id = int(gk.randint(transform_num, (1,)).item())
        return policy_id, gk.rand((2,)), gk.randint(2, (2,))

    def forward(self, img):
        _, height, width = F.get_dimensions(img)
        fill = _channel_fill(self.fill, img)
        transform_id, probs, signs = self.get_params(len(self.policies))
        space = self._augmentation_space(10, (height, width))
        for i, (op_name, p, bin_) in enumerate(self.policies[transform_id]):
            if probs[i] <= p:
                magnitudes, signed = space[op_name]
                magnitude = float(magnitudes[bin_].item()) if bin_ is not None else 0.0
                if signed and signs[i] == 0:
                    magnitude *= -1.0
                img = _apply_op(img, op_name, magnitude, self.interpolation, fill)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(_Transform):
    """``num_ops`` operations drawn uniformly, each at bin ``magnitude`` of
    ``num_magnitude_bins``."""

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation=InterpolationMode.NEAREST, fill=None) -> None:
        super().__init__()
        self.num_ops, self.magnitude = num_ops, magnitude
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = _check_interpolation(interpolation, "RandAugment")
        self.fill = fill

    def _augmentation_space(self, num_bins: int, image_size):
        return _space(num_bins, 0.3, (150.0 / 331.0 * image_size[1],
                                      150.0 / 331.0 * image_size[0]), 30.0, 0.9, 8, 4,
                      with_identity=True, with_invert=False)

    def forward(self, img):
        _, height, width = F.get_dimensions(img)
        fill = _channel_fill(self.fill, img)
        space = self._augmentation_space(self.num_magnitude_bins, (height, width))
        names = list(space)
        for _ in range(self.num_ops):
            op_name = names[int(gk.randint(len(space), (1,)).item())]
            magnitudes, signed = space[op_name]
            magnitude = float(magnitudes[self.magnitude].item()) if magnitudes.ndim > 0 else 0.0
            if signed and gk.randint(2, (1,)):
                magnitude *= -1.0
            img = _apply_op(img, op_name, magnitude, self.interpolation, fill)
        return img

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class TrivialAugmentWide(_Transform):
    """One operation drawn uniformly at a magnitude bin drawn uniformly (wide ranges)."""

    def __init__(self, num_magnitude_bins: int = 31, interpolation=InterpolationMode.NEAREST,
                 fill=None) -> None:
        super().__init__()
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = _check_interpolation(interpolation, "TrivialAugmentWide")
        self.fill = fill

    def _augmentation_space(self, num_bins: int):
        return _space(num_bins, 0.99, (32.0, 32.0), 135.0, 0.99, 8, 6, with_identity=True,
                      with_invert=False)

    def forward(self, img):
        fill = _channel_fill(self.fill, img)
        space = self._augmentation_space(self.num_magnitude_bins)
        op_name = list(space)[int(gk.randint(len(space), (1,)).item())]
        magnitudes, signed = space[op_name]
        magnitude = float(magnitudes[gk.randint(len(magnitudes), (1,), dtype=gk.int64)].item()) \
            if magnitudes.ndim > 0 else 0.0
        if signed and gk.randint(2, (1,)):
            magnitude *= -1.0
        return _apply_op(img, op_name, magnitude, self.interpolation, fill)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class AugMix(_Transform):
    """``mixture_width`` chains of 1-3 (or ``chain_depth``) operations, mixed with Dirichlet
    weights and blended with the original by a Beta-like weight (Hendrycks et al.)."""

    _PARAMETER_MAX = 10

    def __init__(self, severity: int = 3, mixture_width: int = 3, chain_depth: int = -1,
                 alpha: float = 1.0, all_ops: bool = True,
                 interpolation=InterpolationMode.BILINEAR, fill=None) -> None:
        super().__init__()
        if not 1 <= severity <= self._PARAMETER_MAX:
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got "
                             f"{severity} instead.")
        self.severity, self.mixture_width = severity, mixture_width
        self.chain_depth, self.alpha, self.all_ops = chain_depth, alpha, all_ops
        self.interpolation = _check_interpolation(interpolation, "AugMix")
        self.fill = fill

    def _augmentation_space(self, num_bins: int, image_size):
        return _space(num_bins, 0.3, (image_size[1] / 3.0, image_size[0] / 3.0), 30.0, 0.9, 4,
                      4, with_identity=False, with_invert=False, with_enhance=False) | (
            {name: (gk.linspace(0.0, 0.9, num_bins), True)
             for name in ("Brightness", "Color", "Contrast", "Sharpness")}
            if self.all_ops else {})

    def forward(self, orig_img):
        _, height, width = F.get_dimensions(orig_img)
        fill = _channel_fill(self.fill, orig_img)
        img = orig_img if isinstance(orig_img, gk.Tensor) else F.pil_to_tensor(orig_img)
        space = self._augmentation_space(self._PARAMETER_MAX, (height, width))
        names = list(space)
        dims = list(img.shape)
        batch = img.view([1] * max(4 - img.ndim, 0) + dims)
        n = batch.shape[0]
        per_image = [n] + [1] * (batch.ndim - 1)
        m = gk._sample_dirichlet(gk.tensor([self.alpha, self.alpha]).expand(n, -1))
        weights = gk._sample_dirichlet(gk.tensor([self.alpha] * self.mixture_width)
                                       .expand(n, -1)) * m[:, 1].view([n, -1])
        mix = m[:, 0].view(per_image) * batch
        for i in range(self.mixture_width):
            aug = batch
            depth = self.chain_depth if self.chain_depth > 0 else \
                int(gk.randint(low=1, high=4, size=(1,)).item())
            for _ in range(depth):
                op_name = names[int(gk.randint(len(space), (1,)).item())]
                magnitudes, signed = space[op_name]
                magnitude = float(magnitudes[gk.randint(self.severity, (1,), dtype=gk.int64)]
                                  .item()) if magnitudes.ndim > 0 else 0.0
                if signed and gk.randint(2, (1,)):
                    magnitude *= -1.0
                aug = _apply_op(aug, op_name, magnitude, self.interpolation, fill)
            mix.add_(weights[:, i].view(per_image) * aug)
        mix = mix.view(dims).to(dtype=img.dtype)
        return mix if isinstance(orig_img, gk.Tensor) else F.to_pil_image(mix)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(severity={self.severity}, mixture_width="
                f"{self.mixture_width}, chain_depth={self.chain_depth}, alpha={self.alpha}, "
                f"all_ops={self.all_ops}, interpolation={self.interpolation}, fill={self.fill})")
