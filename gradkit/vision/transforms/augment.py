"""torchvision's (v1) augmentation classes beyond crops and flips: ``RandomAffine``,
``GaussianBlur``, the random photometric operations (``RandomInvert``, ``RandomPosterize``,
``RandomSolarize``, ``RandomAdjustSharpness``, ``RandomAutocontrast``, ``RandomEqualize``),
``FiveCrop``/``TenCrop`` and ``LinearTransformation``.

Random parameters are drawn from gradkit's default generator in torchvision's order, so after
``gk.manual_seed(s)`` they are the ones torchvision draws after ``torch.manual_seed(s)``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import gradkit as gk

from . import functional as F
from .functional import InterpolationMode, _check_interpolation
from .transforms import _setup_angle, _setup_size, _Transform, _uniform

__all__ = ["RandomAffine", "GaussianBlur", "RandomInvert", "RandomPosterize", "RandomSolarize",
           "RandomAdjustSharpness", "RandomAutocontrast", "RandomEqualize", "FiveCrop",
           "TenCrop", "LinearTransformation"]


def _check_sequence(x, name: str, sizes) -> None:
    want = " or ".join(str(s) for s in sizes)
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {want}.")
    if len(x) not in sizes:
        raise ValueError(f"{name} should be a sequence of length {want}.")


def _tensor_fill(fill, img):
    """A number or sequence fill as the per-channel float list tensor kernels take."""
    if not isinstance(img, gk.Tensor):
        return fill
    channels = F.get_dimensions(img)[0]
    return [float(fill)] * channels if isinstance(fill, (int, float)) else [float(f) for f in fill]


class RandomAffine(_Transform):
    """A random affine warp: rotation in ``degrees``, translation up to ``translate`` (fractions
    of width/height), scale in ``scale``, shear in ``shear``; the image centre stays fixed."""

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation=InterpolationMode.NEAREST, fill=0, center=None) -> None:
        super().__init__()
        self.interpolation = _check_interpolation(interpolation, "RandomAffine")
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if translate is not None:
            _check_sequence(translate, "translate", (2,))
            for t in translate:
                if not 0.0 <= t <= 1.0:
                    raise ValueError("translation values should be between 0 and 1")
        if scale is not None:
            _check_sequence(scale, "scale", (2,))
            for s in scale:
                if s <= 0:
                    raise ValueError("scale values should be positive")
        self.translate, self.scale = translate, scale
        self.shear = None if shear is None else _setup_angle(shear, name="shear",
                                                              req_sizes=(2, 4))
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        if center is not None:
            _check_sequence(center, "center", (2,))
        self.fill, self.center = fill, center

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        """``(angle, (tx, ty), scale, (shear_x, shear_y))`` drawn as torchvision draws them."""
        angle = float(_uniform(float(degrees[0]), float(degrees[1])))
        if translate is not None:
            max_dx = float(translate[0] * img_size[0])
            max_dy = float(translate[1] * img_size[1])
            translations = (int(round(_uniform(-max_dx, max_dx))),
                            int(round(_uniform(-max_dy, max_dy))))
        else:
            translations = (0, 0)
        scale = 1.0 if scale_ranges is None else float(_uniform(scale_ranges[0],
                                                                scale_ranges[1]))
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = float(_uniform(shears[0], shears[1]))
            if len(shears) == 4:
                shear_y = float(_uniform(shears[2], shears[3]))
        return angle, translations, scale, (shear_x, shear_y)

    def forward(self, img):
        _, height, width = F.get_dimensions(img)
        params = self.get_params(self.degrees, self.translate, self.scale, self.shear,
                                 [width, height])
        return F.affine(img, *params, interpolation=self.interpolation,
                        fill=_tensor_fill(self.fill, img), center=self.center)

    def __repr__(self) -> str:
        s = f"{type(self).__name__}(degrees={self.degrees}"
        s += f", translate={self.translate}" if self.translate is not None else ""
        s += f", scale={self.scale}" if self.scale is not None else ""
        s += f", shear={self.shear}" if self.shear is not None else ""
        if self.interpolation != InterpolationMode.NEAREST:
            s += f", interpolation={self.interpolation.value}"
        s += f", fill={self.fill}" if self.fill != 0 else ""
        s += f", center={self.center}" if self.center is not None else ""
        return s + ")"


class GaussianBlur(_Transform):
    """Blur with a Gaussian of ``kernel_size`` and a sigma drawn uniformly from ``sigma``."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)) -> None:
        super().__init__()
        self.kernel_size = _setup_size(kernel_size, "Kernel size should be a tuple/list of two "
                                                    "integers")
        for k in self.kernel_size:
            if k <= 0 or k % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (sigma, sigma)
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min: float, sigma_max: float) -> float:
        return _uniform(sigma_min, sigma_max)

    def forward(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"


class _RandomOp(_Transform):
    """Apply one operation of ``functional`` with probability ``p`` (one ``rand(1)`` draw)."""

    _op = ""
    _args: tuple = ()

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def forward(self, img):
        if gk.rand(1).item() < self.p:
            return getattr(F, self._op)(img, *[getattr(self, a) for a in self._args])
        return img

    def __repr__(self) -> str:
        args = "".join(f"{a}={getattr(self, a)}," for a in self._args)
        return f"{type(self).__name__}({args}p={self.p})"


class RandomInvert(_RandomOp):
    _op = "invert"


class RandomAutocontrast(_RandomOp):
    _op = "autocontrast"


class RandomEqualize(_RandomOp):
    _op = "equalize"


class RandomPosterize(_RandomOp):
    _op, _args = "posterize", ("bits",)

    def __init__(self, bits: int, p: float = 0.5) -> None:
        super().__init__(p)
        self.bits = bits


class RandomSolarize(_RandomOp):
    _op, _args = "solarize", ("threshold",)

    def __init__(self, threshold: float, p: float = 0.5) -> None:
        super().__init__(p)
        self.threshold = threshold


class RandomAdjustSharpness(_RandomOp):
    _op, _args = "adjust_sharpness", ("sharpness_factor",)

    def __init__(self, sharpness_factor: float, p: float = 0.5) -> None:
        super().__init__(p)
        self.sharpness_factor = sharpness_factor


class FiveCrop(_Transform):
    """The four corner crops and the central crop of ``size`` (a tuple of five images)."""

    def __init__(self, size) -> None:
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")

    def forward(self, img):
        return F.five_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class TenCrop(_Transform):
    """``FiveCrop`` of the image and of its flip (horizontal, or vertical)."""

    def __init__(self, size, vertical_flip: bool = False) -> None:
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")
        self.vertical_flip = vertical_flip

    def forward(self, img):
        return F.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, vertical_flip={self.vertical_flip})"


class LinearTransformation(_Transform):
    """``(x.flatten() - mean_vector) @ transformation_matrix`` (e.g. ZCA whitening)."""

    def __init__(self, transformation_matrix, mean_vector) -> None:
        super().__init__()
        m, v = transformation_matrix, mean_vector
        if m.shape[0] != m.shape[1]:
            raise ValueError(f"transformation_matrix should be square. Got {tuple(m.shape)} "
                             f"rectangular matrix.")
        if v.shape[0] != m.shape[0]:
            raise ValueError(f"mean_vector should have the same length {v.shape[0]} as any one "
                             f"of the dimensions of the transformation_matrix "
                             f"[{tuple(m.shape)}]")
        if m.dtype != v.dtype:
            raise ValueError(f"Input tensors should have the same dtype. Got {m.dtype} and "
                             f"{v.dtype}")
        self.transformation_matrix, self.mean_vector = m, v

    def forward(self, tensor):
        shape = tensor.shape
        n = shape[-3] * shape[-2] * shape[-1]
        if n != self.transformation_matrix.shape[0]:
            raise ValueError(f"Input tensor and transformation matrix have incompatible shape."
                             f"[{shape[-3]} x {shape[-2]} x {shape[-1]}] != "
                             f"{self.transformation_matrix.shape[0]}")
        flat = tensor.reshape(-1, n) - self.mean_vector
        return gk.mm(flat, self.transformation_matrix.to(flat.dtype)).reshape(shape)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(transformation_matrix="
                f"{self.transformation_matrix.tolist()}, mean_vector={self.mean_vector.tolist()})")
