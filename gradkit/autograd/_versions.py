"""The version counters a node records for its inputs: the shared tuples of the engine's fast
path, and which inputs a node's saved values make it check (apart from graph.py, which stays
under the length limit)."""

from __future__ import annotations

__all__ = ["VERSIONS_00", "VERSIONS_0_NONE", "versions_read"]

VERSIONS_0_NONE = (0, None)
VERSIONS_00 = (0, 0)


def versions_read(saved_for, versions, nxt):
    """``versions`` with None for each input no gradient that reads it is needed for (the Op's
    ``saved_for``; ``nxt`` holds None for an input that needs no gradient)."""
    n = len(versions)
    if saved_for == "others":
        wanted = [j for j in range(n) if nxt[j] is not None]
        kept = tuple(v if any(j != i for j in wanted) else None for i, v in enumerate(versions))
    else:
        kept = tuple(v if i >= len(saved_for) or any(j < n and nxt[j] is not None
                                                     for j in saved_for[i]) else None
                     for i, v in enumerate(versions))
    if kept == VERSIONS_0_NONE or kept == VERSIONS_00:  # (the engine's fast path: shared)
        return VERSIONS_0_NONE if kept == VERSIONS_0_NONE else VERSIONS_00
    return None if all(v is None for v in kept) else kept
