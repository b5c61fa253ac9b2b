"""Optimizer base: validation, groups, zero_grad, closures, hooks, convergence."""

# ruff: noqa: C408

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn, optim

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]


def _p(*values):
    return gk.tensor(np.array(values, dtype=np.float64), requires_grad=True)


# ----------------------------------------------------------------- hyperparameter validation
@pytest.mark.parametrize(("name", "kw", "match"), [
    ("SGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("SGD", dict(momentum=-1), "Invalid momentum value: -1"),
    ("SGD", dict(weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
    ("SGD", dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov"),
    ("Adam", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adam", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("AdamW", dict(weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    ("RMSprop", dict(alpha=-0.5), "Invalid alpha value: -0.5"),
    ("RMSprop", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adamax", dict(eps=-1), "Invalid epsilon value: -1"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
    ("RAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
])
def test_bad_hyperparameters_raise(name, kw, match):
    with pytest.raises(ValueError, match=match):
        getattr(optim, name)([_p(1.0)], **kw)


def test_bad_hyperparameter_in_group_raises():
    with pytest.raises(ValueError, match="Invalid learning rate: -2"):
        optim.Adam([{"params": [_p(1.0)]}, {"params": [_p(2.0)], "lr": -2}])


@pytest.mark.parametrize("name", ALL)
def test_unknown_keyword_rejected(name):
    with pytest.raises(TypeError):
        getattr(optim, name)([_p(1.0)], not_an_option=1)


# ----------------------------------------------------------------- parameter validation
def test_parameter_validation():
    p = _p(1.0, 2.0)
    with pytest.raises(TypeError, match="ordering of tensors in sets"):
        optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params is "
                                        "ndarray"):
        optim.SGD([np.zeros(3)], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):  # PyTorch warns, and runs
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})


def test_param_groups_defaults_and_add_group():
    a, b = _p(1.0), _p(2.0)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "name": "head"}],
                    lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["lr"] == 0.1
    assert opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0.9
    assert opt.param_groups[1]["name"] == "head"
    c = _p(3.0)
    opt.add_param_group({"params": c, "lr": 0.2})
    assert opt.param_groups[2]["params"] == [c]
    assert opt.param_groups[2]["dampening"] == 0


def test_accepts_parameters_and_named_parameters():
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 2
    opt2 = optim.SGD(model.named_parameters(), lr=0.1)
    assert opt2.param_groups[0]["param_names"] == ["weight", "bias"]


# ----------------------------------------------------------------- steps, grads, closures
def test_zero_grad_and_skips_params_without_grad():
    a, b = _p(1.0, 2.0), _p(3.0)
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = gk.tensor(np.array([1.0, 1.0]))
    v0 = b._version
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [0.9, 1.9])
    np.testing.assert_allclose(b.detach().numpy(), [3.0])
    assert b._version == v0
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert a.grad is None


def test_step_bumps_version_and_keeps_storage():
    a = _p(1.0, 2.0)
    arr = a._data
    opt = optim.Adam([a], lr=0.1)
    a.grad = gk.tensor(np.array([1.0, -1.0]))
    v0 = a._version
    opt.step()
    assert a._version > v0
    assert a._data is arr


def test_closure_runs_with_grad_enabled_and_returns_loss():
    x = _p(2.0, -1.0)
    opt = optim.SGD([x], lr=0.1)

    def closure():
        assert gk.is_grad_enabled()
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with gk.no_grad():
        loss = opt.step(closure)
    assert float(loss) == pytest.approx(5.0)
    np.testing.assert_allclose(x.detach().numpy(), [1.6, -0.8])


def test_float32_state_and_non_contiguous_parameter():
    base = gk.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
    w = gk.tensor(np.asfortranarray(np.ones((3, 4), np.float32)), requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    w.grad = base
    opt.step()
    assert opt.state[w]["exp_avg"].dtype == np.float32
    assert w.dtype == np.float32
    ref = gk.tensor(np.ones((3, 4), np.float32), requires_grad=True)
    ropt = optim.Adam([ref], lr=0.1)
    ref.grad = base
    ropt.step()
    np.testing.assert_array_equal(w.detach().numpy(), ref.detach().numpy())


@pytest.mark.parametrize("name", ["AdamW", "SGD"])
def test_large_parameter_results_do_not_depend_on_the_thread_count(monkeypatch, name):
    """The chunked, threaded path for large parameters gives the same bits on 1, 2 or 3 threads,
    on the BLAS kernels and on the ufunc kernels, and the ufunc kernels the same bits as one
    whole-parameter call."""
    from gradkit.optim import _blas, _runner

    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(300_001).astype(np.float32)
    grads = [rng.standard_normal(300_001).astype(np.float32) for _ in range(3)]
    kw = (dict(lr=0.01, amsgrad=True) if name == "AdamW"
          else dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.1))

    def run(threads):
        monkeypatch.setattr(_runner, "_THREADS", threads)
        w = gk.tensor(w0, requires_grad=True)
        opt = getattr(optim, name)([w], **kw)
        for g in grads:
            w.grad = gk.tensor(g)
            opt.step()
        return w.detach().numpy().copy()

    for blas in (True, False):
        if not blas:
            monkeypatch.setattr(_blas, "_BLAS", [None])
        results = [run(t) for t in (1, 2, 3)]
        for r in results[1:]:
            np.testing.assert_array_equal(r, results[0], err_msg=f"blas={blas}")
    monkeypatch.setattr(_runner, "_PARALLEL_MIN", 1 << 40)   # one ufunc call per parameter
    np.testing.assert_array_equal(run(1), results[0])


def test_step_hooks():
    a = _p(1.0)
    opt = optim.SGD([a], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o)))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o)))
    a.grad = gk.tensor(np.array([1.0]))
    opt.step()
    assert calls == [("pre", opt), ("post", opt)]
    h1.remove()
    opt.step()
    assert calls[-1] == ("post", opt) and len(calls) == 3


def test_state_dict_hooks():
    a = _p(1.0)
    opt = optim.SGD([a], lr=0.1)
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    assert opt.state_dict()["extra"] == 1
    seen = []
    opt.register_load_state_dict_post_hook(lambda o: seen.append(o))
    opt.load_state_dict(opt.state_dict())
    assert seen == [opt]


def test_load_state_dict_checks_sizes():
    opt = optim.SGD([_p(1.0)], lr=0.1)
    other = optim.SGD([_p(1.0), _p(2.0)], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(other.state_dict())


def test_load_state_dict_restores_hyperparameters():
    a = _p(1.0)
    opt = optim.Adam([a], lr=0.1)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.01
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["lr"] == 0.01
    assert opt.param_groups[0]["params"][0] is a


def test_gradient_accumulation_pattern():
    x = _p(1.0, 2.0)
    opt = optim.SGD([x], lr=0.5)
    opt.zero_grad()
    for _ in range(2):
        ((x * x).sum() / 2).backward()
    opt.step()
    np.testing.assert_allclose(x.detach().numpy(), [0.0, 0.0])


# ----------------------------------------------------------------- convergence
CONVERGE = [
    ("SGD", dict(lr=0.1, momentum=0.9), 300),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True), 300),
    ("Adam", dict(lr=0.05), 500),
    ("AdamW", dict(lr=0.05, weight_decay=0.0), 500),
    ("RMSprop", dict(lr=0.01, momentum=0.5), 800),
    ("Adagrad", dict(lr=0.5), 500),
    ("Adadelta", dict(lr=1.0), 500),
    ("Adamax", dict(lr=0.1), 600),
    ("NAdam", dict(lr=0.05), 500),
    ("RAdam", dict(lr=0.1), 600),
]


@pytest.mark.parametrize(("name", "kw", "steps"), CONVERGE, ids=[c[0] for c in CONVERGE])
def test_converges_on_quadratic(name, kw, steps):
    rng = np.random.default_rng(0)
    q = rng.standard_normal((4, 4))
    a = q @ q.T / 4 + np.eye(4)
    target = rng.standard_normal(4)
    x = gk.tensor(np.zeros(4), requires_grad=True)
    opt = getattr(optim, name)([x], **kw)
    for _ in range(steps):
        xv = x.detach().numpy()
        x.grad = gk.tensor(a @ (xv - target))
        opt.step()
    np.testing.assert_allclose(x.detach().numpy(), target, atol=2e-2)


# Adadelta crawls along Rosenbrock's valley: it gets the most steps and the loosest tolerance.
ROSEN = [
    ("SGD", dict(lr=1e-3, momentum=0.9), 3000, 0.05),
    ("Adam", dict(lr=0.02), 3000, 0.05),
    ("AdamW", dict(lr=0.02, weight_decay=0.0), 3000, 0.05),
    ("RMSprop", dict(lr=1e-3, momentum=0.9), 3000, 0.05),
    ("Adagrad", dict(lr=0.3), 10000, 0.05),
    ("Adadelta", dict(lr=1.0, rho=0.9995), 20000, 0.1),
    ("Adamax", dict(lr=0.05), 3000, 0.05),
    ("NAdam", dict(lr=0.02), 3000, 0.05),
    ("RAdam", dict(lr=1e-3, betas=(0.9, 0.99)), 5000, 0.05),
]


@pytest.mark.parametrize(("name", "kw", "steps", "tol"), ROSEN, ids=[c[0] for c in ROSEN])
def test_converges_on_rosenbrock(name, kw, steps, tol):
    x = gk.tensor(np.array([-1.0, 1.5]), requires_grad=True)
    opt = getattr(optim, name)([x], **kw)
    for _ in range(steps):
        u, v = x.detach().numpy()
        x.grad = gk.tensor(np.array([-400 * u * (v - u * u) - 2 * (1 - u), 200 * (v - u * u)]))
        opt.step()
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=tol)


def test_subclass_calling_super_step_runs_hooks_once():
    class Clipped(optim.SGD):
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.grad._data.clip(-1, 1, out=p.grad._data)
            return super().step(closure)

    a = _p(0.0)
    opt = Clipped([a], lr=0.5)
    calls = []
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(1))
    a.grad = gk.tensor(np.array([10.0]))
    opt.step()
    assert calls == [1]
    assert opt._step_count == 1
    np.testing.assert_allclose(a.detach().numpy(), [-0.5])


def test_wrapper_subclass_without_base_init_steps():
    # Lookahead-style wrappers subclass Optimizer but never call its __init__, sharing the inner
    # optimizer's param_groups and state; PyTorch runs their step (unpatched) all the same
    class Wrapper(optim.Optimizer):
        def __init__(self, inner):
            self.inner = inner
            self.param_groups = inner.param_groups
            self.state = inner.state
            self.defaults = inner.defaults

        def step(self, closure=None):
            return self.inner.step(closure)

    a = _p(1.0)
    opt = Wrapper(optim.SGD([a], lr=0.5))
    a.grad = gk.tensor(np.array([2.0]))
    assert opt.step(lambda: 3.0) == 3.0
    np.testing.assert_allclose(a.detach().numpy(), [0.0])


@pytest.mark.parametrize("name", ALL)
def test_step_allocates_no_parameter_sized_arrays(name):
    import tracemalloc

    params = [gk.tensor(np.ones((300, 300), np.float32), requires_grad=True),
              gk.tensor(np.ones(400_000, np.float32), requires_grad=True)]
    for p in params:
        p.grad = gk.tensor(np.ones(p.shape, np.float32))
    opt = getattr(optim, name)(params, lr=1e-3)
    opt.step()
    opt.step()
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000       # the smallest parameter is 360 kB


def test_repr_as_torch(torch):
    """PyTorch's layout: each group after a newline, a blank line between groups."""
    def build(lib):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        return (lib.optim.SGD([a], lr=0.1, momentum=0.9),
                lib.optim.Adam([{"params": [a]}, {"params": [b], "lr": 1e-4}], lr=1e-3))

    for ours, theirs in zip(build(gk), build(torch)):
        assert repr(ours) == repr(theirs)


def test_step_hooks_run_for_a_subclass_whose_step_is_decorated(torch):
    """PyTorch's docs decorate a custom step with @torch.no_grad() (which sets __wrapped__):
    its pre/post hooks still run, once each, as PyTorch's."""
    def calls(lib):
        class Plain(lib.optim.Optimizer):
            def __init__(self, params):
                super().__init__(params, {"lr": 0.1})

            @lib.no_grad()
            def step(self, closure=None):
                for group in self.param_groups:
                    for p in group["params"]:
                        p.add_(p.grad, alpha=-group["lr"])

        w = lib.nn.Parameter(lib.ones(2))
        opt, seen = Plain([w]), []
        opt.register_step_pre_hook(lambda o, a, k: seen.append("pre"))
        opt.register_step_post_hook(lambda o, a, k: seen.append("post"))
        (w * 3).sum().backward()
        opt.step()
        return seen, [round(v, 6) for v in w.detach().tolist()]

    assert calls(gk) == calls(torch) == (["pre", "post"], [0.7, 0.7])


def test_state_of_a_program_written_step_is_kept_as_written(torch):
    """A custom optimizer that keeps ``state["step"]`` as an int: state_dict shows the int (as
    PyTorch's, which never converts), load_state_dict keeps it; built-in optimizers still show
    PyTorch's 0-d tensor."""
    def run(lib):
        class Counting(lib.optim.Optimizer):
            def __init__(self, params):
                super().__init__(params, {"lr": 0.1})

            @lib.no_grad()
            def step(self, closure=None):
                for group in self.param_groups:
                    for p in group["params"]:
                        st = self.state[p]
                        st["step"] = st.get("step", 0) + 1
                        p.add_(p.grad, alpha=-group["lr"])

        w = lib.nn.Parameter(lib.ones(2))
        opt = Counting([w])
        for _ in range(2):
            (w * 3).sum().backward()
            opt.step()
        sd = opt.state_dict()
        fresh = Counting([w])
        fresh.load_state_dict(sd)
        return sd["state"][0]["step"], fresh.state[w]["step"]

    assert run(gk) == run(torch) == (2, 2)
    assert type(run(gk)[0]) is int
    w = gk.nn.Parameter(gk.ones(2))
    adam = gk.optim.Adam([w])
    w.sum().backward()
    adam.step()
    assert isinstance(adam.state_dict()["state"][0]["step"], gk.Tensor)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adagrad", "SGD"])
def test_tied_weights_listed_twice_train_as_torch(torch, name):
    # list(encoder.parameters()) + list(decoder.parameters()) with a tied embedding lists the
    # shared weight twice: PyTorch warns and steps it once per listing
    def run(lib):
        lib.manual_seed(0)
        enc = lib.nn.Embedding(5, 3)
        dec = lib.nn.Linear(3, 5, bias=False)
        dec.weight = enc.weight
        with pytest.warns(UserWarning, match="duplicate parameters"):
            opt = getattr(lib.optim, name)(list(enc.parameters()) + list(dec.parameters()),
                                           lr=0.05)
        for _ in range(3):
            opt.zero_grad()
            dec(enc(lib.tensor([1, 2]))).pow(2).sum().backward()
            opt.step()
        sd = opt.state_dict()  # numbered by position: the last listing's number
        weight = enc.weight.detach().numpy().copy()
        return weight, sd["param_groups"][0]["params"], list(sd["state"])

    (w_g, params_g, keys_g), (w_t, params_t, keys_t) = run(gk), run(torch)
    np.testing.assert_allclose(w_g, w_t, rtol=1e-5, atol=1e-6)
    assert params_g == params_t == [1, 1] and keys_g == keys_t


# ----------------------------------------------------------------- PyTorch's hook attribute names
def test_hook_dicts_carry_pytorchs_attribute_names():
    torch = pytest.importorskip("torch")
    theirs = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1).__dict__
    mine = optim.SGD([_p(0.0, 0.0)], lr=0.1).__dict__
    wanted = sorted(k for k in theirs if k.startswith("_optimizer_") and k.endswith("_hooks"))
    assert len(wanted) == 6
    assert all(k in mine for k in wanted), sorted(set(wanted) - set(mine))


def test_wrapper_without_base_init_fails_as_pytorch():
    """A Lookahead-style wrapper that never runs Optimizer.__init__ and calls the base
    state_dict: PyTorch's AttributeError names its hook dictionary, so must ours."""

    class Wrapper(optim.Optimizer):
        def __init__(self, base):
            self.base = base
            self.param_groups = base.param_groups
            self.state = base.state
            self.defaults = base.defaults

    w = Wrapper(optim.SGD([_p(1.0)], lr=0.1))
    with pytest.raises(AttributeError, match="_optimizer_state_dict_pre_hooks"):
        w.state_dict()


def test_pickle_with_older_hook_names_loads():
    p = _p(1.0, 2.0)
    opt = optim.SGD([p], lr=0.1)
    old = {k.replace("_optimizer_", "_", 1) if k.startswith("_optimizer_") else k: v
           for k, v in opt.__dict__.items()}
    assert "_step_pre_hooks" in old
    again = optim.SGD.__new__(optim.SGD)
    again.__setstate__(old)
    calls = []
    again.register_step_pre_hook(lambda o, a, k: calls.append(1))
    p.grad = gk.ones_like(p)
    again.step()
    assert calls == [1]
    assert "_step_pre_hooks" not in again.__dict__


def test_wrapper_setting_its_own_hooks_and_patching_step():
    """pytorch_optimizer's Magma style: a wrapper sets the hook dictionaries, calls
    ``_patch_step_function()`` (PyTorch's) and delegates to an inner optimizer; its step
    hooks and ``_optimizer_step_code`` then run around each step, as in PyTorch."""
    from collections import OrderedDict

    class Wrapper(optim.Optimizer):
        def __init__(self, params):
            self._optimizer_step_pre_hooks = OrderedDict()
            self._optimizer_step_post_hooks = OrderedDict()
            self._patch_step_function()
            self.inner = optim.SGD(params, lr=0.5)
            self.defaults = self.inner.defaults
            self.codes = 0

        @property
        def param_groups(self):
            return self.inner.param_groups

        def _optimizer_step_code(self):
            self.codes += 1

        def step(self, closure=None):
            return self.inner.step(closure)

    p = _p(1.0, 2.0)
    w = Wrapper([p])
    assert w._zero_grad_profile_name == "Optimizer.zero_grad#Wrapper.zero_grad"
    seen = []
    w.register_step_pre_hook(lambda o, a, k: seen.append("pre"))
    w.register_step_post_hook(lambda o, a, k: seen.append("post"))
    p.grad = gk.ones_like(p)
    w.step()
    w.step()
    assert seen == ["pre", "post"] * 2 and w.codes == 2
    assert p.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("kw", [dict(eps=-1), dict(weight_decay=-1), dict(lr=-1)])
@pytest.mark.parametrize("name", ALL + ["Rprop", "ASGD", "LBFGS"])
def test_arguments_checked_before_params(name, kw):
    """PyTorch's optimizers check their arguments before they read ``params``: a bad value
    with ``params=None`` raises the ValueError (pytorch_optimizer's tests rely on it)."""
    torch = pytest.importorskip("torch")
    try:
        getattr(torch.optim, name)(None, **kw)
    except (ValueError, TypeError) as e:
        want = e
    with pytest.raises(type(want)) as got:
        getattr(optim, name)(None, **kw)
    if isinstance(want, ValueError):
        assert str(got.value) == str(want)
