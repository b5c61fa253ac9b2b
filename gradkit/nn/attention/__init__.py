"""``gradkit.nn.attention``: PyTorch's ``torch.nn.attention`` -- ``SDPBackend`` and
``sdpa_kernel``, which choose the kernels ``F.scaled_dot_product_attention`` may use.

gradkit has one attention kernel, whose numbers are those of PyTorch's math kernel (and, within
rounding, of its fused ones). The choice is honoured as PyTorch's CPU honours it: attention runs
while the math or the flash kernel is allowed, and raises PyTorch's error when neither is (the
efficient, cuDNN and overrideable kernels exist only on GPUs). The same switches are behind
``torch.backends.cuda.enable_math_sdp`` and friends.
"""

from __future__ import annotations

import contextlib
import enum

from ...backends.cuda import _SDP

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __str__(self):
        return f"SDPBackend.{self.name}"


_SWITCH = {SDPBackend.MATH: "math", SDPBackend.FLASH_ATTENTION: "flash",
           SDPBackend.EFFICIENT_ATTENTION: "mem_efficient", SDPBackend.CUDNN_ATTENTION: "cudnn",
           SDPBackend.OVERRIDEABLE: "overrideable"}


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority: bool = False):
    """Within the block, only ``backends`` (one SDPBackend or a list) may run attention."""
    chosen = backends if isinstance(backends, (list, tuple)) else [backends]
    for b in chosen:
        if not isinstance(b, SDPBackend):
            raise AssertionError("Backend must be an instance of SDPBackend or a list of "
                                 f"SDPBackend instances, got {type(b).__name__}")
    before = dict(_SDP)
    for backend, switch in _SWITCH.items():
        _SDP[switch] = backend in chosen
    try:
        yield
    finally:
        _SDP.clear()
        _SDP.update(before)


def check_backend_allowed(on_gpu: bool = False) -> None:
    """Raise PyTorch's error when no kernel that can run here is allowed."""
    usable = ("math", "flash", "mem_efficient", "cudnn") if on_gpu else ("math", "flash")
    if not any(_SDP.get(k, True) for k in usable):
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This "
                           "is likely due to turning off both the math kernel and the fused "
                           "kernels.")
