"""Optimizer state as PyTorch keeps it: ``opt.state`` and ``state_dict()`` key names, value types
and dtypes (``"step"`` a 0-d float32 tensor), and ``load_state_dict``'s semantics (floating state
cast to the parameter's dtype, ``"step"`` kept, a tensor that fits shared rather than copied),
checked against torch."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import gradkit as gk

# every optimizer with options that make it keep all of its state entries
CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1}),
    ("Adadelta", {}),
    ("Adamax", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05}),
    ("ASGD", {"lr": 0.05, "t0": 1}),
    ("Rprop", {"lr": 0.05}),
    ("Adafactor", {"lr": 0.05}),
    ("LBFGS", {"lr": 0.5, "max_iter": 3}),
]

X = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
W = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
B = np.random.default_rng(2).standard_normal(2).astype(np.float32)


def _setup(lib, name, kwargs, dtype=None):
    w = lib.nn.Parameter(lib.tensor(W.copy()) if dtype is None else lib.tensor(W, dtype=dtype))
    b = lib.nn.Parameter(lib.tensor(B.copy()) if dtype is None else lib.tensor(B, dtype=dtype))
    opt = getattr(lib.optim, name)([w, b], **kwargs)
    return w, b, opt


def _train(lib, opt, w, b, steps=2):
    x = lib.tensor(X).to(w.dtype)

    def closure():
        opt.zero_grad()
        loss = (x @ w.T + b).tanh().pow(2).sum()
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)


def _describe(value):
    """A state value as (kind, dtype, shape), lists walked: what the two libraries must share."""
    if isinstance(value, list):
        return ["list"] + [_describe(v) for v in value]
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        return ("Tensor", str(value.dtype).split(".")[-1], tuple(value.shape))
    return (type(value).__name__,)


def _param_groups(sd):
    return [{k: v for k, v in g.items()} for g in sd["param_groups"]]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_state_and_state_dict_types_match_torch(torch, name, kwargs):
    got = {}
    for lib in (gk, torch):
        w, b, opt = _setup(lib, name, kwargs)
        _train(lib, opt, w, b)
        state = {k: _describe(v) for k, v in opt.state[w].items()}
        sd = opt.state_dict()
        exported = {i: {k: _describe(v) for k, v in st.items()} for i, st in sd["state"].items()}
        got[lib.__name__] = (state, list(opt.state[w]), exported, _param_groups(sd))
    assert got["gradkit"] == got["torch"]


@pytest.mark.parametrize("name,kwargs", [c for c in CASES if c[0] not in ("SGD", "LBFGS")])
def test_step_is_a_float32_tensor_in_opt_state(torch, name, kwargs):
    w, b, opt = _setup(gk, name, kwargs)
    _train(gk, opt, w, b, steps=3)
    step = opt.state[w]["step"]
    assert isinstance(step, gk.Tensor) and step.dtype == gk.float32 and step.dim() == 0
    assert step.item() == 3.0 and isinstance(step.item(), float)
    assert opt.state_dict()["state"][0]["step"] is step   # by reference, as PyTorch
    assert float(step) == 3.0 and str(step) == str(torch.tensor(3.0))


def test_step_follows_a_float64_default_dtype(torch):
    for lib in (gk, torch):
        old = lib.get_default_dtype()
        lib.set_default_dtype(lib.float64)
        try:
            w, b, opt = _setup(lib, "Adam", {"lr": 0.1})
            _train(lib, opt, w, b)
            assert opt.state[w]["step"].dtype == lib.float64
        finally:
            lib.set_default_dtype(old)


def _trajectory_after_load(lib, name, kwargs, share):
    """Train, load the state into a second optimizer (shared or deep-copied), step both."""
    w, b, opt = _setup(lib, name, kwargs)
    _train(lib, opt, w, b, steps=1)
    w2, b2 = (lib.nn.Parameter(t.detach().clone()) for t in (w, b))
    opt2 = getattr(lib.optim, name)([w2, b2], **kwargs)
    sd = opt.state_dict()
    opt2.load_state_dict(sd if share else copy.deepcopy(sd))
    same = {k: opt2.state[w2][k] is v for k, v in opt.state[w].items()
            if hasattr(v, "shape")}
    _train(lib, opt, w, b, steps=1)
    _train(lib, opt2, w2, b2, steps=1)
    steps = [float(o.state[p]["step"]) for o, p in ((opt, w), (opt2, w2))] \
        if "step" in opt.state[w] else []
    return same, steps, w.detach().numpy().copy(), w2.detach().numpy().copy()


@pytest.mark.parametrize("share", [True, False])
@pytest.mark.parametrize("name,kwargs", [c for c in CASES if c[0] != "LBFGS"],
                         ids=[c[0] + str(i) for i, c in enumerate(CASES) if c[0] != "LBFGS"])
def test_loading_a_live_state_dict_shares_its_tensors_as_torch(torch, name, kwargs, share):
    same_g, steps_g, w_g, w2_g = _trajectory_after_load(gk, name, kwargs, share)
    same_t, steps_t, w_t, w2_t = _trajectory_after_load(torch, name, kwargs, share)
    assert same_g == same_t
    assert steps_g == steps_t
    np.testing.assert_allclose(w_g, w_t, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w2_g, w2_t, rtol=1e-5, atol=1e-6)
    # shared: the two trajectories differ (one moment estimate, one step counter for both)
    assert np.array_equal(w_g, w2_g) == np.array_equal(w_t, w2_t)


def test_floating_state_is_cast_to_the_parameters_dtype_and_step_kept(torch):
    got = {}
    for lib in (gk, torch):
        w, b, opt = _setup(lib, "Adam", {"lr": 0.1})
        _train(lib, opt, w, b)
        w2, b2, opt2 = _setup(lib, "Adam", {"lr": 0.1}, dtype=lib.float64)
        sd = opt.state_dict()
        opt2.load_state_dict(sd)
        st = opt2.state[w2]
        got[lib.__name__] = (str(st["exp_avg"].dtype).split(".")[-1],
                             str(st["step"].dtype).split(".")[-1],
                             st["step"] is opt.state[w]["step"],
                             st["exp_avg"] is opt.state[w]["exp_avg"])
        np.testing.assert_array_equal(st["exp_avg"].numpy(),
                                      opt.state[w]["exp_avg"].numpy().astype(np.float64))
    assert got["gradkit"] == got["torch"] == ("float64", "float32", True, False)


def test_capturable_group_casts_step_to_float32(torch):
    got = {}
    for lib in (gk, torch):
        w, b, opt = _setup(lib, "Adam", {"lr": 0.1})
        _train(lib, opt, w, b)
        sd = copy.deepcopy(opt.state_dict())
        for st in sd["state"].values():
            st["step"] = st["step"].to(lib.float64)
        sd["param_groups"][0]["capturable"] = True
        w2, b2, opt2 = _setup(lib, "Adam", {"lr": 0.1})
        opt2.load_state_dict(sd)
        got[lib.__name__] = str(opt2.state[w2]["step"].dtype).split(".")[-1]
        sd["param_groups"][0]["capturable"] = False
        opt2.load_state_dict(sd)
        got[lib.__name__] += " " + str(opt2.state[w2]["step"].dtype).split(".")[-1]
    assert got["gradkit"] == got["torch"] == "float32 float64"


@pytest.mark.parametrize("name,kwargs", [("Adam", {"lr": 0.1}), ("NAdam", {"lr": 0.1}),
                                         ("ASGD", {"lr": 0.1, "t0": 1}),
                                         ("Adafactor", {"lr": 0.1}), ("Rprop", {"lr": 0.1})])
def test_an_older_gradkit_state_dict_with_number_steps_still_loads(name, kwargs):
    """Older gradkit checkpoints held "step" (and NAdam's mu_product, ASGD's eta and mu) as
    Python numbers; loading one gives the 0-d tensors and continues the same trajectory."""
    w, b, opt = _setup(gk, name, kwargs)
    _train(gk, opt, w, b)
    sd = copy.deepcopy(opt.state_dict())
    for st in sd["state"].values():
        for k, v in st.items():
            if hasattr(v, "shape") and v.dim() == 0:
                st[k] = float(v) if k != "step" else int(float(v))
    w2, b2 = (gk.nn.Parameter(t.detach().clone()) for t in (w, b))
    opt2 = getattr(gk.optim, name)([w2, b2], **kwargs)
    opt2.load_state_dict(sd)
    for k, v in opt.state[w].items():
        got = opt2.state[w2][k]
        assert isinstance(got, gk.Tensor) and got.dtype == v.dtype and got.shape == v.shape, k
    _train(gk, opt, w, b)
    _train(gk, opt2, w2, b2)
    np.testing.assert_array_equal(w.detach().numpy(), w2.detach().numpy())
    assert float(opt2.state[w2]["step"]) == 4.0


def test_a_number_written_into_state_becomes_a_tensor_on_the_next_step():
    w, b, opt = _setup(gk, "Adam", {"lr": 0.1})
    _train(gk, opt, w, b, steps=1)
    opt.state[w]["step"] = 5
    _train(gk, opt, w, b, steps=1)
    step = opt.state[w]["step"]
    assert isinstance(step, gk.Tensor) and step.dtype == gk.float32 and step.item() == 6.0


@pytest.mark.parametrize("name,kwargs", [("Adam", {"lr": 0.05}), ("NAdam", {"lr": 0.05}),
                                         ("ASGD", {"lr": 0.05, "t0": 1}),
                                         ("Adafactor", {"lr": 0.05}),
                                         ("LBFGS", {"lr": 0.5, "max_iter": 3})])
def test_checkpoints_cross_between_the_libraries(torch, tmp_path, name, kwargs):
    """A torch checkpoint (tensor steps) loads into gradkit, a gradkit one saved in PyTorch's
    format into torch, and both continue torch's trajectory (LBFGS in float64: its line of
    float32 dot products drifts by ulps between the libraries)."""
    dtype = "float64" if name == "LBFGS" else None
    tw, tb, topt = _setup(torch, name, kwargs, dtype and torch.float64)
    _train(torch, topt, tw, tb)
    torch.save({"optim": topt.state_dict()}, tmp_path / "t.pt")
    gw, gb, gopt = _setup(gk, name, kwargs, dtype and gk.float64)
    _train(gk, gopt, gw, gb)
    gk.save({"optim": gopt.state_dict()}, tmp_path / "g.pt", format="torch")

    w2, b2 = (gk.nn.Parameter(gk.tensor(t.detach().numpy())) for t in (tw, tb))
    opt2 = getattr(gk.optim, name)([w2, b2], **kwargs)
    opt2.load_state_dict(gk.load(tmp_path / "t.pt")["optim"])
    if "step" in opt2.state[w2]:
        assert isinstance(opt2.state[w2]["step"], gk.Tensor)
    tw2, tb2 = (torch.nn.Parameter(torch.tensor(t.detach().numpy())) for t in (gw, gb))
    topt2 = getattr(torch.optim, name)([tw2, tb2], **kwargs)
    topt2.load_state_dict(torch.load(tmp_path / "g.pt", weights_only=True)["optim"])
    for lib, opt, w, b in ((torch, topt, tw, tb), (gk, opt2, w2, b2), (torch, topt2, tw2, tb2),
                           (gk, gopt, gw, gb)):
        _train(lib, opt, w, b)
    np.testing.assert_allclose(w2.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tw2.detach().numpy(), gw.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_state_dict_survives_deepcopy_and_a_torch_format_round_trip_as_tensors(tmp_path):
    w, b, opt = _setup(gk, "Adam", {"lr": 0.1})
    _train(gk, opt, w, b)
    gk.save(opt.state_dict(), tmp_path / "o.pt")
    back = gk.load(tmp_path / "o.pt")
    step = back["state"][0]["step"]
    assert isinstance(step, gk.Tensor) and step.dtype == gk.float32 and step.item() == 2.0
    snap = copy.deepcopy(opt.state_dict())
    _train(gk, opt, w, b)
    assert snap["state"][0]["step"].item() == 2.0 and opt.state[w]["step"].item() == 4.0


def test_a_read_only_step_from_a_checkpoint_still_counts():
    """A state loaded from a memory-mapped checkpoint may hold a read-only 0-d array: the step
    still advances (in a new array of the same dtype)."""
    w, b, opt = _setup(gk, "Adam", {"lr": 0.1})
    _train(gk, opt, w, b, steps=1)
    frozen = np.array(1.0, dtype=np.float32)
    frozen.flags.writeable = False
    opt.state[w]["step"] = gk.from_numpy(frozen)
    step = opt.state[w]["step"]
    _train(gk, opt, w, b, steps=2)
    assert opt.state[w]["step"] is step and step.item() == 3.0 and step.dtype == gk.float32
    assert frozen == 1.0
