"""Matrix products: matmul (2-D and batched, with broadcasting of batch dimensions) and einsum.

1-D operands of ``matmul`` are reshaped to matrices by the Tensor layer, so the primitive sees
only operands with at least two dimensions.
"""

from __future__ import annotations

import string

from ..autograd.graph import Op

__all__ = ["MATMUL", "EINSUM", "parse_einsum"]


def _matmul_f(xp, a, b):
    return xp.matmul(a, b)


def _matmul_b(xp, g, ins, out, aux, needs):
    a, b = ins
    ga = xp.matmul(g, xp.swapaxes(b, -1, -2)) if needs[0] else None
    gb = xp.matmul(xp.swapaxes(a, -1, -2), g) if needs[1] else None
    return ga, gb


MATMUL = Op("Mm", _matmul_f, _matmul_b, broadcasts=True)


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
        raise ValueError(
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
            raise ValueError(
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
                raise ValueError(
                    f"einsum(): the output subscript {c!r} of {equation!r} appears in no input"
                )
    return out_subs, rhs


def _einsum_f(xp, *args):
    *arrays, subs, rhs = args
    return xp.einsum(",".join(subs) + "->" + rhs, *arrays, optimize=len(arrays) > 2)


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
        gk = xp.einsum(eq, g, *[v for _, v in others])
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


EINSUM = Op("Einsum", _einsum_f, _einsum_b)
