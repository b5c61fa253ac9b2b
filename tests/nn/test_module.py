"""Module: registration, traversal, modes, hooks, conversion, state_dict, repr, errors."""

import copy
import os
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 3)
        self.register_buffer("steps", gk.zeros(1, dtype=gk.int64))
        self.register_buffer("scratch", gk.zeros(2), persistent=False)
        self.scale = nn.Parameter(gk.ones(1))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_registration_and_names():
    m = Net()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in m.named_buffers()] == ["steps", "scratch"]
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert len(list(m.parameters(recurse=False))) == 1
    assert list(m.state_dict().keys()) == ["scale", "steps", "fc1.weight", "fc1.bias",
                                           "fc2.weight", "fc2.bias"]
    assert isinstance(m.fc1.weight, nn.Parameter)
    assert m.get_parameter("fc1.bias") is m.fc1.bias
    assert m.get_submodule("fc2") is m.fc2
    assert m.get_buffer("steps") is m.steps
    assert "fc1" in dir(m) and "scale" in dir(m)


def test_shared_parameters_counted_once():
    lin = nn.Linear(3, 3)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4


def _assignment_errors(lib):
    """The message of each refused assignment to a Linear's slots."""
    out = []
    for act in (lambda m: m.register_parameter("w", lib.ones(1)),
                lambda m: m.register_buffer("b", 3),
                lambda m: setattr(m, "weight", lib.ones(1, dtype=lib.float64)),
                lambda m: (m.add_module("c", lib.nn.ReLU()), setattr(m, "c", 3)),
                lambda m: (m.register_buffer("bb", None), setattr(m, "bb", [1]))):
        with pytest.raises(TypeError) as info:
            act(lib.nn.Linear(2, 2))
        out.append(str(info.value))
    return out


def test_assignment_errors_are_pytorchs(torch):
    """The value named as torch.typename names it ('torch.FloatTensor', not 'Tensor'), and
    the expected type as PyTorch's message does (the namespace is gradkit outside a run)."""
    want = _assignment_errors(torch)
    assert [w.replace("torch.nn.", "gradkit.nn.").replace("(torch", "(gradkit")
            .replace(", torch.", ", gradkit.") for w in want] == _assignment_errors(gk)
    assert "'torch.DoubleTensor' as parameter 'weight'" in want[2]


def test_setattr_rules_and_delattr():
    m = nn.Module()
    m.w = nn.Parameter(gk.zeros(2))
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'w'"):
        m.w = gk.zeros(2)
    m.w = None
    assert m.w is None and "w" in m._parameters
    m.sub = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="child module 'sub'"):
        m.sub = 3
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = m.nothing
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", gk.zeros(1))
    with pytest.raises(TypeError, match="Parameter or None required"):
        m.register_parameter("p", gk.zeros(1))


def test_assign_before_init():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(gk.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_missing_forward():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_train_eval_propagates():
    m = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert m.training and m[1].training
    m.eval()
    assert not m.training and not m[1].training
    m.train()
    assert m[1].training


def test_zero_grad_and_requires_grad():
    m = Net()
    m(gk.randn(2, 4)).sum().backward()
    assert m.fc1.weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert float(m.fc1.weight.grad.abs().sum()) == 0.0
    m.zero_grad()
    assert m.fc1.weight.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_apply_and_to_dtype_keeps_parameters():
    m = Net()
    w = m.fc1.weight
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "Net" and seen.count("Linear") == 2
    m.double()
    assert m.fc1.weight is w and isinstance(w, nn.Parameter)
    assert w.dtype == gk.float64
    assert m.steps.dtype == gk.int64  # integer buffers keep their dtype
    m.to(gk.float32)
    assert w.dtype == gk.float32
    m.to("cpu")
    with pytest.raises(TypeError, match="floating point"):
        m.to(gk.int64)


def test_hooks():
    m = nn.Linear(3, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    x = gk.randn(4, 3)
    out = m(x)
    expected = (m.bias + 1).detach().numpy()[None].repeat(4, 0)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)
    assert calls == [gk.Size([4, 2])]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(m(x).detach().numpy(), (x @ m.weight.T + m.bias).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    with m.register_forward_hook(lambda mod, args, kwargs, out: out * 0, with_kwargs=True):
        assert float(m(x).abs().sum()) == 0.0
    assert float(m(x).abs().sum()) != 0.0


def test_repr_matches_torch_style():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1, bias=False)))
    assert repr(m) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=1, bias=False)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.Parameter(gk.tensor([1.0, 2.0]))).startswith("Parameter containing:\ntensor(")


def test_repr_same_as_torch(torch):
    g = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.LayerNorm(3), nn.Dropout(0.1),
                      nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3)]), nn.GELU(),
                      nn.Embedding(5, 2, padding_idx=0), nn.Softmax(dim=1))
    t = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.LayerNorm(3),
                            torch.nn.Dropout(0.1),
                            torch.nn.ModuleList([torch.nn.Linear(3, 3), torch.nn.Linear(3, 3)]),
                            torch.nn.GELU(), torch.nn.Embedding(5, 2, padding_idx=0),
                            torch.nn.Softmax(dim=1))
    assert repr(g) == repr(t)


def test_state_dict_round_trip():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert all(not v.requires_grad for v in sd.values())
    assert "scratch" not in sd
    res = b.load_state_dict(sd)
    assert res.missing_keys == [] and res.unexpected_keys == []
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    # loading copies: the source is not aliased
    with gk.no_grad():
        a.fc1.weight.add_(1.0)
    assert not np.allclose(a.fc1.weight.detach().numpy(), b.fc1.weight.detach().numpy())
    kv = a.state_dict(keep_vars=True)
    assert kv["fc1.weight"] is a.fc1.weight


def test_load_state_dict_errors_name_keys():
    m = Net()
    sd = OrderedDict(m.state_dict())
    sd["fc1.wieght"] = sd.pop("fc1.weight")
    sd["fc2.bias"] = gk.zeros(5)
    with pytest.raises(RuntimeError) as err:
        m.load_state_dict(sd)
    msg = str(err.value)
    assert 'Missing key(s) in state_dict: "fc1.weight"' in msg
    assert 'Unexpected key(s) in state_dict: "fc1.wieght" (did you mean "fc1.weight"?)' in msg
    # shapes printed as torch prints them (torch.Size([5]) under gradkit run)
    assert ("size mismatch for fc2.bias: copying a param with shape gradkit.Size([5]) from "
            "checkpoint, the shape in current model is gradkit.Size([3]).") in msg
    assert "Net" in msg


def test_load_state_dict_non_strict_and_assign():
    m = Net()
    sd = dict(m.state_dict())
    del sd["scale"]
    sd["extra"] = gk.zeros(1)
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["scale"] and res.unexpected_keys == ["extra"]
    new = {k: gk.ones(*v.shape, dtype=v.dtype) for k, v in m.state_dict().items()}
    old = m.fc1.weight
    m.load_state_dict(new, assign=True)
    assert m.fc1.weight is not old and isinstance(m.fc1.weight, nn.Parameter)
    assert m.fc1.weight.requires_grad
    assert float(m.fc1.weight.sum()) == 32.0


def test_load_state_dict_leaves_the_callers_dict_unchanged(torch):
    # BatchNorm upgrades a version-less dict by adding num_batches_tracked: to a copy, as in
    # torch, so a failed load followed by a key fix-up loop sees the dict it passed in
    def build(lib):
        lib.manual_seed(0)
        return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))

    for lib in (gk, torch):
        m = build(lib)
        sd = OrderedDict(("module." + k, v) for k, v in m.state_dict().items())
        keys = list(sd)
        with pytest.raises(RuntimeError):
            m.load_state_dict(sd)
        assert list(sd) == keys
        plain = {k[len("module."):]: v for k, v in sd.items()}
        del plain["1.num_batches_tracked"]
        m.load_state_dict(plain, strict=False)
        assert "1.num_batches_tracked" not in plain


def test_state_dict_interop_with_torch(torch):
    g = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.LayerNorm(8), nn.Linear(8, 2))
    t = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.LayerNorm(8),
                            torch.nn.Linear(8, 2))
    assert list(g.state_dict()) == list(t.state_dict())
    # torch -> gradkit (NumPy arrays and torch tensors both accepted)
    g.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(g(gk.tensor(x)).detach().numpy(),
                               t(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    g.load_state_dict(t.state_dict())
    # gradkit -> torch
    g2 = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.LayerNorm(8), nn.Linear(8, 2))
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in g2.state_dict().items()})
    np.testing.assert_allclose(g2(gk.tensor(x)).detach().numpy(),
                               t(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_deepcopy_independent():
    m = Net()
    c = copy.deepcopy(m)
    with gk.no_grad():
        c.fc1.weight.fill_(0.0)
    assert float(m.fc1.weight.abs().sum()) > 0
    assert isinstance(c.fc1.weight, nn.Parameter)


def test_parameter_basics():
    t = gk.randn(3)
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf and isinstance(p, gk.Tensor)
    assert np.shares_memory(p.numpy(force=True), t.numpy())
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    m = nn.Module()
    m.buf = nn.Buffer(gk.zeros(2), persistent=False)
    assert "buf" in m._buffers and "buf" not in m.state_dict()


def _record_backward_hooks(lib, tensor, with_input_grad):
    m = lib.nn.Linear(3, 2)
    rec = []
    m.register_full_backward_pre_hook(lambda mod, go: rec.append(("pre", len(go))))
    m.register_full_backward_hook(lambda mod, gi, go: rec.append(
        ("hook", [None if g is None else tuple(g.shape) for g in gi],
         [tuple(g.shape) for g in go])))
    x = tensor(np.ones((4, 3), dtype=np.float32))
    if with_input_grad:
        x.requires_grad_(True)
    m(x).sum().backward()
    return rec


@pytest.mark.filterwarnings("ignore:Full backward hook")
@pytest.mark.parametrize("with_input_grad", [True, False])
def test_full_backward_hooks_match_torch(torch, with_input_grad):
    assert _record_backward_hooks(gk, gk.tensor, with_input_grad) == \
        _record_backward_hooks(torch, torch.tensor, with_input_grad)


def _hook_warnings(lib, with_input_grad):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _record_backward_hooks(lib, lib.tensor, with_input_grad)
    return [(w.category, str(w.message), os.path.basename(w.filename)) for w in caught]


@pytest.mark.parametrize("with_input_grad", [True, False])
def test_full_backward_hook_without_input_grad_warns_as_torch(torch, with_input_grad):
    # PyTorch warns (at the caller's line) that the hook fires with grad_input all None
    got = _hook_warnings(gk, with_input_grad)
    assert got == _hook_warnings(torch, with_input_grad)
    assert len(got) == (0 if with_input_grad else 1)


def test_full_backward_hook_replaces_grad_input():
    m = nn.Linear(3, 2)
    handle = m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0,))
    x = gk.ones(4, 3, requires_grad=True)
    m(x).sum().backward()
    assert float(x.grad.abs().sum()) == 0.0 and float(m.weight.grad.abs().sum()) > 0
    handle.remove()
    x.grad = None
    m(x).sum().backward()
    assert float(x.grad.abs().sum()) > 0


def test_register_name_clashes():
    m = nn.Module()
    m.register_buffer("a", gk.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("a", nn.Parameter(gk.zeros(1)))
    m.a = nn.Parameter(gk.ones(1))  # assignment moves it, as in PyTorch
    assert "a" in m._parameters and "a" not in m._buffers


class _Failing(nn.Module):
    def forward(self, x):
        raise ValueError("forward failed")


def test_forward_hook_always_call_runs_when_forward_raises():
    m = _Failing()
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append(("always", out)), always_call=True)
    m.register_forward_hook(lambda mod, args, out: seen.append(("plain", out)))
    with pytest.raises(ValueError, match="forward failed"):
        m(gk.ones(2))
    assert seen == [("always", None)]


def test_forward_hook_always_call_runs_once_and_its_error_becomes_a_warning():
    m = nn.Identity()
    calls = []

    def boom(mod, args, out):
        raise RuntimeError("second hook failed")

    def always(mod, args, out):
        calls.append(out)
        raise KeyError("always hook failed")

    m.register_forward_hook(lambda mod, args, out: calls.append("first"), always_call=True)
    m.register_forward_hook(boom)
    m.register_forward_hook(always, always_call=True)
    with pytest.warns(UserWarning, match="always hook failed"):
        with pytest.raises(RuntimeError, match="second hook failed"):
            m(gk.ones(2))
    # the first always_call hook already ran before the error: not called twice
    assert calls[0] == "first" and len(calls) == 2 and calls[1] is not None


def test_removed_always_call_hook_no_longer_runs():
    m = _Failing()
    seen = []
    h = m.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    h.remove()
    assert not m._forward_hooks_always_called
    with pytest.raises(ValueError):
        m(gk.ones(2))
    assert seen == []


def test_nn_modules_utils_as_torch():
    pytest.importorskip("torch")
    import collections

    from torch.nn.modules import utils as tu

    from gradkit.nn.modules import utils as gu

    for name in ("_single", "_pair", "_triple", "_quadruple"):
        for v in (3, (1, 2), [4, 5, 6]):
            assert getattr(gu, name)(v) == getattr(tu, name)(v)
    assert gu._reverse_repeat_tuple((1, 2, 3), 2) == tu._reverse_repeat_tuple((1, 2, 3), 2)
    assert gu._list_with_default([None, 4], [1, 2, 7, 9]) == \
        tu._list_with_default([None, 4], [1, 2, 7, 9])
    for mod in (gu, tu):
        sd = collections.OrderedDict([("module.a", 1), ("module.b.c", 2), ("d", 3)])
        sd._metadata = {"": {}, "module": {}, "module.b": {}}
        mod.consume_prefix_in_state_dict_if_present(sd, "module.")
        assert list(sd) == ["d", "a", "b.c"] and sorted(sd._metadata) == ["", "b"]


def test_set_submodule_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (gk, torch):
        net = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Sequential(lib.nn.ReLU()))
        new = lib.nn.Tanh()
        net.set_submodule("1.0", new)
        assert net[1][0] is new
        net.set_submodule("1.extra", lib.nn.Identity())
        assert isinstance(net[1].extra, lib.nn.Identity)
        with pytest.raises(AttributeError):
            net.set_submodule("1.missing", lib.nn.ReLU(), strict=True)
        with pytest.raises(AttributeError):
            net.set_submodule("0.weight", lib.nn.ReLU())  # a parameter, not a module
        with pytest.raises(ValueError):
            net.set_submodule("", lib.nn.ReLU())
        with pytest.raises(ValueError):
            net.set_submodule("0", 3)


def _hook_run(lib):
    """Global forward hooks, state_dict and load_state_dict hooks, as one program."""
    log = []
    mm = lib.nn.modules.module
    pre = mm.register_module_forward_pre_hook(
        lambda m, args: log.append(("pre", type(m).__name__)))
    post = mm.register_module_forward_hook(
        lambda m, args, kwargs, out: log.append(("post", type(m).__name__, sorted(kwargs))),
        with_kwargs=True)
    own = []
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU())
    net[0].register_forward_hook(lambda m, a, o: own.append(len(log)))
    net(lib.ones(1, 2))
    pre.remove()
    post.remove()
    net(lib.ones(1, 2))
    log.append(("own", own))
    m = lib.nn.Linear(2, 1)
    m.register_state_dict_pre_hook(lambda mod, prefix, keep: log.append(("sd-pre", prefix)))
    m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: sd.__setitem__("extra", 1))
    log.append(("keys", list(m.state_dict(prefix="p."))))
    m.register_load_state_dict_pre_hook(
        lambda mod, sd, prefix, meta, strict, missing, unexpected, errors:
        sd.__setitem__("bias", sd.pop("old_bias")) if "old_bias" in sd else None)
    m.register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.clear())
    res = m.load_state_dict({"old_bias": lib.zeros(1)})  # weight missing: cleared by the hook
    log.append(("load", list(res.missing_keys), list(res.unexpected_keys), m.bias.tolist()))
    return log


def test_global_forward_hooks_and_state_dict_hooks_match_torch(torch):
    assert _hook_run(gk) == _hook_run(torch)


def _private_hook_run(lib):
    """The older private hook registrations model code still calls (fairseq, transformers)."""
    log = []
    m = lib.nn.Sequential(lib.nn.Linear(2, 1))
    h = m[0]._register_load_state_dict_pre_hook(
        lambda sd, prefix, meta, strict, missing, unexpected, errors:
        sd.__setitem__(prefix + "weight", sd.pop(prefix + "w")) if prefix + "w" in sd else None)
    m[0]._register_load_state_dict_pre_hook(
        lambda mod, sd, prefix, *rest: log.append((type(mod).__name__, prefix)),
        with_module=True)
    m._register_state_dict_hook(lambda mod, sd, prefix, meta: sd.__setitem__("v", prefix))
    res = m.load_state_dict({"0.w": lib.ones(1, 2), "0.bias": lib.zeros(1)})
    log.append((list(res.missing_keys), m[0].weight.tolist(), sorted(m.state_dict())))
    h.remove()
    res = m.load_state_dict({"0.w": lib.ones(1, 2), "0.bias": lib.zeros(1)}, strict=False)
    log.append((list(res.missing_keys), list(res.unexpected_keys)))
    return log


def test_private_state_dict_hook_registrations_match_torch(torch):
    assert _private_hook_run(gk) == _private_hook_run(torch)


def _rename_w(sd, prefix, meta, strict, missing, unexpected, errors):
    if prefix + "w" in sd:
        sd[prefix + "weight"] = sd.pop(prefix + "w")


def _pickled_hook_run(lib):
    """A module holding an older-form load hook (GPyTorch's kernels and means) pickles, and
    its copy still runs the hook."""
    import pickle

    m = lib.nn.Linear(2, 1)
    m._register_load_state_dict_pre_hook(_rename_w)
    copy_ = pickle.loads(pickle.dumps(m))
    copy_.load_state_dict({"w": lib.ones(1, 2), "bias": lib.zeros(1)})
    return copy_.weight.tolist()


def test_module_with_an_older_form_load_hook_pickles_as_torch(torch):
    # gradkit kept a closure around the hook: "Can't pickle local object"
    assert _pickled_hook_run(gk) == _pickled_hook_run(torch) == [[1.0, 1.0]]


def _one_element_load(lib, value, assign):
    m = lib.nn.Module()
    m.p = lib.nn.Parameter(lib.tensor(0.0))
    m.register_buffer("b", lib.tensor(1.0))
    try:
        m.load_state_dict({"p": lib.tensor(value), "b": lib.tensor(value)}, assign=assign)
    except RuntimeError as e:
        return "size mismatch" in str(e)
    return tuple(m.p.shape), m.p.item(), tuple(m.b.shape), m.b.item(), type(m.p).__name__


@pytest.mark.parametrize("value", [[2.5], [1.0, 2.0]])
@pytest.mark.parametrize("assign", [False, True])
def test_one_element_value_loads_into_a_0d_parameter_as_torch(torch, value, assign):
    # GPyTorch's saved ConstantMean holds its constant as shape (1,), the module as shape ()
    ours = _one_element_load(gk, value, assign)
    assert ours == _one_element_load(torch, value, assign)


def _own_to_run(lib):
    class Util(lib.nn.Module):  # GPyTorch's NNUtil: its to(device) calls cpu()
        def __init__(self):
            super().__init__()
            self.w = lib.nn.Parameter(lib.ones(2, dtype=lib.float64))
            self.register_buffer("z", lib.ones(2, dtype=lib.complex128))
            self.register_buffer("i", lib.ones(2, dtype=lib.int64))
            self.to("cpu")

        def to(self, device):
            return self.cpu()

    u = Util().float()
    u.half().double()
    return [str(t.dtype).split(".")[-1] for t in (u.w, u.z, u.i)], type(u.cpu()).__name__


def test_float_and_cpu_do_not_call_a_subclass_to_and_keep_complex_as_torch(torch):
    # gradkit's cpu() called self.to("cpu"): a subclass whose to() calls cpu() recursed; its
    # float() cast complex buffers to float32 (PyTorch casts floating tensors only)
    assert _own_to_run(gk) == _own_to_run(torch)


def test_multihead_attention_prints_as_torch(torch):
    for kw in ({}, {"batch_first": True, "dropout": 0.1}):
        ours = repr(gk.nn.MultiheadAttention(8, 2, **kw))
        assert ours == repr(torch.nn.MultiheadAttention(8, 2, **kw))


def test_state_dict_carries_module_versions_as_torch(torch):
    # conversion scripts copy state_dict._metadata along; load_state_dict reads the versions
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))

    g, t = build(gk), build(torch)
    assert g.state_dict()._metadata == t.state_dict()._metadata
    assert g[1].state_dict(prefix="x.")._metadata == t[1].state_dict(prefix="x.")._metadata
    plain = {}
    g.state_dict(destination=plain)
    assert not hasattr(plain, "_metadata") and set(plain) == set(t.state_dict())
    # with the versions, a BatchNorm state_dict lacking num_batches_tracked reports it missing
    for m in (g, t):
        sd = m.state_dict()
        del sd["1.num_batches_tracked"]
        assert m.load_state_dict(sd, strict=False).missing_keys == ["1.num_batches_tracked"]


def test_module_registries_and_assignment_error_as_torch(torch):
    # older tutorials print model._modules; a tensor assigned over a parameter names its type
    g, t = gk.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    for name in ("_parameters", "_buffers", "_modules"):
        assert type(getattr(g, name)) is type(getattr(t, name)) is dict
    msgs = []
    for m, lib in ((g, gk), (t, torch)):
        for value in (lib.ones(1), 3):
            with pytest.raises(TypeError) as err:
                m.weight = value
            msgs.append(str(err.value).replace("gradkit.", "torch."))
    assert msgs[:2] == msgs[2:]


@pytest.mark.parametrize("case", ["conv_after_pool", "relu_on_nonleaf", "tanh_on_leaf"])
def test_legacy_register_backward_hook_sees_the_output_node_as_torch(case):
    """The deprecated non-full hook: grad_input of the node that made the output (a
    convolution's input, weight, bias), its replacement, and PyTorch's FutureWarning when the
    module's forward is more than that one node."""
    import warnings

    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((1, 2, 6, 6)).astype(np.float32)

    def run(lib):
        lib.manual_seed(0)
        mod = {"conv_after_pool": lib.nn.Conv2d(2, 3, 3), "relu_on_nonleaf": lib.nn.ReLU(),
               "tanh_on_leaf": lib.nn.Tanh()}[case]
        seen = []

        def hook(module, grad_input, grad_output):
            seen.append((type(module).__name__,
                         [None if g is None else tuple(g.shape) for g in grad_input],
                         [tuple(g.shape) for g in grad_output]))
            return tuple(None if g is None else g * 2 for g in grad_input)

        handle = mod.register_backward_hook(hook)
        inp = lib.tensor(x, requires_grad=True)
        src = lib.nn.functional.max_pool2d(inp * 1, 1) if case != "tanh_on_leaf" else inp
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = mod(src)
        out.square().sum().backward(retain_graph=True)
        handle.remove()
        mod(src).sum().backward()  # removed: not called again
        warned = any("non-full backward hook" in str(w.message) for w in caught)
        return seen, warned, inp.grad.numpy().copy()

    (gs, gw, gg), (ts, tw, tg) = run(gk), run(torch)
    assert gs == ts and gw == tw
    np.testing.assert_allclose(gg, tg, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dst", ["DoubleTensor", "float16", "torch.DoubleTensor", "Tensor"])
def test_module_type_takes_what_tensor_type_takes_as_torch(torch, dst):
    # m.type(torch.DoubleTensor) raised a NumPy conversion error, a type name a device error
    def cast(lib):
        m = lib.nn.Linear(2, 3)
        m.register_buffer("steps", lib.zeros(2, dtype=lib.int64))
        m.type(dst if dst.startswith("torch.") else getattr(lib, dst))
        return [str(t.dtype).split(".")[1] for t in (m.weight, m.bias, m.steps)]

    assert cast(gk) == cast(torch)


def _rotary_model(nn_, lib):
    class Rotary(nn_.Module):
        # keeps its table in float32 whatever dtype the model is cast to (LLaMA-style caches)
        def __init__(self):
            super().__init__()
            self.register_buffer("table", lib.arange(4.0))
            self.calls = 0

        def _apply(self, fn, recurse=True):
            super()._apply(fn, recurse)
            self.calls += 1
            self.table = self.table.float()
            return self

    model = nn_.Sequential(nn_.Linear(2, 2), nn_.Sequential(Rotary()))
    return model, model[1][0]


@pytest.mark.parametrize("cast", ["half", "double", "to_float64", "float"])
def test_apply_calls_each_childs_own_apply(torch, cast):
    # a submodule's _apply override (PyTorch's signature, fn and recurse) runs when the model
    # is cast; before, the override was skipped (and super()._apply(fn, recurse) failed)
    results = []
    for nn_, lib in ((nn, gk), (torch.nn, torch)):
        model, rot = _rotary_model(nn_, lib)
        model = model.to(lib.float64) if cast == "to_float64" else getattr(model, cast)()
        results.append((str(model[0].weight.dtype).split(".")[-1],
                        str(rot.table.dtype).split(".")[-1], rot.calls))
    assert results[0] == results[1]


def test_apply_recurse_false_touches_own_tensors_only(torch):
    for nn_, lib in ((nn, gk), (torch.nn, torch)):
        outer = nn_.Linear(2, 2)
        outer.inner = nn_.Linear(2, 2)
        outer._apply(lambda t: t.double(), recurse=False)
        assert (outer.weight.dtype, outer.inner.weight.dtype) == (lib.float64, lib.float32)


def _with_extra_state(nn_, lib):
    class Tokenized(nn_.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn_.Linear(2, 2)
            self.vocab = ["a", "b"]

        def get_extra_state(self):
            return {"vocab": list(self.vocab)}

        def set_extra_state(self, state):
            self.vocab = state["vocab"]

    return nn_.Sequential(Tokenized(), nn_.ReLU())


def test_get_and_set_extra_state_as_torch(torch, tmp_path):
    # a module's get_extra_state goes into state_dict under "_extra_state" and
    # load_state_dict hands it to set_extra_state (before, it was left out and never restored)
    for nn_, lib in ((nn, gk), (torch.nn, torch)):
        src, dst = _with_extra_state(nn_, lib), _with_extra_state(nn_, lib)
        src[0].vocab = ["x", "y", "z"]
        sd = src.state_dict()
        assert list(sd) == ["0._extra_state", "0.lin.weight", "0.lin.bias"]  # own entries first
        assert sd["0._extra_state"] == {"vocab": ["x", "y", "z"]}
        dst.load_state_dict(sd)
        assert dst[0].vocab == ["x", "y", "z"]
        del sd["0._extra_state"]
        with pytest.raises(RuntimeError, match="_extra_state"):
            dst.load_state_dict(sd)
        assert dst.load_state_dict(sd, strict=False).missing_keys == ["0._extra_state"]
        with pytest.raises(RuntimeError, match="get_extra_state"):
            nn_.Linear(1, 1).get_extra_state()
        path = tmp_path / f"{lib.__name__}.pt"
        lib.save(src.state_dict(), str(path), **({"format": "torch"} if lib is gk else {}))
        assert lib.load(str(path), weights_only=False)["0._extra_state"]["vocab"][2] == "z"


def test_unexpected_keys_are_pytorchs(torch):
    # a key a _save_to_state_dict override adds is unexpected on load (PyTorch checks each
    # module's parameters, persistent buffers and extra state, if it has any)
    def build(nn_, lib):
        class Scaled(nn_.Linear):
            def _save_to_state_dict(self, destination, prefix, keep_vars):
                super()._save_to_state_dict(destination, prefix, keep_vars)
                destination[prefix + "scale"] = lib.tensor(2.0)

        return nn_.Sequential(Scaled(2, 2))

    for nn_, lib in ((nn, gk), (torch.nn, torch)):
        m = build(nn_, lib)
        sd = m.state_dict()
        sd["0._extra_state"] = 3
        assert sorted(sd) == ["0._extra_state", "0.bias", "0.scale", "0.weight"]
        unexpected = m.load_state_dict(sd, strict=False).unexpected_keys
        assert sorted(unexpected) == ["0._extra_state", "0.scale"]
        with pytest.raises(RuntimeError, match="scale"):
            m.load_state_dict(sd)


def test_extra_state_key_suffix_is_torchs_module_constant():
    torch = pytest.importorskip("torch")
    from gradkit.nn.modules import module

    assert module._EXTRA_STATE_KEY_SUFFIX == torch.nn.modules.module._EXTRA_STATE_KEY_SUFFIX


def test_register_buffer_beside_a_property_that_raises_attribute_error():
    # PyTorch asks hasattr(self, name): a property reading the buffer being registered (BoTorch's
    # test functions' ``optimizers``) raises AttributeError there, so the name is free
    class Base(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("optimizers", gk.ones(2))

    class Problem(Base):
        @property
        def optimizers(self):
            return super().optimizers  # AttributeError: then Module.__getattr__ finds the buffer

    p = Problem()
    assert "optimizers" in dict(p.named_buffers())
    np.testing.assert_array_equal(p.optimizers.numpy(), [1.0, 1.0])

    class Taken(nn.Module):
        @property
        def x(self):
            return 1

        def __init__(self):
            super().__init__()
            self.register_buffer("x", gk.ones(1))

    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        Taken()


def _registrations(lib):
    """What the three global registration hooks see while a few modules are built and edited;
    one hook replaces what it is given."""
    mm = lib.nn.modules.module
    seen = []
    handles = [
        mm.register_module_parameter_registration_hook(
            lambda m, n, v: seen.append(("param", type(m).__name__, n, tuple(v.shape)))),
        mm.register_module_buffer_registration_hook(
            lambda m, n, v: seen.append(("buffer", type(m).__name__, n, v is None))),
        mm.register_module_module_registration_hook(
            lambda m, n, v: seen.append(("module", type(m).__name__, n, type(v).__name__))),
    ]
    try:
        seq = lib.nn.Sequential(lib.nn.BatchNorm1d(2))
        seq.head = lib.nn.Linear(2, 1)
        seq.head = None
        seq.register_buffer("mask", None)
        seq.mask = lib.ones(1)
        replace = mm.register_module_parameter_registration_hook(
            lambda m, n, v: lib.nn.Parameter(lib.zeros(3)))
        seq.extra = lib.nn.Parameter(lib.ones(1))
        replace.remove()
        assert seq.extra.shape == (3,)
    finally:
        for h in handles:
            h.remove()
    lib.nn.Linear(1, 1)  # (removed: nothing more is seen)
    return seen


def test_global_registration_hooks_as_torch(torch):
    assert _registrations(gk) == _registrations(torch)
