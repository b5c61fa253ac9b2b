"""torchvision's v2 transforms where their names coincide with v1.

A v2 transform takes any structure (an image, ``(image, label)``, a dict, nested lists): it
draws its random parameters once per call and applies them to every PIL image in the structure,
or, when there is none, to the first tensor; everything else (labels, numbers, strings) passes
through unchanged. Random draws follow torchvision v2's order, which differs from v1 only for
RandomCrop (no draw along a side the crop already spans) and RandomApply's comparison.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np

import gradkit as gk

from ...._tensor import Tensor
from ....nn import Module
from ..._pil import is_pil_image
from .. import functional as F
from .. import transforms as _v1
from ..functional import InterpolationMode, _check_interpolation
from ..transforms import _setup_angle, _setup_size, _uniform

__all__ = [
    "Transform", "Compose", "ToImage", "ToDtype", "ToPureTensor", "ToTensor", "PILToTensor",
    "ToPILImage", "ConvertImageDtype", "Normalize", "Resize", "CenterCrop", "Pad", "Lambda",
    "RandomApply", "RandomChoice", "RandomOrder", "RandomCrop", "RandomHorizontalFlip",
    "RandomVerticalFlip", "RandomResizedCrop", "ColorJitter", "RandomRotation", "Grayscale",
    "RandomGrayscale", "RandomErasing", "Identity",
]


def _flatten(obj, leaves: list):
    if isinstance(obj, (tuple, list)):
        return type(obj), [_flatten(o, leaves) for o in obj]
    if isinstance(obj, dict):
        return dict, {k: _flatten(v, leaves) for k, v in obj.items()}
    leaves.append(obj)
    return None, len(leaves) - 1


def _unflatten(spec, leaves: list):
    kind, body = spec
    if kind is None:
        return leaves[body]
    if kind is dict:
        return {k: _unflatten(v, leaves) for k, v in body.items()}
    items = [_unflatten(s, leaves) for s in body]
    return kind(*items) if hasattr(kind, "_fields") else kind(items)


class Transform(Module):
    """Base of the v2 transforms: ``make_params`` once per call, ``transform`` per image."""

    def make_params(self, flat_inputs: list) -> dict:
        return {}

    def transform(self, inpt, params: dict):
        raise NotImplementedError

    def _needs_transform(self, flat: list) -> list[bool]:
        has_pil = any(is_pil_image(x) for x in flat)
        seen = False
        out = []
        for x in flat:
            if is_pil_image(x):
                out.append(True)
            elif isinstance(x, Tensor) and not has_pil and not seen:
                seen = True
                out.append(True)
            else:
                out.append(False)
        return out

    def forward(self, *inputs):
        sample = inputs if len(inputs) > 1 else inputs[0]
        flat: list = []
        spec = _flatten(sample, flat)
        todo = self._needs_transform(flat)
        params = self.make_params([x for x, t in zip(flat, todo) if t])
        flat = [self.transform(x, params) if t else x for x, t in zip(flat, todo)]
        return _unflatten(spec, flat)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._extra()})"

    def _extra(self) -> str:
        return ""


def _query_size(flat: list) -> tuple[int, int]:
    if not flat:
        raise TypeError("No image was found in the sample: a v2 transform needs a PIL image or a "
                        "tensor image")
    _, h, w = F.get_dimensions(flat[0])
    return h, w


class _RandomApplyTransform(Transform):
    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not (0.0 <= p <= 1.0):
            raise ValueError(f"`p` should be a floating point value in the interval [0.0, 1.0], "
                             f"got {p}")
        self.p = p

    def forward(self, *inputs):
        sample = inputs if len(inputs) > 1 else inputs[0]
        if bool(gk.rand(1) >= self.p):
            return sample
        return super().forward(sample)

    def _extra(self) -> str:
        return f"p={self.p}"


class Identity(Transform):
    def transform(self, inpt, params):
        return inpt


class Compose(_v1.Compose):
    """Apply ``transforms`` in order; several inputs travel as one tuple."""

    def __call__(self, *inputs):
        needs_unpack = len(inputs) > 1
        sample = inputs if needs_unpack else inputs[0]
        for t in self.transforms:
            out = t(sample)
            sample = out
        return sample


class Lambda(Transform):
    """Apply ``lambd`` to the leaves of the given ``types`` (all by default)."""

    def __init__(self, lambd, *types) -> None:
        super().__init__()
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd, self.types = lambd, types or (object,)

    def _needs_transform(self, flat):
        return [isinstance(x, self.types) for x in flat]

    def transform(self, inpt, params):
        return self.lambd(inpt)


class ToImage(Transform):
    """PIL image or ``(H, W, C)`` ndarray -> ``(C, H, W)`` tensor of the same dtype."""

    def _needs_transform(self, flat):
        base = super()._needs_transform(flat)
        return [b or isinstance(x, np.ndarray) for b, x in zip(base, flat)]

    def transform(self, inpt, params):
        if isinstance(inpt, np.ndarray):
            arr = inpt[:, :, None] if inpt.ndim == 2 else inpt
            return gk.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
        if is_pil_image(inpt):
            return F.pil_to_tensor(inpt)
        return inpt


class ToPureTensor(Identity):
    """gradkit has no tensor subclasses: the identity."""


class PILToTensor(Transform):
    def _needs_transform(self, flat):
        return [is_pil_image(x) for x in flat]

    def transform(self, inpt, params):
        return F.pil_to_tensor(inpt)


class ToTensor(PILToTensor):
    """Deprecated in torchvision: ``ToImage()`` then ``ToDtype(float32, scale=True)``."""

    def _needs_transform(self, flat):
        return [is_pil_image(x) or isinstance(x, np.ndarray) for x in flat]

    def transform(self, inpt, params):
        return F.to_tensor(inpt)


class ToPILImage(Transform):
    def __init__(self, mode: str | None = None) -> None:
        super().__init__()
        self.mode = mode

    def _needs_transform(self, flat):
        seen = [False]

        def pick(x):
            if isinstance(x, (Tensor, np.ndarray)) and not seen[0]:
                seen[0] = True
                return True
            return False
        return [pick(x) for x in flat]

    def transform(self, inpt, params):
        return F.to_pil_image(inpt, mode=self.mode)


def _to_dtype_image(image: Tensor, dtype, scale: bool) -> Tensor:
    dtype = np.dtype(dtype)
    if image.dtype == dtype:
        return image
    if not scale:
        return image.to(dtype=dtype)
    float_in, float_out = image.dtype.kind == "f", dtype.kind == "f"
    if float_in:
        return F.convert_image_dtype(image, dtype)
    if float_out:
        from .._functional_tensor import max_value
        return image.to(dtype=dtype).mul_(1.0 / max_value(image.dtype))
    return F.convert_image_dtype(image, dtype)


class ToDtype(Transform):
    """Cast the image to ``dtype``; ``scale=True`` rescales values (uint8 255 -> float 1.0)."""

    def __init__(self, dtype, scale: bool = False) -> None:
        super().__init__()
        if isinstance(dtype, dict):
            raise TypeError("ToDtype: a dict of dtypes per input type needs torchvision's "
                            "tv_tensors, which gradkit does not have; pass one dtype")
        self.dtype, self.scale = dtype, scale

    def transform(self, inpt, params):
        if not isinstance(inpt, Tensor):
            return inpt
        return _to_dtype_image(inpt, self.dtype, self.scale)

    def _extra(self) -> str:
        return f"dtype={self.dtype}, scale={self.scale}"


class ConvertImageDtype(Transform):
    def __init__(self, dtype=gk.float32) -> None:
        super().__init__()
        self.dtype = dtype

    def transform(self, inpt, params):
        return F.convert_image_dtype(inpt, self.dtype)


class Normalize(Transform):
    def __init__(self, mean, std, inplace: bool = False) -> None:
        super().__init__()
        self.mean, self.std, self.inplace = list(mean), list(std), inplace

    def transform(self, inpt, params):
        if is_pil_image(inpt):
            raise TypeError("Normalize does not support PIL images; convert with ToImage() and "
                            "ToDtype(float32, scale=True) first")
        return F.normalize(inpt, self.mean, self.std, self.inplace)

    def _extra(self) -> str:
        return f"mean={self.mean}, std={self.std}, inplace={self.inplace}"


class Resize(Transform):
    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias: bool | None = True) -> None:
        super().__init__()
        if isinstance(size, int):
            size = [size]
        elif isinstance(size, (list, tuple)) and len(size) in (1, 2):
            size = list(size)
        elif size is not None:
            raise ValueError(f"size can either be an integer or a sequence of one or two "
                             f"integers, but got {size} instead.")
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = _check_interpolation(interpolation, "Resize")

    def transform(self, inpt, params):
        return F.resize(inpt, self.size, self.interpolation, self.max_size, self.antialias)

    def _extra(self) -> str:
        return (f"size={self.size}, interpolation={self.interpolation}, "
                f"antialias={self.antialias}")


class CenterCrop(Transform):
    def __init__(self, size) -> None:
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")

    def transform(self, inpt, params):
        return F.center_crop(inpt, self.size)


class Pad(Transform):
    def __init__(self, padding, fill=0, padding_mode: str = "constant") -> None:
        super().__init__()
        _v1.Pad(padding, fill if not isinstance(fill, dict) else 0, padding_mode)  # validation
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def transform(self, inpt, params):
        return F.pad(inpt, self.padding, self.fill, self.padding_mode)


class RandomHorizontalFlip(_RandomApplyTransform):
    def transform(self, inpt, params):
        return F.hflip(inpt)


class RandomVerticalFlip(_RandomApplyTransform):
    def transform(self, inpt, params):
        return F.vflip(inpt)


class RandomApply(Transform):
    def __init__(self, transforms, p: float = 0.5) -> None:
        super().__init__()
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        self.transforms, self.p = transforms, p

    def forward(self, *inputs):
        sample = inputs if len(inputs) > 1 else inputs[0]
        if bool(gk.rand(1) >= self.p):
            return sample
        for t in self.transforms:
            sample = t(sample)
        return sample


class RandomChoice(_v1.RandomChoice):
    pass


class RandomOrder(_v1.RandomOrder):
    pass


class RandomCrop(Transform):
    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant") -> None:
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")
        if padding is not None:
            _v1.Pad(padding, 0, padding_mode)  # validation
        from .._functional_tensor import _parse_pad_padding
        self.padding = _parse_pad_padding(padding) if padding else None  # (l, r, t, b)
        self.pad_if_needed, self.fill, self.padding_mode = pad_if_needed, fill, padding_mode

    def make_params(self, flat_inputs):
        ph, pw = _query_size(flat_inputs)
        if self.padding is not None:
            pl, pr, pt, pb = self.padding
            ph += pt + pb
            pw += pl + pr
        else:
            pl = pr = pt = pb = 0
        ch, cw = self.size
        if self.pad_if_needed:
            if ph < ch:
                diff = ch - ph
                pt, pb, ph = pt + diff, pb + diff, ph + 2 * diff
            if pw < cw:
                diff = cw - pw
                pl, pr, pw = pl + diff, pr + diff, pw + 2 * diff
        if ph < ch or pw < cw:
            raise ValueError(f"Required crop size {(ch, cw)} is larger than "
                             f"{'padded ' if self.padding is not None else ''}input image size "
                             f"{(ph, pw)}.")
        padding = [pl, pt, pr, pb]
        top = int(gk.randint(0, ph - ch + 1, size=()).item()) if ph > ch else 0
        left = int(gk.randint(0, pw - cw + 1, size=()).item()) if pw > cw else 0
        return dict(needs_crop=ph > ch or pw > cw, top=top, left=left, height=ch, width=cw,
                    needs_pad=any(padding), padding=padding)

    def transform(self, inpt, params):
        if params["needs_pad"]:
            inpt = F.pad(inpt, params["padding"], self.fill, self.padding_mode)
        if params["needs_crop"]:
            inpt = F.crop(inpt, params["top"], params["left"], params["height"], params["width"])
        return inpt


class RandomResizedCrop(Transform):
    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias: bool | None = True) -> None:
        super().__init__()
        self._v1 = _v1.RandomResizedCrop(size, scale, ratio, interpolation, antialias)
        self.size, self.scale, self.ratio = self._v1.size, scale, ratio
        self.interpolation, self.antialias = self._v1.interpolation, antialias

    def make_params(self, flat_inputs):
        i, j, h, w = _v1.RandomResizedCrop.get_params(flat_inputs[0], self.scale, self.ratio)
        return dict(top=i, left=j, height=h, width=w)

    def transform(self, inpt, params):
        return F.resized_crop(inpt, params["top"], params["left"], params["height"],
                              params["width"], self.size, self.interpolation,
                              antialias=self.antialias)


class ColorJitter(Transform):
    def __init__(self, brightness=None, contrast=None, saturation=None, hue=None) -> None:
        super().__init__()
        chk = _v1.ColorJitter._check_input
        self.brightness = chk(brightness or 0, "brightness")
        self.contrast = chk(contrast or 0, "contrast")
        self.saturation = chk(saturation or 0, "saturation")
        self.hue = chk(hue or 0, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    def make_params(self, flat_inputs):
        fn_idx, b, c, s, h = _v1.ColorJitter.get_params(self.brightness, self.contrast,
                                                        self.saturation, self.hue)
        return dict(fn_idx=fn_idx.tolist(), b=b, c=c, s=s, h=h)

    def transform(self, inpt, params):
        for fn_id in params["fn_idx"]:
            if fn_id == 0 and params["b"] is not None:
                inpt = F.adjust_brightness(inpt, params["b"])
            elif fn_id == 1 and params["c"] is not None:
                inpt = F.adjust_contrast(inpt, params["c"])
            elif fn_id == 2 and params["s"] is not None:
                inpt = F.adjust_saturation(inpt, params["s"])
            elif fn_id == 3 and params["h"] is not None:
                inpt = F.adjust_hue(inpt, params["h"])
        return inpt


class RandomRotation(Transform):
    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand: bool = False,
                 center=None, fill=0) -> None:
        super().__init__()
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        self.interpolation = _check_interpolation(interpolation, "RandomRotation")
        self.expand, self.center, self.fill = expand, center, fill

    def make_params(self, flat_inputs):
        return dict(angle=_uniform(self.degrees[0], self.degrees[1]))

    def transform(self, inpt, params):
        fill = self.fill
        if isinstance(inpt, Tensor):
            c = F.get_dimensions(inpt)[0]
            fill = [float(fill)] * c if isinstance(fill, numbers.Number) else \
                [float(f) for f in fill]
        return F.rotate(inpt, params["angle"], self.interpolation, self.expand, self.center, fill)


class Grayscale(Transform):
    def __init__(self, num_output_channels: int = 1) -> None:
        super().__init__()
        self.num_output_channels = num_output_channels

    def transform(self, inpt, params):
        return F.rgb_to_grayscale(inpt, self.num_output_channels)


class RandomGrayscale(_RandomApplyTransform):
    def __init__(self, p: float = 0.1) -> None:
        super().__init__(p=p)

    def make_params(self, flat_inputs):
        return dict(num_input_channels=F.get_dimensions(flat_inputs[0])[0])

    def transform(self, inpt, params):
        return F.rgb_to_grayscale(inpt, params["num_input_channels"])


class RandomErasing(_RandomApplyTransform):
    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0,
                 inplace: bool = False) -> None:
        super().__init__(p=p)
        _v1.RandomErasing(p, scale, ratio, value, inplace)  # validation
        if (scale[0] > scale[1]) or (ratio[0] > ratio[1]):
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        self.scale, self.ratio, self.inplace = scale, ratio, inplace
        if isinstance(value, (int, float)):
            self.value = [float(value)]
        elif isinstance(value, str):
            self.value = None
        else:
            self.value = [float(v) for v in value] if isinstance(value, Sequence) else value

    def make_params(self, flat_inputs):
        img = flat_inputs[0]
        c = F.get_dimensions(img)[0]
        if self.value is not None and len(self.value) not in (1, c):
            raise ValueError(f"If value is a sequence, it should have either a single value or "
                             f"{c} (number of inpt channels)")
        i, j, h, w, v = _v1.RandomErasing.get_params(img, self.scale, self.ratio, self.value)
        if v is img:
            v = None
        return dict(i=i, j=j, h=h, w=w, v=v)

    def transform(self, inpt, params):
        if params["v"] is None:
            return inpt
        if is_pil_image(inpt):
            raise TypeError("RandomErasing works on tensor images; convert the PIL image first")
        return F.erase(inpt, params["i"], params["j"], params["h"], params["w"], params["v"],
                       self.inplace)
