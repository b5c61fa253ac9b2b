"""``gradcheck`` and ``gradgradcheck``: compare analytical gradients with central differences.

A complex input or output counts as two real coordinates per element (real and imaginary
parts), as in PyTorch: the Jacobian checked is that of the real map, whose analytical rows come
from backward with cotangents 1 and 1j (PyTorch's convention for complex gradients).
"""

from __future__ import annotations

import numpy as np

from .._backend import to_host
from .backward import grad as _grad
from .grad_mode import enable_grad

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical Jacobians differ."""


def _on(arr, t):
    """Host array ``arr`` moved to the device of Tensor ``t`` (a no-op on the CPU)."""
    if type(t._data) is np.ndarray:
        return arr
    from ..device import _to_namespace_of

    return _to_namespace_of(arr, t._data)


def _as_tuple(x):
    from .._tensor import Tensor

    return (x,) if isinstance(x, Tensor) else tuple(x)


def _outputs(func, inputs):
    out = func(*inputs)
    return tuple(o for o in _as_tuple(out))


def _numel(t):
    """Real coordinates of a Tensor (two per complex element); 0 for non-Tensor arguments (they
    get empty Jacobian blocks)."""
    if not hasattr(t, "numel"):
        return 0
    return t.numel() * (2 if t._data.dtype.kind == "c" else 1)


def _parts(t):
    """The perturbations (or cotangents) of one element: 1, and 1j for a complex tensor."""
    return (1.0, 1j) if t._data.dtype.kind == "c" else (1.0,)


def _flat_real(a):
    """A host array as float64 real coordinates (real, imaginary interleaved for complex)."""
    a = np.asarray(to_host(a)).view(np.ndarray)
    if a.dtype.kind == "c":
        return np.stack([a.real, a.imag], axis=-1).astype(np.float64).reshape(-1)
    return a.astype(np.float64).reshape(-1)


def _numerical_jacobian(func, inputs, eps):
    """J[out][in] as arrays of shape (out.numel, in.numel), by central differences."""
    with enable_grad():
        base = _outputs(func, inputs)
    jac = [[np.zeros((_numel(o), _numel(t))) for t in inputs] for o in base]
    for j, t in enumerate(inputs):
        if not (hasattr(t, "requires_grad") and t.requires_grad):
            continue
        data = t._data  # perturbed in place, element by element (works for any strides)
        parts = _parts(t)
        for k in range(data.size):
            idx = np.unravel_index(k, data.shape)
            orig = data[idx].item()
            for c, part in enumerate(parts):
                data[idx] = orig + eps * part
                plus = [_flat_real(o._data) for o in _outputs(func, inputs)]
                data[idx] = orig - eps * part
                minus = [_flat_real(o._data) for o in _outputs(func, inputs)]
                data[idx] = orig
                for i in range(len(base)):
                    jac[i][j][:, k * len(parts) + c] = (plus[i] - minus[i]) / (2 * eps)
    return jac


def _analytical_jacobian(func, inputs):
    from .._tensor import wrap

    with enable_grad():
        outs = _outputs(func, inputs)
    jac = [[np.zeros((_numel(o), _numel(t))) for t in inputs] for o in outs]
    diff_inputs = [t for t in inputs if hasattr(t, "requires_grad") and t.requires_grad]
    for i, o in enumerate(outs):
        if not o.requires_grad:
            continue
        parts = _parts(o)
        for r in range(o.numel()):
            for c, part in enumerate(parts):  # the row of Re(o_r), then of Im(o_r)
                e = np.zeros(o.numel(), dtype=o._data.dtype)
                e[r] = part
                gs = _grad(o, diff_inputs, wrap(_on(e.reshape(o._data.shape), o)),
                           retain_graph=True, allow_unused=True)
                k = 0
                for j, t in enumerate(inputs):
                    if hasattr(t, "requires_grad") and t.requires_grad:
                        if gs[k] is not None:
                            jac[i][j][r * len(parts) + c, :] = _flat_real(gs[k]._data)
                        k += 1
    return jac


def _forward_jacobian(func, inputs):
    """J[out][in] by forward-mode AD: one dual run per real coordinate of each input that
    requires grad, its tangent a unit vector (1, or 1j for the imaginary part)."""
    from .._tensor import wrap
    from . import forward_ad as fwad

    with enable_grad():
        base = _outputs(func, inputs)
    jac = [[np.zeros((_numel(o), _numel(t))) for t in inputs] for o in base]
    for j, t in enumerate(inputs):
        if not (hasattr(t, "requires_grad") and t.requires_grad):
            continue
        parts = _parts(t)
        for k in range(t.numel()):
            for c, part in enumerate(parts):
                e = np.zeros(t.numel(), dtype=t._data.dtype)
                e[k] = part
                with fwad.dual_level():
                    dual = list(inputs)
                    dual[j] = fwad.make_dual(t, wrap(_on(e.reshape(t._data.shape), t)))
                    outs = _outputs(func, dual)
                    tangents = [fwad.unpack_dual(o).tangent for o in outs]
                for i, tan in enumerate(tangents):
                    if tan is not None:
                        jac[i][j][:, k * len(parts) + c] = _flat_real(tan._data)
    return jac


def _compare(num, ana, n_inputs, atol, rtol, raise_exception, mode=""):
    for i in range(len(num)):
        for j in range(n_inputs):
            a, n = ana[i][j], num[i][j]
            if not np.allclose(a, n, atol=atol, rtol=rtol):
                if raise_exception:
                    idx = np.unravel_index(np.argmax(np.abs(a - n)), a.shape)
                    raise GradcheckError(
                        f"Jacobian{mode} mismatch for output {i} with respect to input {j}: "
                        f"largest difference at (output element {idx[0]}, input element "
                        f"{idx[1]}): numerical {n[idx]:.6g} vs analytical {a[idx]:.6g}.\n"
                        f"numerical:{n}\nanalytical:{a}"
                    )
                return False
    return True


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              fast_mode=False, nondet_tol=0.0, check_undefined_grad=True,
              check_backward_ad=True, check_forward_ad=False, **unused) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against central differences.

    Inputs that require grad should be float64 (float32 is too coarse for finite differences).
    With ``fast_mode=True`` the check compares ``u^T J v`` for random ``u``, ``v`` (one backward
    and two forward passes per input) instead of the full Jacobian. ``check_backward_ad``
    (default True) checks the reverse-mode Jacobian, ``check_forward_ad`` (default False) the
    forward-mode one (dual tensors, so a custom Function's ``jvp``); a Function without a
    ``backward`` is checked with ``check_backward_ad=False``.

    Returns:
        True when every entry matches within ``atol + rtol * |numerical|``.

    Raises:
        GradcheckError: on a mismatch (when ``raise_exception``), naming the output and input.
    """
    inputs = _as_tuple(inputs)
    for t in inputs:
        if hasattr(t, "requires_grad") and t.requires_grad and t._data.dtype not in (
                np.float64, np.complex128):
            import warnings

            warnings.warn(
                f"gradcheck: an input of dtype {t.dtype} requires grad; use float64 (or "
                f"complex128) inputs, "
                f"finite differences in lower precision are unreliable", stacklevel=2)
    if fast_mode and check_backward_ad and not _fast_gradcheck(func, inputs, eps, atol, rtol,
                                                               raise_exception):
        return False
    if not (check_forward_ad or (check_backward_ad and not fast_mode)):
        return True
    num = _numerical_jacobian(func, inputs, eps)
    if check_backward_ad and not fast_mode and not _compare(
            num, _analytical_jacobian(func, inputs), len(inputs), atol, rtol, raise_exception):
        return False
    return not check_forward_ad or _compare(num, _forward_jacobian(func, inputs), len(inputs),
                                            atol, rtol, raise_exception, " (forward AD)")


def _fast_gradcheck(func, inputs, eps, atol, rtol, raise_exception):
    from .._tensor import wrap

    with enable_grad():
        outs = _outputs(func, inputs)
    diff = [t for t in inputs if hasattr(t, "requires_grad") and t.requires_grad]
    vs, us = _unit_directions(diff, outs)
    for j, (t, v) in enumerate(zip(diff, vs)):
        # analytical u^T J v
        with enable_grad():
            outs = _outputs(func, inputs)
        ana = 0.0
        for o, u in zip(outs, us):
            if o.requires_grad:
                # outputs may share a graph (gradgradcheck's first gradients): keep it
                (g,) = _grad(o, [t], wrap(_on(u.astype(o._data.dtype), o)), retain_graph=True,
                             allow_unused=True)
                if g is not None:  # Re <g, v>
                    ana += float(_flat_real(g._data) @ _flat_real(v))
        orig = t._data.copy()
        v_t = _on(v, t)
        # each output read (copied) before the next perturbation: an output that is a view of
        # its input (``expand``, ``x[0]``) would otherwise change with it
        t._data[...] = orig + eps * v_t
        plus = [_flat_real(o._data) for o in _outputs(func, inputs)]
        t._data[...] = orig - eps * v_t
        minus = [_flat_real(o._data) for o in _outputs(func, inputs)]
        t._data[...] = orig
        num = sum(float((p - m) / (2 * eps) @ _flat_real(u)) for p, m, u in zip(plus, minus, us))
        if abs(ana - num) > atol + rtol * abs(num):
            if raise_exception:
                raise GradcheckError(
                    f"Jacobian mismatch for input {j} (fast mode): u^T J v numerical {num:.8g} vs "
                    f"analytical {ana:.8g}"
                )
            return False
    return True


def _unit_directions(diff, outs):
    """Fast mode's directions as PyTorch draws them: uniform numbers from a fresh generator of
    PyTorch's default seed, each vector scaled to unit norm, first one per input that requires
    grad (two, real and imaginary, for a complex one), then one per output that requires grad.
    A unit direction moves each entry by less than ``eps``, so a kink within ``eps`` of the
    point (kornia's ``warp_affine`` checked 1e-6 off the identity) is crossed where PyTorch's
    check crosses it."""
    from ..factories import rand
    from ..random import Generator

    gen = Generator()

    def unit(t, parts):
        n = t.numel()
        if n == 0:
            return np.zeros(t._data.shape)
        drawn = []
        for _ in range(parts):
            r = np.asarray(rand(n, generator=gen)._data, dtype=np.float64)
            drawn.append(r / np.linalg.norm(r))
        return (drawn[0] if parts == 1 else drawn[0] + 1j * drawn[1]).reshape(t._data.shape)

    vs = [unit(t, 2 if t._data.dtype.kind == "c" else 1) for t in diff]
    # an output that does not require grad draws nothing, as in PyTorch; a complex one draws a
    # complex direction (PyTorch checks its real and imaginary parts as two outputs instead)
    return vs, [unit(o, 2 if o._data.dtype.kind == "c" else 1) if o.requires_grad else
                np.zeros(o._data.shape) for o in outs]


def _random_cotangents(outs, noncontiguous):
    """gradgradcheck's cotangents: uniform in [-1, 1) from the global generator (``make_tensor``,
    as PyTorch's), one per output that requires grad, so that a program's later random draws
    are PyTorch's (zeros, drawing nothing, for an output that does not require grad)."""
    from .. import testing  # (imported on use: it builds on the whole library)
    from .._tensor import wrap

    res = []
    for o in outs:
        if not o.requires_grad:
            res.append(wrap(_on(np.zeros(o._data.shape, o._data.dtype), o)))
            continue
        dtype = o.dtype if o.is_floating_point() or o.is_complex() else _float64()
        res.append(testing.make_tensor(tuple(o.shape), dtype=dtype, device=o.device, low=-1,
                                       high=1, requires_grad=True, noncontiguous=noncontiguous))
    return tuple(res)


def _float64():
    from .. import _dtype

    return _dtype.float64


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, fast_mode=False,
                  **unused) -> bool:
    """Check second derivatives: ``gradcheck`` of the function ``inputs -> grad(func)``."""
    from .._tensor import wrap

    inputs = _as_tuple(inputs)
    with enable_grad():
        outs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = _random_cotangents(outs, gen_non_contig_grad_outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [k for k, t in enumerate(inputs) if hasattr(t, "requires_grad") and t.requires_grad]

    def first_grads(*args):
        xs, gos = args[:n_in], args[n_in:]
        with enable_grad():
            os_ = _outputs(func, xs)
            pairs = [(o, g) for o, g in zip(os_, gos) if o.requires_grad]
            gs = _grad([o for o, _ in pairs], [xs[k] for k in diff_idx], [g for _, g in pairs],
                       create_graph=True, allow_unused=True)
        return tuple(g if g is not None
                     else wrap(_on(np.zeros(xs[k]._data.shape, xs[k]._data.dtype), xs[k]))
                     for g, k in zip(gs, diff_idx))

    return gradcheck(first_grads, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode)
