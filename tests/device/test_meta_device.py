"""The meta device: tensors with a shape and a dtype and no data, as torch's ``device="meta"``
(factories, ``with device("meta"):``, ``.to("meta")``, ops giving meta results, repr, the errors
of ``item``/``numpy``/``tolist``, ``Module.to_empty``, ``load_state_dict(assign=True)``,
``nn.init`` and ``nn.utils.skip_init``), checked against torch."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

MAKERS = {
    "Tensor.to": lambda lib: lib.ones(2, 3).to("meta"),
    "Tensor.to(device=)": lambda lib: lib.ones(2).to(device=lib.device("meta")),
    "empty": lambda lib: lib.empty(2, 3, device="meta"),
    "empty 0-d float64": lambda lib: lib.empty((), device="meta", dtype=lib.float64),
    "empty 0 elements": lambda lib: lib.empty(0, device="meta"),
    "zeros int64": lambda lib: lib.zeros(2, device="meta", dtype=lib.int64),
    "ones bool": lambda lib: lib.ones(4, device="meta", dtype=lib.bool),
    "randn": lambda lib: lib.randn(2, 5, device="meta"),
    "rand requires_grad": lambda lib: lib.rand(3, device="meta", requires_grad=True),
    "randint": lambda lib: lib.randint(0, 5, (2, 2), device="meta"),
    "arange": lambda lib: lib.arange(5, device="meta"),
    "tensor": lambda lib: lib.tensor([1.0, 2.0], device="meta"),
    "full": lambda lib: lib.full((2, 2), 3.0, device="meta"),
    "zeros_like": lambda lib: lib.zeros_like(lib.empty(2, 3, device="meta")),
    "full_like": lambda lib: lib.full_like(lib.empty(2, 3, device="meta"), 2.0),
    "rand_like": lambda lib: lib.rand_like(lib.empty(2, 3, device="meta")),
    "new_zeros": lambda lib: lib.empty(2, 3, device="meta").new_zeros(4),
    "new_tensor": lambda lib: lib.empty(2, 3, device="meta").new_tensor([1.0, 2.0]),
    "detach": lambda lib: lib.empty(2, 3, device="meta", requires_grad=True).detach(),
    "Parameter": lambda lib: lib.nn.Parameter(lib.empty(2, device="meta")),
}


def _desc(t):
    return (str(t.device), tuple(t.shape), str(t.dtype).split(".")[-1], t.is_meta,
            t.requires_grad)


def test_the_device_reads_as_torch():
    assert repr(gk.device("meta")) == repr(torch.device("meta")) == "device(type='meta')"
    assert gk.device("meta") == gk.device("meta") and (gk.device("meta") == "meta") is False
    assert gk.device("cpu") != "meta"
    assert str(gk.device("meta")) == "meta"


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_meta_tensors_are_made_as_torch_makes_them(name):
    ours, theirs = MAKERS[name](gk), MAKERS[name](torch)
    assert _desc(ours) == _desc(theirs)
    assert repr(ours).replace("gradkit.", "torch.") == repr(theirs)
    assert not ours.is_cuda and ours.device.type == "meta"


def test_a_huge_meta_tensor_takes_no_memory():
    tracemalloc.start()
    try:
        x = gk.empty(10**6, 10**6, device="meta")
        y = (x * 2 + 1).sum(0)
        z = gk.randn(10**5, 10**5, device="meta") @ gk.empty(10**5, 10**4, device="meta")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    assert tuple(x.shape) == (10**6, 10**6) and x.numel() == 10**12 and x.is_meta
    assert tuple(y.shape) == (10**6,) and y.is_meta and tuple(z.shape) == (10**5, 10**4)


OPS = {
    "add": lambda lib, a, b: a + b,
    "mul scalar": lambda lib, a, b: a * 3,
    "int + float": lambda lib, a, b: a.long() + 1.5,
    "compare": lambda lib, a, b: a > b,
    "matmul": lambda lib, a, b: a @ b.transpose(-1, -2),
    "batched matmul": lambda lib, a, b: lib.ones(5, 3, 4, device="meta") @ lib.ones(4, 2,
                                                                                  device="meta"),
    "sum dim": lambda lib, a, b: a.sum(1, keepdim=True),
    "mean": lambda lib, a, b: a.mean(),
    "amax": lambda lib, a, b: a.amax(0),
    "argmax": lambda lib, a, b: a.argmax(1),
    "softmax": lambda lib, a, b: lib.softmax(a, dim=-1),
    "relu exp": lambda lib, a, b: lib.relu(a).exp(),
    "reshape": lambda lib, a, b: a.reshape(4, 3),
    "view t": lambda lib, a, b: a.view(12).unsqueeze(0).t(),
    "index": lambda lib, a, b: a[1:, ::2],
    "cat": lambda lib, a, b: lib.cat([a, b], 0),
    "stack": lambda lib, a, b: lib.stack([a, b], 1),
    "where": lambda lib, a, b: lib.where(a > 0, a, b),
    "clone": lambda lib, a, b: a.clone(),
    "to float64": lambda lib, a, b: a.to(lib.float64),
    "linear": lambda lib, a, b: lib.nn.functional.linear(a, lib.ones(5, 4, device="meta")),
    "mse loss": lambda lib, a, b: lib.nn.functional.mse_loss(a, b),
    "conv2d": lambda lib, a, b: lib.nn.functional.conv2d(
        lib.empty(2, 3, 8, 8, device="meta"), lib.empty(5, 3, 3, 3, device="meta"), padding=1),
    "layer norm": lambda lib, a, b: lib.nn.functional.layer_norm(a, (4,)),
    "embedding": lambda lib, a, b: lib.nn.Embedding(10, 3, device="meta")(
        lib.zeros(2, 5, dtype=lib.int64, device="meta")),
    "expand": lambda lib, a, b: a[:1].expand(5, 4),
    "masked_fill": lambda lib, a, b: a.masked_fill(a > 0, 1.0),
    "split": lambda lib, a, b: a.split(2)[1],
    "half": lambda lib, a, b: a.half(),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_ops_on_meta_tensors_give_meta_results_as_torch(name):
    got = []
    for lib in (gk, torch):
        a = lib.empty(3, 4, device="meta")
        b = lib.empty(3, 4, device="meta")
        got.append(_desc(OPS[name](lib, a, b)))
    assert got[0] == got[1]


def test_a_module_forward_and_backward_on_meta():
    got = []
    for lib in (gk, torch):
        with lib.device("meta"):
            net = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 2))
        x = lib.empty(16, 4, device="meta")
        out = net(x)
        out.sum().backward()
        got.append((_desc(out), _desc(net[0].weight.grad), str(lib.get_default_device())))
    assert got[0] == got[1]


def test_no_values_come_out_as_torch():
    cases = {
        "item": lambda lib: lib.empty((), device="meta").item(),
        "float": lambda lib: float(lib.empty((), device="meta")),
        "bool": lambda lib: bool(lib.empty((), device="meta")),
        "numpy": lambda lib: lib.empty(2, device="meta").numpy(),
        "tolist": lambda lib: lib.empty(2, device="meta").tolist(),
        "to cpu": lambda lib: lib.empty(2, device="meta").to("cpu"),
    }
    for name, case in cases.items():
        errors = []
        for lib in (gk, torch):
            with pytest.raises(Exception) as info:
                case(lib)
            errors.append(type(info.value))
        assert errors[0] is errors[1], name
    with pytest.raises(RuntimeError, match="item"):
        gk.empty((), device="meta").item()
    with pytest.raises(TypeError, match="meta device type tensor to numpy"):
        gk.empty(2, device="meta").numpy()
    with pytest.raises(NotImplementedError, match="no data"):
        gk.empty(2, device="meta").tolist()


def test_mixing_a_meta_and_a_cpu_tensor_raises_as_torch():
    for lib in (gk, torch):
        with pytest.raises(RuntimeError, match="device"):
            lib.empty(3, 4, device="meta") + lib.ones(3, 4)
        ok = lib.empty(3, device="meta") + lib.tensor(2.0)   # a 0-d CPU tensor is allowed
        assert ok.is_meta


def test_in_place_writes_and_init_on_meta_are_no_ops_that_draw_nothing():
    gk.manual_seed(0)
    expected = gk.rand(3).tolist()
    gk.manual_seed(0)
    w = gk.empty(4, 3, device="meta")
    for fn in (gk.nn.init.kaiming_uniform_, gk.nn.init.xavier_normal_, gk.nn.init.zeros_,
               gk.nn.init.orthogonal_, gk.nn.init.trunc_normal_):
        assert fn(w) is w and w.is_meta
    w.fill_(1.0)
    w.zero_()
    w.add_(1)
    with gk.device("meta"):
        gk.nn.Linear(64, 32)
        gk.nn.Conv2d(3, 8, 3)
    assert w.is_meta and gk.rand(3).tolist() == expected


def test_with_device_meta_restores_the_default_and_factories_follow_it():
    for lib in (gk, torch):
        with lib.device("meta"):
            inside = (lib.zeros(2).is_meta, lib.tensor([1.0]).is_meta, lib.arange(3).is_meta)
        assert inside == (True, True, True)
        assert lib.get_default_device() == lib.device("cpu") and not lib.zeros(2).is_meta


def _materialize(lib):
    lib.manual_seed(0)
    trained = lib.nn.Linear(4, 3)
    with lib.device("meta"):
        model = lib.nn.Linear(4, 3)
    meta_desc = (str(model.weight.device), model.weight.is_meta, repr(model.weight))
    model.load_state_dict(trained.state_dict(), assign=True)
    assigned = (model.weight.is_meta, lib.equal(model.weight, trained.weight),
                type(model.weight).__name__)
    with lib.device("meta"):
        empty = lib.nn.Linear(4, 3)
    empty = empty.to_empty(device="cpu")
    lib.manual_seed(0)
    empty.reset_parameters()
    fresh = (str(empty.weight.device), lib.equal(empty.weight, trained.weight),
             type(empty.bias).__name__, empty.weight.requires_grad)
    return meta_desc, assigned, fresh


def test_to_empty_and_assign_materialize_a_meta_model_as_torch():
    assert _materialize(gk) == _materialize(torch)


def test_to_empty_keeps_buffers_and_moves_to_meta():
    for lib in (gk, torch):
        bn = lib.nn.BatchNorm1d(3)
        bn.to_empty(device="meta")
        assert bn.running_mean.is_meta and bn.weight.is_meta
        assert type(bn.weight).__name__ == "Parameter"
        bn.to_empty(device="cpu")
        assert not bn.running_mean.is_meta and tuple(bn.running_var.shape) == (3,)


def test_skip_init_draws_nothing_and_gives_cpu_parameters():
    for lib in (gk, torch):
        lib.manual_seed(1)
        expected = lib.rand(2).tolist()
        lib.manual_seed(1)
        m = lib.nn.utils.skip_init(lib.nn.Linear, 5, 4)
        assert m.weight.device.type == "cpu" and tuple(m.weight.shape) == (4, 5)
        assert lib.rand(2).tolist() == expected


def test_loading_values_into_a_meta_model_warns_and_keeps_it_meta():
    got = []
    for lib in (gk, torch):
        m = lib.nn.Linear(2, 3, device="meta")
        with pytest.warns(UserWarning, match="copying from a non-meta parameter"):
            m.load_state_dict(lib.nn.Linear(2, 3).state_dict())
        got.append(m.weight.is_meta)
    assert got == [True, True]


def test_deepcopy_of_a_meta_model():
    import copy

    for lib in (gk, torch):
        m = copy.deepcopy(lib.nn.Linear(2, 3, device="meta"))
        assert m.weight.is_meta and tuple(m.weight.shape) == (3, 2)


def test_module_to_meta_and_state_dict():
    for lib in (gk, torch):
        m = lib.nn.Linear(3, 2).to("meta")
        sd = m.state_dict()
        assert all(v.is_meta for v in sd.values()) and m.weight.device.type == "meta"


def test_cpu_tensors_keep_plain_arrays():
    """The meta device stays off the CPU fast path: CPU data is a plain ndarray."""
    x = gk.ones(2, 3)
    assert type(x._data) is np.ndarray and type((x + 1)._data) is np.ndarray
    assert type(gk.zeros(2)._data) is np.ndarray and not x.is_meta
