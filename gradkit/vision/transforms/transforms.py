"""torchvision's (v1) transform classes on PIL images and ``(..., C, H, W)`` gradkit tensors.

Random transforms draw from gradkit's default generator in torchvision's order (``gk.rand(1)``
for a coin, ``gk.randint(...)`` for an offset, ``gk.empty(1).uniform_(a, b)`` for a factor,
``gk.randperm(4)`` for ColorJitter's order), so ``gk.manual_seed(s)`` picks the same crops,
flips and factors as ``torch.manual_seed(s)`` does in torchvision.
"""

from __future__ import annotations

import math
import numbers
import random
import warnings
from collections.abc import Sequence

import gradkit as gk

from ...nn import Module
from . import functional as F
from .functional import InterpolationMode, _check_interpolation

__all__ = [
    "Compose", "ToTensor", "PILToTensor", "ToPILImage", "ConvertImageDtype", "Normalize",
    "Resize", "CenterCrop", "Pad", "Lambda", "RandomApply", "RandomChoice", "RandomOrder",
    "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomResizedCrop",
    "ColorJitter", "RandomRotation", "Grayscale", "RandomGrayscale", "RandomErasing",
]


def _setup_size(size, error_msg: str):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError(f"{error_msg} Got {size!r}")
    return size


def _setup_angle(x, name: str, req_sizes=(2,)):
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-x, x]
    elif not isinstance(x, Sequence) or len(x) not in req_sizes:
        raise ValueError(f"If {name} is a sequence its length should be one of {req_sizes}.")
    return [float(d) for d in x]


def _uniform(a: float, b: float) -> float:
    """``torch.empty(1).uniform_(a, b).item()``: one float32 draw."""
    return gk.empty(1).uniform_(float(a), float(b)).item()


class _Transform(Module):
    """A transform that is a Module in torchvision (so it nests in ``nn.Sequential``)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._extra()})"

    def _extra(self) -> str:
        return ""


class Compose:
    """Apply ``transforms`` in order."""

    def __init__(self, transforms) -> None:
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """PIL image or ``(H, W, C)`` ndarray -> ``(C, H, W)`` float tensor in [0, 1] (for uint8)."""

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class PILToTensor:
    """PIL image -> ``(C, H, W)`` tensor of the same dtype (no scaling)."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToPILImage:
    """Tensor ``(C, H, W)`` or ndarray ``(H, W, C)`` -> PIL image."""

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mode={self.mode})" if self.mode else \
            f"{type(self).__name__}()"


class ConvertImageDtype(_Transform):
    """Convert a tensor image to ``dtype``, rescaling the values."""

    def __init__(self, dtype) -> None:
        super().__init__()
        self.dtype = dtype

    def forward(self, image):
        return F.convert_image_dtype(image, self.dtype)


class Normalize(_Transform):
    """``(x - mean[c]) / std[c]`` for each channel of a float tensor image."""

    def __init__(self, mean, std, inplace: bool = False) -> None:
        super().__init__()
        self.mean, self.std, self.inplace = mean, std, inplace

    def forward(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def _extra(self) -> str:
        return f"mean={self.mean}, std={self.std}"


class Resize(_Transform):
    """Resize to ``size``: (h, w), or an int for the shorter side keeping the aspect ratio."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias: bool | None = True) -> None:
        super().__init__()
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError(f"If size is a sequence, it should have 1 or 2 values, got {size!r}")
        self.size = size
        self.max_size = max_size
        self.interpolation = _check_interpolation(interpolation, "Resize")
        self.antialias = antialias

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def _extra(self) -> str:
        return (f"size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias}")


class CenterCrop(_Transform):
    """Crop the centre; an int ``size`` gives a square."""

    def __init__(self, size) -> None:
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")

    def forward(self, img):
        return F.center_crop(img, self.size)

    def _extra(self) -> str:
        return f"size={self.size}"


class Pad(_Transform):
    """Pad every border (constant ``fill``, or edge/reflect/symmetric)."""

    def __init__(self, padding, fill=0, padding_mode: str = "constant") -> None:
        super().__init__()
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError(f"Got inappropriate padding arg {padding!r}")
        if not isinstance(fill, (numbers.Number, tuple, list, str)):
            raise TypeError(f"Got inappropriate fill arg {fill!r}")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"Padding mode should be either constant, edge, reflect or "
                             f"symmetric, got {padding_mode!r}")
        if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                             f"{len(padding)} element tuple")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def forward(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def _extra(self) -> str:
        return f"padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode}"


class Lambda:
    """Apply a user function."""

    def __init__(self, lambd) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class RandomApply(_Transform):
    """Apply the list of ``transforms`` with probability ``p`` (one ``rand(1)`` draw)."""

    def __init__(self, transforms, p: float = 0.5) -> None:
        super().__init__()
        self.transforms = transforms
        self.p = p

    def forward(self, img):
        if bool(self.p < gk.rand(1)):
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}(\n    p={self.p}{body}\n)"


class RandomChoice:
    """Apply one of ``transforms`` picked with Python's ``random.choices`` (as torchvision)."""

    def __init__(self, transforms, p=None) -> None:
        if p is not None and len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != "
                             f"{len(transforms)}")
        self.transforms = transforms
        self.p = p

    def __call__(self, *args):
        t = random.choices(self.transforms, weights=self.p)[0]
        return t(*args)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(transforms={self.transforms}, p={self.p})"


class RandomOrder:
    """Apply ``transforms`` in an order shuffled with Python's ``random.shuffle``."""

    def __init__(self, transforms) -> None:
        self.transforms = transforms

    def __call__(self, img):
        order = list(range(len(self.transforms)))
        random.shuffle(order)
        for i in order:
            img = self.transforms[i](img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class RandomCrop(_Transform):
    """Crop at a random place (after optional padding)."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant") -> None:
        super().__init__()
        self.size = tuple(_setup_size(size, "Please provide only two dimensions (h, w) for size."))
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    @staticmethod
    def get_params(img, output_size):
        """``(i, j, h, w)``: two ``randint`` draws unless the crop is the whole image."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size "
                             f"{(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = int(gk.randint(0, h - th + 1, size=(1,)).item())
        j = int(gk.randint(0, w - tw + 1, size=(1,)).item())
        return i, j, th, tw

    def forward(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size)
        return F.crop(img, i, j, h, w)

    def _extra(self) -> str:
        return f"size={self.size}, padding={self.padding}"


class RandomHorizontalFlip(_Transform):
    """Flip left-right with probability ``p`` (one ``rand(1)`` draw per call)."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def forward(self, img):
        if bool(gk.rand(1) < self.p):
            return F.hflip(img)
        return img

    def _extra(self) -> str:
        return f"p={self.p}"


class RandomVerticalFlip(_Transform):
    """Flip top-bottom with probability ``p`` (one ``rand(1)`` draw per call)."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def forward(self, img):
        if bool(gk.rand(1) < self.p):
            return F.vflip(img)
        return img

    def _extra(self) -> str:
        return f"p={self.p}"


class RandomResizedCrop(_Transform):
    """Crop a random area fraction (``scale``) and aspect ratio (``ratio``), resize to ``size``."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias: bool | None = True) -> None:
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")
        if not isinstance(scale, Sequence):
            raise TypeError(f"Scale should be a sequence, got {scale!r}")
        if not isinstance(ratio, Sequence):
            raise TypeError(f"Ratio should be a sequence, got {ratio!r}")
        if (scale[0] > scale[1]) or (ratio[0] > ratio[1]):
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        self.interpolation = _check_interpolation(interpolation, "RandomResizedCrop")
        self.antialias = antialias
        self.scale, self.ratio = scale, ratio

    @staticmethod
    def get_params(img, scale, ratio):
        """Up to ten tries of (area, log-ratio) draws, then a centre crop, as torchvision."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = gk.log(gk.tensor(ratio))
        lo, hi = float(log_ratio[0].item()), float(log_ratio[1].item())
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect_ratio = gk.exp(gk.empty(1).uniform_(lo, hi)).item()
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                i = int(gk.randint(0, height - h + 1, size=(1,)).item())
                j = int(gk.randint(0, width - w + 1, size=(1,)).item())
                return i, j, h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w = width
            h = int(round(w / min(ratio)))
        elif in_ratio > max(ratio):
            h = height
            w = int(round(h * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def forward(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation,
                              antialias=self.antialias)

    def _extra(self) -> str:
        return (f"size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, "
                f"interpolation={self.interpolation.value}, antialias={self.antialias}")


class ColorJitter(_Transform):
    """Random brightness, contrast, saturation and hue, applied in a random order."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0) -> None:
        super().__init__()
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5),
                                     clip_first_on_zero=False)

    @staticmethod
    def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        if value[0] == value[1] == center:
            return None
        return tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """``randperm(4)``, then one ``uniform_`` draw per enabled factor, in that order."""
        fn_idx = gk.randperm(4)
        b = None if brightness is None else _uniform(brightness[0], brightness[1])
        c = None if contrast is None else _uniform(contrast[0], contrast[1])
        s = None if saturation is None else _uniform(saturation[0], saturation[1])
        h = None if hue is None else _uniform(hue[0], hue[1])
        return fn_idx, b, c, s, h

    def forward(self, img):
        fn_idx, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation,
                                             self.hue)
        for fn_id in fn_idx.tolist():
            if fn_id == 0 and b is not None:
                img = F.adjust_brightness(img, b)
            elif fn_id == 1 and c is not None:
                img = F.adjust_contrast(img, c)
            elif fn_id == 2 and s is not None:
                img = F.adjust_saturation(img, s)
            elif fn_id == 3 and h is not None:
                img = F.adjust_hue(img, h)
        return img

    def _extra(self) -> str:
        return (f"brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue}")


class RandomRotation(_Transform):
    """Rotate by an angle drawn uniformly from ``degrees`` (a number d means (-d, d))."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand: bool = False,
                 center=None, fill=0) -> None:
        super().__init__()
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError(f"center should be a sequence of length 2, got {center!r}")
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError(f"Fill should be either a sequence or a number, got {fill!r}")
        self.interpolation = _check_interpolation(interpolation, "RandomRotation")
        self.expand, self.center, self.fill = expand, center, fill

    @staticmethod
    def get_params(degrees) -> float:
        return float(_uniform(float(degrees[0]), float(degrees[1])))

    def forward(self, img):
        fill = self.fill
        channels, _, _ = F.get_dimensions(img)
        if isinstance(img, gk.Tensor):
            fill = [float(fill)] * channels if isinstance(fill, (int, float)) else \
                [float(f) for f in fill]
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def _extra(self) -> str:
        return (f"degrees={self.degrees}, interpolation={self.interpolation.value}, "
                f"expand={self.expand}, fill={self.fill}")


class Grayscale(_Transform):
    """Convert to grayscale with 1 or 3 output channels."""

    def __init__(self, num_output_channels: int = 1) -> None:
        super().__init__()
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return F.rgb_to_grayscale(img, num_output_channels=self.num_output_channels)

    def _extra(self) -> str:
        return f"num_output_channels={self.num_output_channels}"


class RandomGrayscale(_Transform):
    """Grayscale (keeping the channel count) with probability ``p``."""

    def __init__(self, p: float = 0.1) -> None:
        super().__init__()
        self.p = p

    def forward(self, img):
        num_output_channels, _, _ = F.get_dimensions(img)
        if bool(gk.rand(1) < self.p):
            return F.rgb_to_grayscale(img, num_output_channels=num_output_channels)
        return img

    def _extra(self) -> str:
        return f"p={self.p}"


class RandomErasing(_Transform):
    """Erase a random box of a tensor image with probability ``p`` (Zhong et al., 2017)."""

    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0,
                 inplace: bool = False) -> None:
        super().__init__()
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if (scale[0] > scale[1]) or (ratio[0] > ratio[1]):
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError(f"Scale should be between 0 and 1, got {scale}")
        if p < 0 or p > 1:
            raise ValueError(f"Random erasing probability should be between 0 and 1, got {p}")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        img_c, img_h, img_w = img.shape[-3], img.shape[-2], img.shape[-1]
        area = img_h * img_w
        log_ratio = gk.log(gk.tensor(ratio))
        lo, hi = float(log_ratio[0].item()), float(log_ratio[1].item())
        for _ in range(10):
            erase_area = area * _uniform(scale[0], scale[1])
            aspect_ratio = gk.exp(gk.empty(1).uniform_(lo, hi)).item()
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = gk.empty([img_c, h, w], dtype=gk.float32).normal_()
            else:
                v = gk.tensor(value)[:, None, None]
            i = int(gk.randint(0, img_h - h + 1, size=(1,)).item())
            j = int(gk.randint(0, img_w - w + 1, size=(1,)).item())
            return i, j, h, w, v
        return 0, 0, img_h, img_w, img

    def forward(self, img):
        if bool(gk.rand(1) < self.p):
            if isinstance(self.value, (int, float)):
                value = [float(self.value)]
            elif isinstance(self.value, str):
                value = None
            else:
                value = [float(v) for v in self.value]
            if value is not None and len(value) not in (1, img.shape[-3]):
                raise ValueError(f"If value is a sequence, it should have either a single value or "
                                 f"{img.shape[-3]} (number of input channels)")
            x, y, h, w, v = self.get_params(img, self.scale, self.ratio, value)
            return F.erase(img, x, y, h, w, v, self.inplace)
        return img

    def _extra(self) -> str:
        return (f"p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value}, "
                f"inplace={self.inplace}")
