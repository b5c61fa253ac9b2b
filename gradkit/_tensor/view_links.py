"""The chain of views from a view without history up to its base, for in-place writes.

A view taken under grad mode of a tensor that requires no grad has no node; ``record.register_view``
keeps its op and base instead (``view_bases``: id(view) -> base). When such a view is written in
place with a differentiable value, ``record.view_chain`` needs the same chain of view ops it reads
from the nodes of a tracked view.
"""

from __future__ import annotations


class _ViewLink:
    """A view of a tensor that required no grad (no node: ``register_view`` keeps its op on the
    storage's version counter), standing in for the view node ``rebase_view`` reads."""
    __slots__ = ("op", "aux", "inputs", "named")

    def __init__(self, op, aux, base):
        self.op, self.aux, self.inputs, self.named = op, aux, (base,), None


def untracked_view_chain(t, view_bases):
    """``view_chain`` of a view without history (``buf[1:3].copy_(x)`` into a ``zeros`` buffer):
    up through the bases it was registered with, so that a write recorded with grad rebases the
    base as PyTorch's CopySlices does, instead of leaving the base without the new history."""
    chain = []
    while not t.requires_grad:
        base = view_bases.get(id(t))
        vl = t._vcl
        if base is None or vl is None or len(vl) < 2:
            break
        link = next((_ViewLink(op, aux, base) for ref, op, aux in vl[1] if ref() is t), None)
        if link is None:
            break
        chain.append(link)
        t = base
    return t, chain
