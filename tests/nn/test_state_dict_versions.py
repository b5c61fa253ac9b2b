"""Module versions in state_dicts: a BatchNorm state without num_batches_tracked loads when it
carries no version (a plain dict, an old checkpoint) and is refused at version 2, as PyTorch."""

from collections import OrderedDict

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _without_counter(m):
    return OrderedDict((k, v) for k, v in m.state_dict().items() if "num_batches" not in k)


@pytest.mark.parametrize("build", [lambda nn: nn.BatchNorm1d(3),
                                   lambda nn: nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))])
def test_missing_counter_as_pytorch(build):
    for nn in (gk.nn, torch.nn):
        m = build(nn)
        m.load_state_dict(_without_counter(m))  # no version: accepted
        sd = _without_counter(m)
        sd._metadata = {name: {"version": 2} for name, _ in m.named_modules()}
        with pytest.raises(RuntimeError, match="num_batches_tracked"):
            m.load_state_dict(sd)
