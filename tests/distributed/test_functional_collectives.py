"""torch.distributed._functional_collectives (gradkit/distributed/_functional_collectives.py):
the module imports under gradkit run (diffusers imports it at import time), and in a world of one
process each call returns a new tensor equal to what a one-process world gives (its input)."""

import pytest

import gradkit as gk
from gradkit.distributed import _functional_collectives as funcol


def test_the_names_libraries_use_exist_in_both(torch):
    theirs = pytest.importorskip("torch.distributed._functional_collectives")
    for name in funcol.__all__:
        assert callable(getattr(theirs, name)) and callable(getattr(funcol, name)), name


def test_calls_in_a_world_of_one_return_new_tensors():
    started = not gk.distributed.is_initialized()
    if started:
        gk.distributed.init_process_group("gloo")
    try:
        x = gk.arange(12.0).reshape(2, 6)
        outs = [funcol.all_reduce(x, "sum", None), funcol.all_reduce(x, "AVG", None),
                funcol.broadcast(x, 0, None), funcol.all_gather_tensor(x, 0, None),
                funcol.all_gather_tensor(x, 1, None),
                funcol.reduce_scatter_tensor(x, "sum", 1, None),
                funcol.all_to_all_single(x, None, None, None), funcol.permute_tensor(x, [0], None)]
        for out in outs:
            out = funcol.wait_tensor(out)
            assert out is not x and out.shape == x.shape and gk.equal(out, x)
        outs[0].add_(1)
        assert gk.equal(x, gk.arange(12.0).reshape(2, 6))  # the input is left alone
    finally:
        if started and gk.distributed.is_initialized():
            gk.distributed.destroy_process_group()


def test_calls_before_init_say_what_to_do():
    if gk.distributed.is_initialized():
        pytest.skip("a process group is active in this process")
    with pytest.raises(ValueError, match="init_process_group"):  # PyTorch's type
        funcol.all_gather_tensor(gk.ones(2), 0, None)
