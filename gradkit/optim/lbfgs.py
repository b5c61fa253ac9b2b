"""L-BFGS with an optional strong-Wolfe line search (full-batch, closure-driven)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._backend import namespace_of
from .._tensor import Tensor, wrap
from ..autograd.grad_mode import enable_grad, no_grad
from ._runner import _as_real
from .optimizer import Optimizer, _lr

__all__ = ["LBFGS"]


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(disc)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _strong_wolfe(evaluate, t, d, f0, g0, gtd0, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """Find a step ``t`` along ``d`` meeting the strong Wolfe conditions.

    ``evaluate(t)`` returns ``(loss, flat_grad)`` at ``x + t d``. Returns
    ``(loss, flat_grad, t, evaluations)`` of the accepted step (bracketing, then zoom with
    cubic interpolation, after Nocedal & Wright, algorithms 3.5 and 3.6). ``max_ls`` bounds the
    evaluations after the first (LBFGS passes the evaluations left in its ``max_eval``, as
    PyTorch does); at 0 or below the search takes the better of ``0`` and ``t``.
    """
    d_norm = float(np.abs(d).max())
    f, g = evaluate(t)
    evals = 1
    gtd = float(g @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f0, g0, gtd0
    found = False
    it = 0
    bracket = None
    while it < max_ls:
        if f > f0 + c1 * t * gtd0 or (it > 1 and f >= f_prev):
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f, g, gtd]]
            break
        if abs(gtd) <= -c2 * gtd0:
            bracket = [[t, f, g, gtd]]
            found = True
            break
        if gtd >= 0:
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f, g, gtd]]
            break
        lo, hi = t + 0.01 * (t - t_prev), t * 10
        t_next = _cubic_min(t_prev, f_prev, gtd_prev, t, f, gtd, bounds=(lo, hi))
        t_prev, f_prev, g_prev, gtd_prev = t, f, g, gtd
        t = t_next
        f, g = evaluate(t)
        evals += 1
        gtd = float(g @ d)
        it += 1
    if it >= max_ls:   # PyTorch: ``==`` (a negative ``max_ls`` leaves it without a bracket)
        bracket = [[0.0, f0, g0, gtd0], [t, f, g, gtd]]

    if not found and len(bracket) == 2:
        stuck = False
        low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        while it < max_ls:
            a, b = bracket[0], bracket[1]
            if abs(b[0] - a[0]) * d_norm < tolerance_change:
                break
            t = _cubic_min(a[0], a[1], a[3], b[0], b[1], b[3])
            top, bottom = max(a[0], b[0]), min(a[0], b[0])
            margin = 0.1 * (top - bottom)
            if min(top - t, t - bottom) < margin:
                if stuck or t >= top or t <= bottom:
                    t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                    stuck = False
                else:
                    stuck = True
            else:
                stuck = False
            f, g = evaluate(t)
            evals += 1
            gtd = float(g @ d)
            it += 1
            if f > f0 + c1 * t * gtd0 or f >= bracket[low][1]:
                bracket[high] = [t, f, g, gtd]
                low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
            else:
                if abs(gtd) <= -c2 * gtd0:
                    found = True
                elif gtd * (bracket[high][0] - bracket[low][0]) >= 0:
                    bracket[high] = bracket[low]
                bracket[low] = [t, f, g, gtd]
            if found:
                break
        best = bracket[low]
    else:
        best = bracket[0]
    return best[1], best[2], best[0], evals


class LBFGS(Optimizer):
    """L-BFGS, as ``torch.optim.LBFGS``: needs a closure that recomputes the loss.

    Args:
        params: the parameters (one group only).
        lr: step-size factor. Default: 1.
        max_iter: iterations per ``step``. Default: 20.
        max_eval: function evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient entry is below this. Default: 1e-7.
        tolerance_change: stop when the step or the loss change is below this. Default: 1e-9.
        history_size: number of curvature pairs kept. Default: 100.
        line_search_fn: ``None`` (fixed step ``lr``) or ``"strong_wolfe"``.

    Examples:
        >>> opt = gradkit.optim.LBFGS([x], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = f(x)
        ...     loss.backward()
        ...     return loss
        >>> opt.step(closure)

    The parameters are handled as one flat vector (memory: ``history_size`` pairs of them).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(
                f"only 'strong_wolfe' is supported as line_search_fn, got {line_search_fn!r}")
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _validate_group(self, group):
        if not 0.0 <= _lr(group):
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        if group["max_iter"] < 1:
            raise ValueError(f"Invalid max_iter value: {group['max_iter']}")
        if group["history_size"] < 1:
            raise ValueError(f"Invalid history_size value: {group['history_size']}")

    # The state is kept as PyTorch keeps it (Tensors: ``d``, ``prev_flat_grad``, the lists
    # ``old_dirs``/``old_stps``, 0-d ones for ``H_diag``, ``ro`` and ``al``; numbers for the
    # counters, ``t`` and ``prev_loss``); ``step`` works on the arrays and numbers within
    # (``_plain``) and stores Tensors back (``_held``). ``load_state_dict`` is the base class's.

    # ----------------------------------------------------------------- flat views
    # (a complex parameter takes part as its real view, real and imaginary parts as two real
    # coordinates, as in PyTorch)
    def _flat_grad(self):
        parts = []
        for p in self._params:
            real = _as_real(p._data)
            if p.grad is None:
                parts.append(namespace_of(real).zeros(real.size, dtype=real.dtype))
            elif p.grad.is_sparse:  # as PyTorch's LBFGS: the dense form of a sparse gradient
                parts.append(p.grad._data.to_dense().reshape(-1))
            else:
                g = p.grad._data
                if g.dtype.kind == "c":  # (host data: complex tensors stay on the CPU)
                    g = _as_real(np.ascontiguousarray(g))
                parts.append(g.reshape(-1))
        return np.concatenate(parts) if len(parts) > 1 else parts[0].copy()

    def _add(self, step, direction):
        offset = 0
        for p in self._params:
            real = _as_real(p._data)
            n = real.size
            real += step * direction[offset:offset + n].reshape(real.shape)
            p._vc[0] += 1
            offset += n

    def _snapshot(self):
        return [p._data.copy() for p in self._params]

    def _restore(self, saved):
        for p, arr in zip(self._params, saved):
            p._data[...] = arr
            p._vc[0] += 1

    @no_grad()  # (as PyTorch's: the closure alone records, see _eval_closure)
    def step(self, closure: Callable[[], Any] | None = None):  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations.

        Args:
            closure: clears the gradients, computes the loss, calls ``backward`` and returns
                the loss (required).

        Returns:
            The loss of the first closure evaluation.
        """
        if closure is None:
            raise RuntimeError("LBFGS.step needs a closure that re-evaluates the loss")
        group = self.param_groups[0]
        lr = _lr(group)
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        line_search = group["line_search_fn"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._eval_closure(closure)
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if float(np.abs(g).max()) <= tol_grad:
            return orig_loss

        d = _plain(state.get("d"))
        t = _plain(state.get("t"))
        old_dirs = _plain(state.get("old_dirs"))
        old_stps = _plain(state.get("old_stps"))
        ro = _plain(state.get("ro"))
        h_diag = _plain(state.get("H_diag"))
        prev_g = _plain(state.get("prev_flat_grad"))
        prev_loss = _plain(state.get("prev_loss"))
        alpha = _plain(state.get("al"))

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                state.setdefault("al", None)  # PyTorch's two-loop buffer (its place in state)
                alpha = alpha if alpha is not None else [None] * history
                d = -g
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = g - prev_g
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(old_dirs) == history:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                # two-loop recursion: d = -H g
                k = len(old_dirs)
                if alpha is None:
                    state.setdefault("al", None)
                    alpha = [None] * history
                q = -g
                for i in range(k - 1, -1, -1):
                    alpha[i] = float(old_stps[i] @ q) * ro[i]
                    q -= alpha[i] * old_dirs[i]
                d = q * h_diag
                for i in range(k):
                    beta = float(old_dirs[i] @ d) * ro[i]
                    d += (alpha[i] - beta) * old_stps[i]
            prev_g = g.copy()
            prev_loss = loss

            t = min(1.0, 1.0 / float(np.abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(g @ d)
            if gtd > -tol_change:
                break

            ls_evals = 0
            if line_search is not None:
                start = self._snapshot()

                def evaluate(step, start=start, d=d):
                    self._add(step, d)
                    value = float(self._eval_closure(closure))
                    grad = self._flat_grad()
                    self._restore(start)
                    return value, grad

                loss, g, t, ls_evals = _strong_wolfe(evaluate, t, d, loss, g, gtd,
                                                     max_ls=max_eval - evals)
                self._add(t, d)
                converged = float(np.abs(g).max()) <= tol_grad
            else:
                self._add(t, d)
                converged = False
                if n_iter != max_iter:
                    with enable_grad():
                        loss = closure()
                    loss = float(loss)  # (out of grad mode, as PyTorch 2.13: no warning)
                    g = self._flat_grad()
                    converged = float(np.abs(g).max()) <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals

            if n_iter == max_iter or evals >= max_eval or converged:
                break
            if float(np.abs(d * t).max()) <= tol_change:
                break
            if abs(loss - prev_loss) < tol_change:
                break

        dt = g.dtype
        if alpha is not None:
            state["al"] = _held(alpha, dt)
        state.update(d=_held(d, dt), t=t, old_dirs=_held(old_dirs, dt),
                     old_stps=_held(old_stps, dt), ro=_held(ro, dt), H_diag=_held(h_diag, dt),
                     prev_flat_grad=_held(prev_g, dt), prev_loss=prev_loss)
        return orig_loss


def _plain(value):
    """A state entry as ``step`` works on it: arrays for Tensors, floats for 0-d ones, lists
    walked (a state from PyTorch or ``load_state_dict`` holds Tensors)."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Tensor):
        value = value._data
    if getattr(value, "ndim", None) == 0:
        return float(value)
    return value


def _held(value, dtype):
    """A state entry as PyTorch holds it: arrays as Tensors, floats (``ro``, ``al``, ``H_diag``)
    as 0-d Tensors of the parameters' dtype; lists walked; ints and None kept."""
    if isinstance(value, list):
        return [_held(v, dtype) for v in value]
    if isinstance(value, float):
        return wrap(np.array(value, dtype=dtype))
    if value is None or isinstance(value, (int, Tensor)):
        return value
    return wrap(value)
