"""Adam's update of a whole parameter group in one pass per formula step (Pyodide).

In Pyodide (WebAssembly) a NumPy call costs 2-3x what it costs natively, and Adam's kernel
(``adam._adam_kernel``) makes eleven ufunc calls per parameter (66 for an MLP's six
parameters). Here the moments of the parameters that one ``step`` updates with the same
hyperparameters live in one flat array each (their ``exp_avg`` / ``exp_avg_sq`` state tensors
are views of it), the gradients are gathered with one ``np.concatenate``, the kernel runs once
over the flat arrays, and each parameter then takes its slice of the update with one add: 19
calls for the MLP. Measured in Pyodide 0.27.7 under Node, the MLP 20-64-64-4's update (5.8k
parameters) takes 77 instead of 101 us; the rest is the passes over the elements themselves
(no SIMD in Pyodide's NumPy). For float32 the kernel's passes then run as one WebAssembly SIMD
call where the engine has SIMD (``gradkit/_wasm_simd.py``: the same float32 operations in the
same order, so the same values; the MLP's optimizer phase 144 -> 111 us).

The kernel itself is unchanged: it is given a flat "parameter" of ``-0.0`` (the additive
identity: ``-0.0 + u`` is ``u`` for every ``u``, signed zeros included), so afterwards that
buffer holds the update ``u`` and ``p += u`` is the kernel's own last step. Every value is the
per-parameter kernel's, bit for bit (the same ufuncs on the same elements).

Only Adam/AdamW on NumPy float parameters under ``_runner._PARALLEL_MIN`` elements (larger
ones are walked in cache-sized chunks, or threads and BLAS natively; their calls cost little),
without ``amsgrad`` and without coupled weight decay (which reads the parameters in the
kernel); other tasks run per parameter as before. The moment buffers are (re)made whenever the
set of updated parameters or their state tensors change (first step, ``load_state_dict``, a
parameter without a gradient this step): the current moments are copied in and the state
tensors are pointed at the views (``Tensor.data`` semantics).

Selected once at import where ``sys.platform == "emscripten"``, or everywhere with
``GRADKIT_FLAT_ADAM=1`` (to test this path on a native build); natively the per-parameter
kernels stay (their calls are cheap there, and large parameters are split across threads).
"""

from __future__ import annotations

import os
import sys
import weakref

import numpy as np

from .. import _wasm_simd
from .._backend import numpy_ns
from ._runner import _PARALLEL_MIN

__all__ = ["ENABLED", "run_adam"]

ENABLED = sys.platform == "emscripten" or os.environ.get("GRADKIT_FLAT_ADAM") == "1"

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_F32 = np.dtype(np.float32)
# In Pyodide: the kernel's passes in one WebAssembly SIMD function (gradkit/_wasm_simd.py), the
# same float32 operations in the same order, so the same values bit for bit; None elsewhere.
_SIMD_ADAM = _wasm_simd.load_adam() if ENABLED else None
_address = _wasm_simd.address
_ARENAS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # optimizer -> {key: _Arena}


class _Arena:
    """Flat buffers for one run of tasks: moments (with their per-parameter views), gradient,
    update and the kernel's scratch."""

    __slots__ = ("params", "m", "v", "m_flat", "v_flat", "g", "upd", "upd_views", "scratch",
                 "addresses")

    def __init__(self, tasks, dtype):
        sizes = [t[1].size for t in tasks]
        total = sum(sizes)
        self.params = [t[1] for t in tasks]
        self.m_flat = np.empty(total, dtype)
        self.v_flat = np.empty(total, dtype)
        self.g = np.empty(total, dtype)
        self.upd = np.empty(total, dtype)
        self.scratch = [np.empty(total, dtype) for _ in range(3)]  # tg, t1, t2
        # the SIMD kernel's operands, looked up once (an address costs 3-6 us in Pyodide)
        self.addresses = (tuple(_address(x) for x in (self.g, self.m_flat, self.v_flat, self.upd))
                          if _SIMD_ADAM is not None and self.upd.dtype is _F32 else None)
        self.m, self.v, self.upd_views = [], [], []
        lo = 0
        for (_k, p, arrays, _hp), n in zip(tasks, sizes):
            hi = lo + n
            m = self.m_flat[lo:hi].reshape(p.shape)
            v = self.v_flat[lo:hi].reshape(p.shape)
            np.copyto(m, arrays[1])
            np.copyto(v, arrays[2])
            self.m.append(m)
            self.v.append(v)
            self.upd_views.append(self.upd[lo:hi].reshape(p.shape))
            lo = hi

    def matches(self, tasks) -> bool:
        params, m, v = self.params, self.m, self.v
        if len(params) != len(tasks):
            return False
        for i, (_k, p, arrays, _hp) in enumerate(tasks):
            if p is not params[i] or arrays[1] is not m[i] or arrays[2] is not v[i]:
                return False
        return True


def _eligible(p, arrays, hp) -> bool:
    return (type(p) is np.ndarray and p.dtype in _FLOATS and p.size < _PARALLEL_MIN
            and not hp.amsgrad
            and (hp.decoupled or not hp.has_weight_decay)
            and arrays[1].dtype is p.dtype and arrays[2].dtype is p.dtype)


def run_adam(opt, tasks: list, kernel) -> list:
    """Run the runs of consecutive ``kernel`` tasks that share one hyperparameter record as
    flat updates; return the tasks left for the per-parameter runner."""
    rest = []
    i, n = 0, len(tasks)
    while i < n:
        k, p, arrays, hp = tasks[i]
        j = i + 1
        if k is kernel and _eligible(p, arrays, hp):
            while j < n:
                kj, pj, aj, hj = tasks[j]
                if kj is not kernel or hj is not hp or pj.dtype is not p.dtype \
                        or not _eligible(pj, aj, hj):
                    break
                j += 1
        if j - i < 2 or not _run_flat(opt, tasks[i:j], kernel):
            rest.extend(tasks[i:j])
        i = j
    return rest


def _adopt(opt, tasks, dtype):
    """A new arena for ``tasks`` with the state tensors pointed at its views, or None when a
    moment array is not a state tensor's own array (then the tasks run per parameter)."""
    owners = {}
    for st in opt.state.values():
        for name in ("exp_avg", "exp_avg_sq"):
            t = st.get(name)
            if t is not None:
                owners[id(t._data)] = t
    tensors = []
    for _k, _p, arrays, _hp in tasks:
        tm, tv = owners.get(id(arrays[1])), owners.get(id(arrays[2]))
        if tm is None or tv is None or tm._data is not arrays[1] or tv._data is not arrays[2]:
            return None
        tensors.append((tm, tv))
    arena = _Arena(tasks, dtype)
    for (tm, tv), m, v in zip(tensors, arena.m, arena.v):
        tm._data = m
        tv._data = v
    return arena


def _run_flat(opt, tasks, kernel) -> bool:
    arenas = _ARENAS.get(opt)
    if arenas is None:
        arenas = _ARENAS[opt] = {}
    p0 = tasks[0][1]
    key = (id(p0), len(tasks))
    arena = arenas.get(key)
    if arena is None or not arena.matches(tasks):
        arena = _adopt(opt, tasks, p0.dtype)
        if arena is None:
            return False
        ids = {id(t[1]) for t in tasks}  # arenas of these parameters before are stale: drop them
        for old_key in [k for k, a in arenas.items() if any(id(q) in ids for q in a.params)]:
            del arenas[old_key]
        arenas[key] = arena
    hp = tasks[0][3]
    np.concatenate([t[2][0].reshape(-1) for t in tasks], out=arena.g)
    if hp.has_weight_decay:  # decoupled (AdamW): the kernel's first step, per parameter
        for t in tasks:
            np.multiply(t[1], hp.decay, t[1])
    upd = arena.upd
    if _SIMD_ADAM is not None and upd.dtype is _F32:  # the same values, one call
        f = _SIMD_ADAM[(bool(hp.maximize), bool(hp.lerp_high))]
        f(*arena.addresses, upd.size, float(hp.lerp_keep if hp.lerp_high else hp.lerp_weight),
          float(hp.beta2), float(hp.one_minus_beta2), float(hp.eps_scaled),
          float(hp.neg_scaled_step))
    else:
        upd.fill(-0.0)
        # decay already applied: the kernel sees no weight decay (a copy of the record's flags)
        run_hp = hp if not hp.has_weight_decay else _without_decay(hp)
        tg, t1, t2 = arena.scratch
        kernel(numpy_ns, upd, arena.g, arena.m_flat, arena.v_flat, arena.v_flat, tg, t1, t2,
               run_hp)
    for t, u in zip(tasks, arena.upd_views):
        np.add(t[1], u, t[1])
    return True


def _without_decay(hp):
    new = object.__new__(type(hp))
    for name in type(hp).__slots__:
        setattr(new, name, getattr(hp, name))
    new.has_weight_decay = False
    return new
