"""``torch.utils.flop_counter``: a counter made and read without being entered answers as
PyTorch's (pytorch_lightning's ModelSummary makes one for every summary); entering refuses."""

import pytest

from gradkit.utils import flop_counter as ours

torch = pytest.importorskip("torch")
theirs = pytest.importorskip("torch.utils.flop_counter")


def test_made_and_read_without_entering_answers_as_torch():
    assert sorted(ours.__all__) == sorted(theirs.__all__)
    for lib in (ours, theirs):
        mode = lib.FlopCounterMode(mods=None, display=False, depth=3)
        assert mode.get_total_flops() == 0
        assert dict(mode.get_flop_counts()) == {"Global": {}}
    formula = ours.register_flop_formula([])(lambda *a, **k: 0)
    assert formula() == 0


def test_entering_the_counter_refuses_clearly():
    with pytest.raises(RuntimeError, match="FlopCounterMode.*cannot run a dispatch mode"):
        with ours.FlopCounterMode(display=False):
            pass
