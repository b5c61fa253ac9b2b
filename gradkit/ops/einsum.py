"""einsum as one primitive: its equation parsed once (``...`` expanded, the implicit output
added), a forward through NumPy's einsum (through BLAS where the contraction is large), and a
backward that is itself an einsum per operand."""

from __future__ import annotations

import string

import numpy as _np

from .. import _noblas
from ..autograd.graph import Op

__all__ = ["EINSUM", "parse_einsum"]


def parse_einsum(equation, shapes):
    """Normalise an einsum equation: expand '...', add the implicit output.

    Returns (input subscripts, output subscripts) as strings of letters.
    """
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs, rhs = eq, None
    subs = lhs.split(",")
    if len(subs) != len(shapes):
        raise RuntimeError(
            f"einsum(): the equation {equation!r} names {len(subs)} operands but "
            f"{len(shapes)} were given"
        )
    used = set(c for c in eq if c.isalpha())
    free = [c for c in string.ascii_letters if c not in used]
    ell_n = 0
    for s, shape in zip(subs, shapes):
        if "..." in s:
            ell_n = max(ell_n, len(shape) - (len(s) - 3))
    ell = "".join(free[:ell_n])
    out_subs = []
    for s, shape in zip(subs, shapes):
        if "..." in s:
            n = len(shape) - (len(s) - 3)
            s = s.replace("...", ell[ell_n - n:] if n else "")
        if len(s) != len(shape):
            raise RuntimeError(
                f"einsum(): subscripts {s!r} do not match an operand of shape {tuple(shape)}"
            )
        out_subs.append(s)
    if rhs is None:
        counts = {}
        for s in out_subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        rhs = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        rhs = rhs.replace("...", ell)
        seen = set("".join(out_subs))
        for c in rhs:
            if c not in seen:
                raise RuntimeError(
                    f"einsum(): the output subscript {c!r} of {equation!r} appears in no input"
                )
    return out_subs, rhs


# Work (the product of every subscript's size) from which a contraction goes through
# ``optimize=True``, i.e. BLAS by way of tensordot: np.einsum's own loops ran the batched
# product 'bnm,bmk->bnk' of (10, 64, 128) and (10, 128, 32) in 4.1 ms against 60 us optimized
# (bmm: 54 us), while planning the path costs ~15 us, more than a 3x4 @ 4x5 product takes
# (1.4 us) and about what 64x64 @ 64x64 (36 -> 23 us) saves. Without BLAS (Pyodide), einsum's
# loops stay the fastest kernel, so two operands keep them there.
_EINSUM_BLAS_WORK = 1 << 15


def _einsum_optimize(subs, arrays):
    """``optimize=`` for np.einsum: always for three or more operands (the pairwise order
    matters most), for two when the contraction is big enough to pay for the planning."""
    if len(arrays) > 2:
        return True
    if len(arrays) < 2 or _noblas.ENABLED:
        return False
    sizes = {}
    for s, a in zip(subs, arrays):
        sizes.update(zip(s, a.shape))
    work = 1
    for n in sizes.values():
        work *= n
    return work >= _EINSUM_BLAS_WORK


def _pair_memory_order(subs, rhs):
    """The order in which PyTorch lays out the result of an einsum that contracts two
    operands: the output letters of both operands (its bmm's batch) outermost, then the
    others, each in output order -- 'bhid,bhjd->bhij' and 'bij,bjk->bki' come contiguous,
    'bij,bkj->kib' as a permuted view. Later layout-dependent steps (dropout draws its mask in
    memory order; ``view``) then see PyTorch's strides. None where nothing is summed (PyTorch
    multiplies those, and its result follows the operands' layouts)."""
    left, right = set(subs[0]), set(subs[1])
    if not (left & right) - set(rhs):
        return None
    both = [c for c in rhs if c in left and c in right]
    return "".join(both + [c for c in rhs if c not in both])


def _einsum_f(xp, *args):
    *arrays, subs, rhs = args
    if len(arrays) <= 2 and all(type(a) is _np.ndarray and a.dtype == _np.float16
                                for a in arrays):
        # PyTorch sums a float16 product (one bmm, or a sum) in float32 and rounds once;
        # NumPy's float16 einsum rounds along the way
        wide = _einsum_f(xp, *(a.astype(_np.float32) for a in arrays), subs, rhs)
        return wide.astype(_np.float16)
    optimize = _einsum_optimize(subs, arrays)
    mem = None
    if len(arrays) == 2 and all(len(set(s)) == len(s) for s in subs) and len(rhs) > 1:
        mem = _pair_memory_order(subs, rhs)
    if mem is not None:
        out = xp.einsum(",".join(subs) + "->" + mem, *arrays, optimize=optimize)
        if hasattr(xp, "ascontiguousarray"):  # (an array namespace; not gradkit's own)
            out = xp.ascontiguousarray(out)
        return out if mem == rhs else xp.transpose(out, [mem.index(c) for c in rhs])
    return xp.einsum(",".join(subs) + "->" + rhs, *arrays, optimize=optimize)


def _einsum_b(xp, g, ins, out, aux, needs):
    subs, rhs = aux
    grads = []
    for k, sk in enumerate(subs):
        if not needs[k]:
            grads.append(None)
            continue
        others = [(subs[j], ins[j]) for j in range(len(subs)) if j != k]
        present = set(rhs).union(*[set(s) for s, _ in others]) if others else set(rhs)
        # letters of operand k that appear elsewhere; a repeated letter (diagonal) once
        target = ""
        for c in sk:
            if c in present and c not in target:
                target += c
        eq = ",".join([rhs] + [s for s, _ in others]) + "->" + target
        gk = xp.einsum(eq, g, *[v for _, v in others],
                       optimize=_einsum_optimize([rhs] + [s for s, _ in others],
                                                 [g] + [v for _, v in others]))
        shape = ins[k].shape
        # letters summed away only inside operand k (or repeated ones) come back by broadcast;
        # ``target`` lists sk's letters in first-occurrence order, so no transpose is needed
        if target != sk:
            sizes = dict(zip(sk, shape))
            seen = set()
            kept = []
            for c in sk:
                kept.append(sizes[c] if c in target and c not in seen else 1)
                seen.add(c)
            gk = xp.broadcast_to(xp.reshape(gk, tuple(kept)), tuple(shape))
            if len(set(sk)) != len(sk):
                gk = gk * _diag_mask(g, sk, shape)
        grads.append(gk)
    return grads


def _diag_mask(like, sk, shape):
    """1 where every repeated letter of ``sk`` takes equal indices (the diagonal), else 0; on
    the device of ``like`` (an array, or a Tensor under create_graph)."""
    import numpy as np

    from .._backend import namespace_of

    mask = np.ones(shape, dtype=bool)
    grids = np.indices(shape, sparse=True)
    for c in set(sk):
        pos = [i for i, d in enumerate(sk) if d == c]
        for p in pos[1:]:
            mask &= grids[pos[0]] == grids[p]
    ns = namespace_of(getattr(like, "_data", like))
    return mask if ns.name == "numpy" else ns.asarray(mask)


EINSUM = Op("Einsum", _einsum_f, _einsum_b, saved_for="others")  # (operand k: shape only)
