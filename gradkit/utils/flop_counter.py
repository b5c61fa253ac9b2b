"""``torch.utils.flop_counter``: ``FlopCounterMode`` made and read as PyTorch's, refusing to count.

PyTorch's counter is a dispatch mode that sees each ATen operator; gradkit has no such layer (see
``_python_dispatch``), so entering the mode raises ``RuntimeError`` with what to use instead. A
counter that is made and read without being entered reports no FLOPs, as PyTorch's does: libraries
that build one for every model summary (pytorch_lightning's ``ModelSummary``) keep working.
"""

from __future__ import annotations

from ._python_dispatch import TorchDispatchMode

__all__ = ["FlopCounterMode", "register_flop_formula"]


class FlopCounterMode(TorchDispatchMode):
    """PyTorch's FLOP counter: made and read (``get_total_flops``, ``get_flop_counts``) as in
    PyTorch; ``with FlopCounterMode():`` raises ``RuntimeError`` (no operators to intercept)."""

    def __init__(self, mods=None, depth: int = 2, display: bool = True, custom_mapping=None):
        super().__init__()
        if not isinstance(depth, int) or isinstance(depth, bool):
            raise TypeError(f"FlopCounterMode: depth must be an int, got {type(depth).__name__}")
        self.depth = depth
        self.display = display
        self.mods = mods
        self.flop_registry = dict(custom_mapping or {})
        self.flop_counts: dict[str, dict] = {"Global": {}}

    def get_total_flops(self) -> int:
        return sum(self.flop_counts.get("Global", {}).values())

    def get_flop_counts(self) -> dict[str, dict]:
        """The counts per module and operator: empty, as nothing is ever counted."""
        return {k: dict(v) for k, v in self.flop_counts.items()}

    def get_table(self, depth=None):
        raise RuntimeError("FlopCounterMode.get_table: gradkit counts no FLOPs (it cannot run "
                           "dispatch modes); count with module forward hooks (e.g. thop, ptflops' "
                           "backend='pytorch') or run this program with PyTorch")


def register_flop_formula(targets, get_raw=False):
    """Register a FLOP formula for operators: accepted and returned unchanged (gradkit runs no
    dispatch mode that would call it), so libraries that register formulas at import keep
    importing."""
    def register(formula):
        return formula

    return register
