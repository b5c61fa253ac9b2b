"""Muon: momentum whose update of each 2-D parameter is orthogonalized by a Newton-Schulz
iteration (run in bfloat16, as PyTorch does)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._backend import namespace_of, numpy_ns
from .._tensor import Tensor
from ._runner import _grad_array, _SparseGrad, _zeros_like
from .optimizer import Optimizer, _lr

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def _bf16(x):
    """The bfloat16 values nearest to ``x`` (ties to even), held in a float32 NumPy array.

    NumPy has no bfloat16: PyTorch's bfloat16 tensors hold exactly these values, and its
    bfloat16 operations compute in float32 and round once, as the callers here do."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    u = x.view(np.uint32)
    bias = ((u >> np.uint32(16)) & np.uint32(1)) + np.uint32(0x7FFF)
    out = ((u + bias) & np.uint32(0xFFFF0000)).view(np.float32)
    return np.where(np.isnan(x), x, out)


def _zeropower_via_newtonschulz(grad, ns_coefficients: tuple[float, float, float],
                                ns_steps: int, eps: float):
    """The Newton-Schulz orthogonalization of the 2-D array ``grad`` in bfloat16: roughly
    ``U S' V^T`` with ``S'`` near 1, for ``grad = U S V^T`` (PyTorch's quintic iteration)."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if len(grad.shape) != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = (np.float32(v) for v in ns_coefficients)
    x = _bf16(np.asarray(grad, dtype=np.float32))  # float64 -> float32 -> bfloat16, as torch
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    norm = _bf16(np.sqrt(np.sum(x * x, dtype=np.float32)))
    x = _bf16(x / np.maximum(norm, _bf16(eps)))
    for _ in range(ns_steps):
        gram = _bf16(x @ x.T)
        update = _bf16(b * gram + c * (gram @ gram))
        x = _bf16(a * x + update @ x)
    return x.T if tall else x


def _adjust_lr(lr: float, adjust_lr_fn: str | None, param_shape) -> float:
    """The learning rate scaled for a ``param_shape`` matrix (PyTorch's rules)."""
    rows, cols = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, rows / cols))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(rows, cols))
    else:
        ratio = 1.0
    return lr * ratio


class Muon(Optimizer):
    r"""Muon, as ``torch.optim.Muon`` (for the 2-D parameters of hidden layers).

    .. math::
        B_t = \mu B_{t-1} + g_t,\quad
        \tilde B_t = \begin{cases} g_t + \mu B_t & \text{nesterov} \\ B_t \end{cases},\quad
        O_t = \mathrm{NS}^{(a,b,c)}_k(\tilde B_t),\quad
        \theta_t = \theta_{t-1}(1 - \gamma\lambda) - \tilde\gamma O_t

    (``B`` is kept as the running mean ``lerp(B, g, 1 - mu)``, as in PyTorch.) The
    Newton-Schulz iteration runs in bfloat16 as PyTorch's does, so the update has bfloat16
    precision; :math:`\tilde\gamma` is ``lr`` scaled by ``adjust_lr_fn``:
    ``"original"`` (default) :math:`\sqrt{\max(1, A/B)}`, ``"match_rms_adamw"``
    :math:`0.2\sqrt{\max(A, B)}` for an ``A x B`` parameter.

    Args:
        params: 2-D parameters or parameter groups (optimize biases, embeddings and other
            parameters with e.g. AdamW).
        lr: learning rate. Default: 1e-3.
        weight_decay: decoupled weight decay. Default: 0.1.
        momentum: momentum factor. Default: 0.95.
        nesterov: Nesterov momentum. Default: True.
        ns_coefficients: the iteration's coefficients ``(a, b, c)``.
            Default: (3.4445, -4.7750, 2.0315).
        eps: floor of the norm the iteration starts by dividing by. Default: 1e-7.
        ns_steps: Newton-Schulz steps (< 100). Default: 5.
        adjust_lr_fn: None, ``"original"`` or ``"match_rms_adamw"``. Default: None.

    Raises:
        ValueError: for a negative ``lr``, ``momentum`` or ``weight_decay``, an unknown
            ``adjust_lr_fn``, or a parameter that is not 2-D.

    Examples:
        >>> hidden = [p for p in model.parameters() if p.ndim == 2]
        >>> opt = gradkit.optim.Muon(hidden, lr=0.02)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3,
                 weight_decay: float = 0.1, momentum: float = 0.95, nesterov: bool = True,
                 ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B,
                                                                DEFAULT_C),
                 eps: float = EPS, ns_steps: int = DEFAULT_NS_STEPS,
                 adjust_lr_fn: str | None = None) -> None:
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum,
                    "nesterov": nesterov, "ns_coefficients": ns_coefficients, "eps": eps,
                    "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        if isinstance(lr, Tensor):
            if lr._data.size != 1:
                raise ValueError("Tensor lr must be 1-element")
            lr = float(lr._data)
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= group["momentum"]:
            raise ValueError(f"momentum should be >= 0 but is: {group['momentum']}")
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"weight decay should be >= 0 but is: {group['weight_decay']}")
        fn = group["adjust_lr_fn"]
        if fn is not None and fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {fn} is not supported")
        for p in group["params"]:
            if p.ndim != 2:
                raise ValueError(f"Muon only supports 2D parameters whereas we found a "
                                 f"parameter with size: {p.size()}")

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one optimization step.

        Args:
            closure: re-evaluates the model and returns the loss (optional).

        Returns:
            The closure's loss, or None.
        """
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _lr(group)
            momentum = group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                try:
                    g = _grad_array(p)
                except _SparseGrad:
                    raise RuntimeError("Muon does not support sparse gradients") from None
                if g.ndim != 2:
                    raise ValueError("Param gradient must be a 2D matrix")
                st = self.state[p]
                if "momentum_buffer" not in st:
                    st["momentum_buffer"] = _zeros_like(p)
                buf = st["momentum_buffer"]._data
                _lerp(buf, g, 1 - momentum)
                update = g.copy()
                if group["nesterov"]:
                    _lerp(update, buf, momentum)
                else:
                    update = buf
                arr = p._data
                xp = namespace_of(arr)
                host = update.get() if xp is not numpy_ns else update
                ortho = _zeropower_via_newtonschulz(host, group["ns_coefficients"],
                                                    group["ns_steps"], group["eps"])
                adjusted = _adjust_lr(lr, group["adjust_lr_fn"], arr.shape)
                arr *= 1 - lr * group["weight_decay"]
                step = xp.asarray(ortho, dtype=arr.dtype)
                step *= -adjusted
                arr += step
                p._vc[0] += 1
        return loss


def _lerp(m, end, weight):
    """``m`` moves to ``end`` by ``weight`` in place, with PyTorch's ``lerp_`` rounding."""
    d = end - m
    if weight < 0.5:
        d *= weight
        m += d
    else:
        d *= 1 - weight
        m[...] = end - d
