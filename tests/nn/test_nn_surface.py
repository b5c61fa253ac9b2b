"""The nn pieces of issue 13 against PyTorch: RReLU/Hardshrink/Softshrink, in-place activations,
FeatureAlphaDropout, gumbel_softmax, the Lazy modules and nn.utils.parametrize(ations)."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F
from gradkit.nn.utils import parametrizations as GPS
from gradkit.nn.utils import parametrize as GP

torch = pytest.importorskip("torch")
TF = torch.nn.functional
rng = np.random.default_rng(13)


def _same(a, b, tol=1e-6):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


# ------------------------------------------------------------------ activations
@pytest.mark.parametrize("name,args", [("Hardshrink", (0.7,)), ("Softshrink", (0.3,)),
                                       ("RReLU", (0.1, 0.4))])
@pytest.mark.parametrize("training", [True, False])
def test_activation_modules_match_torch_values_and_gradients(name, args, training):
    x = rng.standard_normal((4, 6)).astype(np.float32)
    x[0, :3] = [np.nan, 0.0, -0.0]
    g, t = getattr(gk.nn, name)(*args), getattr(torch.nn, name)(*args)
    g.train(training)
    t.train(training)
    assert repr(g) == repr(t)
    gk.manual_seed(4)
    torch.manual_seed(4)
    xg, xt = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = g(xg), t(xt)
    np.testing.assert_array_equal(yg.detach().numpy(), yt.detach().numpy())
    yg[1:].sum().backward()
    yt[1:].sum().backward()
    np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())


def test_softshrink_rejects_a_negative_lambda():
    with pytest.raises(RuntimeError, match="softshrink"):
        F.softshrink(gk.ones(2), -1.0)


@pytest.mark.parametrize("fn,args", [
    ("relu_", ()), ("elu_", (0.5,)), ("celu_", (2.0,)), ("selu_", ()), ("leaky_relu_", (0.2,)),
    ("hardtanh_", (-0.5, 0.5)), ("threshold_", (0.1, -2.0)), ("rrelu_", (0.1, 0.3, True)),
])
def test_inplace_functional_activations_write_into_the_input_with_torch_gradients(fn, args):
    x = rng.standard_normal((3, 5))
    a, ta = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gk.manual_seed(1)
    torch.manual_seed(1)
    b, tb = a * 1.5, ta * 1.5
    r, tr = getattr(F, fn)(b, *args), getattr(TF, fn)(tb, *args)
    assert r is b and tr is tb
    _same(b, tb, 1e-12)
    (b * b).sum().backward()
    (tb * tb).sum().backward()
    _same(a.grad, ta.grad, 1e-12)


@pytest.mark.parametrize("module", ["ReLU", "ReLU6", "ELU", "SELU", "CELU", "LeakyReLU",
                                    "Hardtanh", "SiLU", "Mish", "Hardswish", "Hardsigmoid",
                                    "RReLU", "Dropout", "Dropout1d", "AlphaDropout",
                                    "FeatureAlphaDropout"])
def test_inplace_modules_write_into_their_input(module):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    g, t = getattr(gk.nn, module)(inplace=True), getattr(torch.nn, module)(inplace=True)
    gk.manual_seed(2)
    torch.manual_seed(2)
    xg, xt = gk.tensor(x), torch.tensor(x)
    yg, yt = g(xg), t(xt)
    assert (yg is xg) == (yt is xt)  # PyTorch's alpha dropouts ignore inplace
    _same(yg, yt)
    _same(xg, xt)


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="leaf"):
        F.relu(gk.ones(3, requires_grad=True), inplace=True)


# ------------------------------------------------------------------ dropout, gumbel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_feature_alpha_dropout_draws_torchs_mask(dtype):
    x = rng.standard_normal((5, 4, 3)).astype(dtype)
    gk.manual_seed(7)
    torch.manual_seed(7)
    g, t = gk.nn.FeatureAlphaDropout(0.4), torch.nn.FeatureAlphaDropout(0.4)
    np.testing.assert_array_equal(g(gk.tensor(x)).numpy(), t(torch.tensor(x)).numpy())
    g.eval()
    assert g(gk.tensor(x)).numpy().tobytes() == x.tobytes()
    with pytest.raises(RuntimeError, match="2 dimensions"):
        F.feature_alpha_dropout(gk.ones(3), 0.5, True)


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_matches_torch_after_the_same_seed(hard):
    x = rng.standard_normal((6, 5))
    gk.manual_seed(11)
    torch.manual_seed(11)
    xg, xt = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = F.gumbel_softmax(xg, 0.5, hard), TF.gumbel_softmax(xt, 0.5, hard)
    _same(yg, yt, 1e-12)
    w = rng.standard_normal((6, 5))
    (yg * gk.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    _same(xg.grad, xt.grad, 1e-12)


# ------------------------------------------------------------------ lazy modules
_LAZY = [
    ("LazyLinear", (3,), {}, (2, 5)),
    ("LazyConv1d", (4, 3), {}, (2, 2, 7)),
    ("LazyConv2d", (4, 3), {"stride": 2, "groups": 2}, (2, 2, 7, 7)),
    ("LazyConv3d", (4, 2), {}, (1, 2, 4, 4, 4)),
    ("LazyConvTranspose1d", (4, 3), {}, (2, 2, 7)),
    ("LazyConvTranspose2d", (4, 3), {"stride": 2, "output_padding": 1}, (2, 2, 5, 5)),
    ("LazyConvTranspose3d", (2, 2), {}, (1, 2, 3, 3, 3)),
    ("LazyBatchNorm1d", (), {}, (4, 3)),
    ("LazyBatchNorm2d", (), {}, (4, 3, 2, 2)),
    ("LazyBatchNorm3d", (), {}, (2, 3, 2, 2, 2)),
    ("LazyInstanceNorm1d", (), {}, (4, 3, 5)),
    ("LazyInstanceNorm2d", (), {"affine": False}, (4, 3, 5, 5)),
    ("LazyInstanceNorm3d", (), {}, (2, 3, 2, 3, 2)),
    ("LazyBatchNorm2d", (), {"bias": False}, (4, 3, 2, 2)),  # (PyTorch's keyword-only bias)
    ("LazyInstanceNorm1d", (), {"bias": False}, (4, 3, 5)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", _LAZY,
                         ids=[c[0] + ("-nobias" if "bias" in c[2] else "") for c in _LAZY])
def test_lazy_modules_materialise_torchs_parameters_from_the_first_input(name, args, kwargs,
                                                                          shape):
    x = rng.standard_normal(shape).astype(np.float32)
    gk.manual_seed(5)
    torch.manual_seed(5)
    g, t = getattr(gk.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert list(g.state_dict()) == list(t.state_dict())
    assert g.has_uninitialized_params() == t.has_uninitialized_params()
    xg, xt = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = g(xg), t(xt)
    assert type(g).__name__ == type(t).__name__ == name[4:]
    _same(yg, yt, 1e-5)
    yg.pow(2).sum().backward()
    yt.pow(2).sum().backward()
    _same(xg.grad, xt.grad, 1e-4)
    assert list(g.state_dict()) == list(t.state_dict())
    for (k, a), (_, b) in zip(g.state_dict().items(), t.state_dict().items()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6, err_msg=k)


def test_state_dict_loads_into_an_uninitialised_lazy_module():
    src = torch.nn.Conv2d(3, 4, 3)
    g = gk.nn.LazyConv2d(4, 3)
    g.load_state_dict({k: v.detach().numpy() for k, v in src.state_dict().items()})
    assert tuple(g.weight.shape) == (4, 3, 3, 3)
    x = rng.standard_normal((1, 3, 6, 6)).astype(np.float32)
    _same(g(gk.tensor(x)), src(torch.tensor(x)), 1e-5)
    assert type(g) is gk.nn.Conv2d and g.in_channels == 3


def test_an_uninitialised_parameter_has_no_shape():
    with pytest.raises(RuntimeError, match="uninitialized"):
        gk.nn.LazyLinear(3).weight.shape  # noqa: B018


_PLACEHOLDER_USES = [
    lambda L, m: sum(p.numel() for p in m.parameters()),  # d2l counts parameters this way
    lambda L, m: m.weight.dim(),
    lambda L, m: len(m.weight),
    lambda L, m: m.weight + 1,
    lambda L, m: 2 * m.bias,
    lambda L, m: m.weight.norm(),
    lambda L, m: m.weight.clone(),
    lambda L, m: m.weight.detach(),
    lambda L, m: L.numel(m.weight),
    lambda L, m: L.nn.init.xavier_uniform_(m.weight),
    lambda L, m: L.nn.init.zeros_(m.bias),
    lambda L, m: L.nn.init.normal_(m.weight, std=0.01),
    lambda L, m: L.nn.init.constant_(tensor=m.bias, val=1.0),
]


@pytest.mark.parametrize("use", _PLACEHOLDER_USES)
def test_a_lazy_parameter_refuses_use_before_the_first_forward_as_torch(use):
    kinds = []
    for L in (gk, torch):
        try:
            use(L, L.nn.LazyLinear(3))
            kinds.append(None)
        except Exception as e:  # noqa: BLE001 - compared with PyTorch's
            kinds.append(type(e).__name__)
    assert kinds[0] == kinds[1] == "ValueError"


def test_a_lazy_model_still_builds_copies_and_initialises_after_its_forward():
    import copy

    net = gk.nn.Sequential(gk.nn.LazyLinear(4), gk.nn.ReLU(), gk.nn.LazyLinear(2))
    assert [gk.nn.parameter.is_lazy(p) for p in net.parameters()] == [True] * 4
    opt = gk.optim.SGD(net.parameters(), lr=0.1)  # as in PyTorch, before materialising
    twin = copy.deepcopy(net)
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert "LazyLinear" in repr(net) and net[0].weight.dtype == gk.float32
    net.apply(lambda m: None)
    net(gk.ones(5, 3)).sum().backward()
    assert sum(p.numel() for p in net.parameters()) == 3 * 4 + 4 + 4 * 2 + 2
    assert not any(gk.nn.parameter.is_lazy(p) for p in net.parameters())
    gk.nn.init.xavier_uniform_(net[0].weight)
    opt.step()
    assert twin(gk.ones(1, 6)).shape == (1, 2)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_optimizers_over_lazy_parameters_as_torch(name):
    outcomes = []
    for L in (gk, torch):
        net = L.nn.Sequential(L.nn.LazyLinear(4), L.nn.ReLU(), L.nn.LazyLinear(2))
        try:
            opt = getattr(L.optim, name)(net.parameters(), lr=0.1)
        except ValueError:  # Adagrad makes its state in the constructor: it needs the shapes
            outcomes.append("ValueError")
            continue
        net(L.ones(3, 5)).pow(2).sum().backward()
        opt.step()
        outcomes.append(sum(p.numel() for p in net.parameters()))
    assert outcomes[0] == outcomes[1]


def test_a_lazy_models_state_dict_saves_before_its_first_forward():
    import io

    buf = io.BytesIO()
    gk.save(gk.nn.Sequential(gk.nn.LazyLinear(4)).state_dict(), buf)
    buf.seek(0)
    assert list(gk.load(buf)) == ["0.weight", "0.bias"]


# ------------------------------------------------------------------ parametrizations
def _twins(out_f=3, in_f=5):
    t = torch.nn.Linear(in_f, out_f).double()
    g = gk.nn.Linear(in_f, out_f).double()
    g.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return g, t


def _check_twins(g, t, steps=2):
    assert list(g.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(g.state_dict()[k].numpy(), v.numpy(), atol=1e-12, err_msg=k)
    x = rng.standard_normal((4, g.in_features))
    for _ in range(steps):
        yg, yt = g(gk.tensor(x)), t(torch.tensor(x))
        _same(yg, yt, 1e-12)
        yg.pow(2).sum().backward()
        yt.pow(2).sum().backward()
        for (k, p), (k2, q) in zip(g.named_parameters(), t.named_parameters()):
            assert k == k2
            _same(p.grad, q.grad, 1e-10)


def test_weight_norm_parametrization_matches_torch():
    g, t = _twins()
    GPS.weight_norm(g)
    torch.nn.utils.parametrizations.weight_norm(t)
    _check_twins(g, t)


def test_spectral_norm_power_iteration_and_buffers_match_torch():
    g, t = _twins()
    gk.manual_seed(1)
    torch.manual_seed(1)
    GPS.spectral_norm(g)
    torch.nn.utils.parametrizations.spectral_norm(t)
    _check_twins(g, t, steps=3)  # training: one power step per forward, as PyTorch
    g.eval()
    t.eval()
    _check_twins(g, t, steps=1)


@pytest.mark.parametrize("shape,orth_map", [((5, 5), None), ((3, 5), None), ((5, 5), "cayley"),
                                            ((3, 5), "matrix_exp")])
def test_orthogonal_matches_torch_and_is_orthogonal(shape, orth_map):
    g, t = _twins(*shape)
    gk.manual_seed(2)
    torch.manual_seed(2)
    GPS.orthogonal(g, orthogonal_map=orth_map)
    torch.nn.utils.parametrizations.orthogonal(t, orthogonal_map=orth_map)
    _check_twins(g, t)
    w = g.weight.detach().numpy()
    np.testing.assert_allclose(w @ w.T, np.eye(shape[0]), atol=1e-12)


class _Symmetric(gk.nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)

    def right_inverse(self, a):
        return a.triu()


def test_register_cached_and_remove_parametrizations():
    m = gk.nn.Linear(3, 3)
    GP.register_parametrization(m, "weight", _Symmetric())
    assert GP.is_parametrized(m) and GP.is_parametrized(m, "weight")
    assert not GP.is_parametrized(m, "bias")
    assert type(m).__name__ == "ParametrizedLinear"
    assert GP.type_before_parametrizations(m) is gk.nn.Linear
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    w = m.weight.detach().numpy()
    np.testing.assert_array_equal(w, w.T)
    with GP.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight
    m.weight = gk.tensor(np.arange(9.0, dtype=np.float32).reshape(3, 3))  # right_inverse
    np.testing.assert_array_equal(m.parametrizations.weight.original.detach().numpy(),
                                  np.triu(np.arange(9.0).reshape(3, 3)))
    GP.remove_parametrizations(m, "weight")
    assert type(m) is gk.nn.Linear and not GP.is_parametrized(m)
    t = torch.nn.Linear(3, 3)
    torch.nn.utils.parametrize.register_parametrization(t, "weight", torch.nn.Identity())
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    assert list(m.state_dict()) == list(t.state_dict()) == ["bias", "weight"]
    w = m.weight.detach().numpy()
    np.testing.assert_array_equal(w, w.T)


def test_a_parametrization_may_not_change_the_shape_unless_unsafe():
    class Rows(gk.nn.Module):
        def forward(self, x):
            return x[:1]

    with pytest.raises(ValueError, match="may not change the shape"):
        GP.register_parametrization(gk.nn.Linear(3, 3), "weight", Rows())
    m = GP.register_parametrization(gk.nn.Linear(3, 3), "weight", Rows(), unsafe=True)
    assert tuple(m.weight.shape) == (1, 3)
    with pytest.raises(ValueError, match="does not have a parametrization"):
        GP.remove_parametrizations(gk.nn.Linear(2, 2), "weight")
