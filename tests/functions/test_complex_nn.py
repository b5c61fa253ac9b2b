"""nn on complex tensors against torch: F.linear and the convolutions (values, gradients,
double backward), complex modules' initialisation and random fills (the same streams as
torch), the refusals torch makes (activations without complex kernels, dropout in training),
and a complex network trained with each optimizer equal to torch's."""

import warnings

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(21)


def _c(*shape):
    return _rng.standard_normal(shape) + 1j * _rng.standard_normal(shape)


def _np(t):
    return t.detach().resolve_conj().resolve_neg().numpy()


X1, X2, X3 = _c(2, 4, 9), _c(2, 4, 7, 6), _c(1, 2, 4, 5, 4)
W1, W2, W3, WG = _c(6, 4, 3), _c(6, 4, 3, 3), _c(3, 2, 2, 2, 2), _c(6, 2, 3)
BIG = _c(2, 3, 40, 40)  # above the convolution's per-sample threshold
WB = _c(4, 3, 3, 3)
L, BL = _c(5, 9), _c(5)

F_CASES = {
    "linear": (lambda m, x, w, b: m.nn.functional.linear(x, w, b), [X1, L, BL]),
    "conv1d": (lambda m, x, w, b: m.nn.functional.conv1d(x, w, b[:1].expand(6), padding=1),
               [X1, W1, BL]),
    "conv1d_groups_dilation": (lambda m, x, w: m.nn.functional.conv1d(
        x, w, groups=2, dilation=2, stride=2), [X1, WG]),
    "conv2d": (lambda m, x, w: m.nn.functional.conv2d(x, w, stride=2, padding=(1, 0)),
               [X2, W2]),
    "conv2d_large": (lambda m, x, w: m.nn.functional.conv2d(x, w, padding=1), [BIG, WB]),
    "conv3d": (lambda m, x, w: m.nn.functional.conv3d(x, w), [X3, W3]),
    "conv_transpose1d": (lambda m, x, w: m.nn.functional.conv_transpose1d(
        x, w.transpose(0, 1), stride=2), [X1, W1]),
    "conv_transpose2d": (lambda m, x, w: m.nn.functional.conv_transpose2d(
        x, w.transpose(0, 1), padding=1), [X2, W2]),
    "unfold": (lambda m, x: m.nn.functional.unfold(x, 2, stride=2), [X2]),
    "fold": (lambda m, x: m.nn.functional.fold(x, (4, 6), 2), [_c(2, 8, 15)]),
    "tanh_sigmoid": (lambda m, x: m.tanh(x) * m.sigmoid(x), [X1]),
    "l1_loss": (lambda m, x, y: m.nn.functional.l1_loss(x, y), [X1, _c(2, 4, 9)]),
    "pad": (lambda m, x: m.nn.functional.pad(x, (1, 2)), [X1]),
    "pixel_shuffle": (lambda m, x: m.nn.functional.pixel_shuffle(x, 2), [_c(1, 8, 3, 3)]),
    "dropout_eval": (lambda m, x: m.nn.functional.dropout(x, 0.5, training=False), [X1]),
}


def _run(m, f, args, create_graph=False):
    xs = [m.tensor(a, requires_grad=True) for a in args]
    return f(m, *xs), xs


@pytest.mark.parametrize("name", sorted(F_CASES))
def test_complex_functional_values_and_gradients_as_torch(name):
    f, args = F_CASES[name]
    (yg, xg), (yt, xt) = _run(gk, f, args), _run(torch, f, args)
    assert str(yg.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1]
    np.testing.assert_allclose(_np(yg), _np(yt), rtol=1e-10, atol=1e-10)
    shape = tuple(yt.shape)
    v = _rng.standard_normal(shape) + (1j * _rng.standard_normal(shape) if yt.is_complex()
                                       else 0)
    for a, b in zip(gk.autograd.grad(yg, xg, gk.tensor(v)),
                    torch.autograd.grad(yt, xt, torch.tensor(v))):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", ["linear", "conv1d", "conv2d", "conv_transpose1d", "unfold",
                                  "tanh_sigmoid"])
def test_complex_functional_double_backward_as_torch(name):
    f, args = F_CASES[name]
    out = f(torch, *[torch.tensor(a) for a in args])
    v = _c(*out.shape)
    ws = [_c(*a.shape) for a in args]
    res = {}
    for m in (gk, torch):
        xs = [m.tensor(a, requires_grad=True) for a in args]
        gs = m.autograd.grad(f(m, *xs) ** 2, xs, m.tensor(v), create_graph=True)
        total = sum((g * m.tensor(w).conj()).real.sum() for g, w in zip(gs, ws))
        res[m] = m.autograd.grad(total, xs)
    for a, b in zip(res[gk], res[torch]):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", ["relu", "gelu", "elu", "softplus", "hardtanh", "softmax",
                                  "mse_loss", "smooth_l1_loss", "layer_norm", "avg_pool1d"])
def test_complex_activations_torch_refuses_are_refused(name):
    calls = {
        "softmax": lambda m, x: m.nn.functional.softmax(x, -1),
        "mse_loss": lambda m, x: m.nn.functional.mse_loss(x, x),
        "smooth_l1_loss": lambda m, x: m.nn.functional.smooth_l1_loss(x, x),
        "layer_norm": lambda m, x: m.nn.functional.layer_norm(x, (9,)),
        "avg_pool1d": lambda m, x: m.nn.functional.avg_pool1d(x, 2),
    }
    call = calls.get(name, lambda m, x: getattr(m.nn.functional, name)(x))
    with pytest.raises(NotImplementedError):
        call(torch, torch.tensor(X1))
    with pytest.raises(NotImplementedError, match="complex|Complex"):
        call(gk, gk.tensor(X1))


@pytest.mark.parametrize("name", ["dropout", "dropout1d", "dropout2d", "alpha_dropout",
                                  "feature_alpha_dropout"])
def test_complex_dropout_in_training_refused_as_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (dropout2d of a 3-D input)
        for m in (gk, torch):
            f = getattr(m.nn.functional, name)
            x = m.tensor(X1)
            with pytest.raises(NotImplementedError, match="bernoulli"):
                f(x, 0.3, True)
            np.testing.assert_array_equal(_np(f(x, 0.3, False)), X1)  # the identity
            np.testing.assert_array_equal(_np(f(x, 1.0, True)) == 0, True)


@pytest.mark.parametrize("mod,args", [("Linear", (3, 4)), ("Conv1d", (3, 4, 3)),
                                      ("Conv2d", (2, 4, 3)), ("ConvTranspose2d", (2, 3, 2)),
                                      ("Conv3d", (2, 2, 2))])
@pytest.mark.parametrize("dtype", ["cfloat", "cdouble"])
def test_complex_modules_initialise_as_torch(mod, args, dtype):
    gk.manual_seed(4)
    torch.manual_seed(4)
    a = getattr(gk.nn, mod)(*args, dtype=getattr(gk, dtype))
    b = getattr(torch.nn, mod)(*args, dtype=getattr(torch, dtype))
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb and pa.dtype == getattr(gk, dtype) and pa.is_complex()
        # the same draws; the bound of the range may differ in its last bit (1/sqrt(fan_in))
        np.testing.assert_allclose(_np(pa), _np(pb), rtol=1e-15, atol=0)
        assert np.abs(_np(pa).imag).max() > 0


@pytest.mark.parametrize("fill", ["uniform_", "normal_", "xavier_uniform_", "xavier_normal_",
                                  "kaiming_uniform_", "kaiming_normal_"])
def test_complex_init_and_random_fills_match_torch_streams(fill):
    for dt in ("cfloat", "cdouble"):
        gk.manual_seed(9)
        torch.manual_seed(9)
        a, b = gk.empty(30, 7, dtype=getattr(gk, dt)), torch.empty(30, 7, dtype=getattr(torch, dt))
        getattr(gk.nn.init, fill)(a)
        getattr(torch.nn.init, fill)(b)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        if fill in ("uniform_", "normal_"):  # the Tensor methods too
            getattr(a, fill)(1.0, 3.0)
            getattr(b, fill)(1.0, 3.0)
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_complex_normal_splits_the_variance_between_the_parts():
    gk.manual_seed(0)
    z = gk.empty(200000, dtype=gk.cdouble).normal_(0.0, 2.0).numpy()
    assert abs(np.mean(np.abs(z) ** 2) - 4.0) < 0.05  # E|z|^2 = std^2
    assert abs(np.std(z.real) - np.std(z.imag)) < 0.02


def _net(m):
    nn = m.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(2, 4, 3, padding=1, dtype=m.cdouble)
            self.fc = nn.Linear(32, 3, dtype=m.cdouble)

        def forward(self, x):
            return self.fc(m.tanh(self.conv(x)).flatten(1))

    m.manual_seed(0)
    return Net()


@pytest.mark.parametrize("opt,kw", [("Adam", {"lr": 1e-2}), ("Adam", {"lr": 1e-2, "amsgrad": True}),
                                    ("AdamW", {"lr": 1e-2}), ("SGD", {"lr": 0.01, "momentum": 0.9}),
                                    ("RMSprop", {"lr": 1e-2, "centered": True}),
                                    ("Adagrad", {"lr": 0.05}), ("NAdam", {}), ("RAdam", {})])
def test_complex_network_trains_as_torch(opt, kw):
    rng = np.random.default_rng(2)  # (fixed data: the test does not depend on the order)
    X = rng.standard_normal((5, 2, 8)) + 1j * rng.standard_normal((5, 2, 8))
    Y = rng.standard_normal((5, 3)) + 1j * rng.standard_normal((5, 3))
    res = {}
    for m in (gk, torch):
        net = _net(m)
        o = getattr(m.optim, opt)(net.parameters(), **kw)
        losses = []
        for _ in range(5):
            o.zero_grad()
            out = net(m.tensor(X))
            err = out - m.tensor(Y)
            loss = m.nn.functional.l1_loss(out, m.tensor(Y)) + (err.abs() ** 2).mean()
            loss.backward()
            o.step()
            losses.append(loss.item())
        res[m] = losses, [_np(p) for p in net.parameters()]
    np.testing.assert_allclose(res[gk][0], res[torch][0], rtol=1e-12)
    assert res[gk][0][-1] < res[gk][0][0]
    for a, b in zip(res[gk][1], res[torch][1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
