"""Every layer and loss gives the same outputs and gradients on the device as on the CPU.

Runs on a real GPU when CuPy sees one, else on the CPU stand-in (see conftest.py), where it still
proves that no op silently computes on the host or mixes devices.
"""

import copy

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn as nn
import gradkit.nn.functional as F

RTOL, ATOL = 2e-4, 2e-5


def _layers():
    g = np.random.default_rng(0)
    img = g.standard_normal((2, 3, 8, 8)).astype(np.float32)
    seq = g.standard_normal((4, 5, 6)).astype(np.float32)
    vec = g.standard_normal((4, 6)).astype(np.float32)
    return [
        ("Linear", lambda: nn.Linear(6, 5), vec),
        ("Bilinear", None, None),
        ("Conv1d", lambda: nn.Conv1d(5, 4, 3, padding=1), seq),
        ("Conv2d", lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), img),
        ("Conv2d-groups", lambda: nn.Conv2d(3, 6, 3, groups=3), img),
        ("ConvTranspose2d", lambda: nn.ConvTranspose2d(3, 2, 3, stride=2), img),
        ("MaxPool2d", lambda: nn.MaxPool2d(2), img),
        ("MaxPool2d-overlap", lambda: nn.MaxPool2d(3, stride=2, padding=1), img),
        ("AvgPool2d", lambda: nn.AvgPool2d(2), img),
        ("MaxPool1d", lambda: nn.MaxPool1d(2), seq),
        ("AvgPool1d", lambda: nn.AvgPool1d(2), seq),
        ("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d((3, 3)), img),
        ("AdaptiveMaxPool2d", lambda: nn.AdaptiveMaxPool2d((3, 3)), img),
        ("BatchNorm2d", lambda: nn.BatchNorm2d(3), img),
        ("BatchNorm1d", lambda: nn.BatchNorm1d(6), vec),
        ("LayerNorm", lambda: nn.LayerNorm(6), seq),
        ("GroupNorm", lambda: nn.GroupNorm(1, 3), img),
        ("Dropout-eval", lambda: nn.Dropout(0.5).eval(), vec),
        ("ReLU", nn.ReLU, vec), ("LeakyReLU", nn.LeakyReLU, vec), ("ELU", nn.ELU, vec),
        ("GELU", nn.GELU, vec), ("GELU-tanh", lambda: nn.GELU(approximate="tanh"), vec),
        ("SiLU", nn.SiLU, vec), ("Mish", nn.Mish, vec), ("Softplus", nn.Softplus, vec),
        ("Sigmoid", nn.Sigmoid, vec), ("Tanh", nn.Tanh, vec), ("Hardtanh", nn.Hardtanh, vec),
        ("Softmax", lambda: nn.Softmax(-1), vec), ("LogSoftmax", lambda: nn.LogSoftmax(-1), vec),
        ("RNN", lambda: nn.RNN(6, 7, batch_first=True), seq),
        ("LSTM", lambda: nn.LSTM(6, 7, num_layers=2, batch_first=True), seq),
        ("LSTM-bi", lambda: nn.LSTM(6, 7, bidirectional=True), seq),
        ("GRU", lambda: nn.GRU(6, 7, batch_first=True), seq),
        ("MultiheadAttention", lambda: nn.MultiheadAttention(6, 2, batch_first=True), seq),
        ("TransformerEncoderLayer",
         lambda: nn.TransformerEncoderLayer(6, 2, dim_feedforward=8, dropout=0.0,
                                            batch_first=True), seq),
        ("Flatten", nn.Flatten, img),
    ]


def _first(out):
    if isinstance(out, tuple):
        return out[0]
    return out


def _run(model, x, device):
    xt = gk.tensor(x, device=device, requires_grad=True)
    if isinstance(model, nn.MultiheadAttention):
        out = model(xt, xt, xt)[0]
    else:
        out = _first(model(xt))
    w = gk.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(np.float32),
                  device=device)
    (out * w).sum().backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    return out, xt.grad, grads


@pytest.mark.parametrize("name,make,x", [c for c in _layers() if c[1] is not None],
                         ids=[c[0] for c in _layers() if c[1] is not None])
def test_layer_matches_cpu(cuda, name, make, x):
    gk.manual_seed(0)
    cpu_model = make()
    dev_model = copy.deepcopy(cpu_model).to(cuda)
    for p in dev_model.parameters():
        assert p.is_cuda, f"{name}: parameter left on the CPU after .to('cuda')"
    out_c, gx_c, gp_c = _run(cpu_model, x, "cpu")
    out_d, gx_d, gp_d = _run(dev_model, x, cuda)
    assert out_d.is_cuda
    np.testing.assert_allclose(out_d.detach().cpu().numpy(), out_c.detach().numpy(), rtol=RTOL,
                               atol=ATOL)
    np.testing.assert_allclose(gx_d.cpu().numpy(), gx_c.numpy(), rtol=RTOL, atol=ATOL)
    for k in gp_c:
        np.testing.assert_allclose(gp_d[k].cpu().numpy(), gp_c[k].numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"{name}: gradient of {k}")
    for k, b in dev_model.named_buffers():
        assert b.is_cuda, f"{name}: buffer {k} left on the CPU"


LOSSES = [
    ("cross_entropy", lambda x, t: F.cross_entropy(x, t), "index"),
    ("cross_entropy-smooth", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), "index"),
    ("nll_loss", lambda x, t: F.nll_loss(F.log_softmax(x, 1), t), "index"),
    ("mse_loss", lambda x, t: F.mse_loss(x, t), "float"),
    ("l1_loss", lambda x, t: F.l1_loss(x, t), "float"),
    ("smooth_l1_loss", lambda x, t: F.smooth_l1_loss(x, t), "float"),
    ("huber_loss", lambda x, t: F.huber_loss(x, t), "float"),
    ("bce", lambda x, t: F.binary_cross_entropy(x.sigmoid(), t), "prob"),
    ("bce_logits", lambda x, t: F.binary_cross_entropy_with_logits(x, t), "prob"),
    ("kl_div", lambda x, t: F.kl_div(F.log_softmax(x, 1), t, reduction="batchmean"), "prob"),
]


@pytest.mark.parametrize("name,fn,kind", LOSSES, ids=[n for n, _, _ in LOSSES])
def test_loss_matches_cpu(cuda, name, fn, kind):
    g = np.random.default_rng(1)
    x = g.standard_normal((5, 4)).astype(np.float32)
    if kind == "index":
        t = g.integers(0, 4, 5)
    elif kind == "prob":
        t = g.uniform(size=(5, 4)).astype(np.float32)
        t /= t.sum(1, keepdims=True)
    else:
        t = g.standard_normal((5, 4)).astype(np.float32)
    res = []
    for dev in ("cpu", cuda):
        xt = gk.tensor(x, device=dev, requires_grad=True)
        loss = fn(xt, gk.tensor(t, device=dev))
        loss.backward()
        assert loss.is_cuda == (dev != "cpu")
        res.append((loss.cpu().item(), xt.grad.cpu().numpy()))
    assert res[0][0] == pytest.approx(res[1][0], rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=RTOL, atol=ATOL)


OPTIMIZERS = {
    "SGD": ("SGD", {}),
    "SGD-momentum": ("SGD", {"momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    "SGD-nesterov": ("SGD", {"momentum": 0.9, "nesterov": True, "maximize": True}),
    "Adam": ("Adam", {}),
    "Adam-amsgrad": ("Adam", {"amsgrad": True, "weight_decay": 0.01}),
    "AdamW": ("AdamW", {}),
    "AdamW-amsgrad": ("AdamW", {"amsgrad": True, "maximize": True}),
    "RMSprop": ("RMSprop", {}),
    "RMSprop-centered": ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.01}),
    "Adagrad": ("Adagrad", {"lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    "Adadelta": ("Adadelta", {"weight_decay": 0.01}),
    "Adamax": ("Adamax", {"weight_decay": 0.01}),
    "NAdam": ("NAdam", {}),
    "NAdam-decoupled": ("NAdam", {"weight_decay": 0.01, "decoupled_weight_decay": True}),
    "RAdam": ("RAdam", {}),
    "RAdam-decoupled": ("RAdam", {"weight_decay": 0.01, "decoupled_weight_decay": True}),
    "LBFGS": ("LBFGS", {"lr": 0.5, "history_size": 3, "max_iter": 4}),
    "LBFGS-wolfe": ("LBFGS", {"lr": 1.0, "max_iter": 4, "line_search_fn": "strong_wolfe"}),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_steps_on_device(cuda, name):
    opt, kwargs = OPTIMIZERS[name]
    kwargs = {"lr": 0.01, **kwargs}
    gk.manual_seed(0)
    cpu_model = nn.Linear(4, 3)
    dev_model = copy.deepcopy(cpu_model).to(cuda)
    x = np.random.default_rng(2).standard_normal((8, 4)).astype(np.float32)
    opts, closures = [], []
    for model, dev in ((cpu_model, "cpu"), (dev_model, cuda)):
        o = getattr(gk.optim, opt)(model.parameters(), **kwargs)
        xt = gk.tensor(x, device=dev)

        def closure(model=model, o=o, xt=xt):
            o.zero_grad()
            loss = model(xt).pow(2).mean()
            loss.backward()
            return loss

        for _ in range(3):
            o.step(closure)
        opts.append(o)
        closures.append(closure)
    _assert_same_params(cpu_model, dev_model)
    for p in dev_model.parameters():
        for key, v in opts[1].state[p].items():
            if isinstance(v, gk.Tensor) and v.ndim > 0:
                assert v.is_cuda, f"{name}: state {key!r} left the device"
    # a checkpoint of the device optimizer loads into a fresh one on the device and steps there
    sd = opts[1].state_dict()
    for entry in sd["state"].values():
        for key, v in entry.items():
            for t in v if isinstance(v, list) else [v]:
                if isinstance(t, gk.Tensor) and t.ndim > 0:
                    assert t.is_cuda, f"{name}: state_dict entry {key!r} is not on the device"
                if not isinstance(t, gk.Tensor) and getattr(t, "ndim", 0) > 0:
                    raise AssertionError(f"{name}: state_dict entry {key!r} is a raw array "
                                         f"({type(t).__name__}), not a Tensor")
    fresh = getattr(gk.optim, opt)(dev_model.parameters(), **kwargs)
    fresh.load_state_dict(sd)
    for p in dev_model.parameters():
        for key, v in fresh.state[p].items():
            if isinstance(v, gk.Tensor) and v.ndim > 0:
                assert v.is_cuda, f"{name}: loaded state {key!r} is not on the device"
    opts[0].step(closures[0])
    fresh.step(closures[1])
    _assert_same_params(cpu_model, dev_model)


def _assert_same_params(cpu_model, dev_model):
    for (k, a), (_, b) in zip(cpu_model.state_dict().items(), dev_model.state_dict().items()):
        assert b.is_cuda
        np.testing.assert_allclose(b.cpu().numpy(), a.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("used", ["h_n", "c_n", "all"])
def test_lstm_state_outputs_match_cpu(cuda, used):
    """The fused per-step LSTM kernels (CuPy ElementwiseKernel; emulated by the stand-in) with
    gradients through the final states only: the output's gradient is then absent."""
    gk.manual_seed(0)
    cpu_model = nn.LSTM(6, 7, bidirectional=True)
    dev_model = copy.deepcopy(cpu_model).to(cuda)
    x = np.random.default_rng(2).standard_normal((5, 3, 6)).astype(np.float32)

    def run(model, device):
        xt = gk.tensor(x, device=device, requires_grad=True)
        out, (h, c) = model(xt)
        loss = {"h_n": h.sum(), "c_n": (c * c).sum(),
                "all": out.sum() + (h * 2).sum() + (c * 3).sum()}[used]
        loss.backward()
        return xt.grad, {n: p.grad for n, p in model.named_parameters()}

    gx_c, gp_c = run(cpu_model, "cpu")
    gx_d, gp_d = run(dev_model, cuda)
    np.testing.assert_allclose(gx_d.cpu().numpy(), gx_c.numpy(), rtol=RTOL, atol=ATOL)
    for k in gp_c:
        np.testing.assert_allclose(gp_d[k].cpu().numpy(), gp_c[k].numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"gradient of {k}")


def test_packed_sequence_lstm_matches_cpu(cuda):
    """A PackedSequence moves with .to(); its index tensors follow the data onto the device."""
    from gradkit.nn.utils import rnn as R

    gk.manual_seed(0)
    cpu_model = nn.LSTM(6, 7, bidirectional=True)
    dev_model = copy.deepcopy(cpu_model).to(cuda)
    x = np.random.default_rng(3).standard_normal((5, 3, 6)).astype(np.float32)

    def run(model, device):
        xt = gk.tensor(x, device=device, requires_grad=True)
        packed = R.pack_padded_sequence(xt, [2, 5, 3], enforce_sorted=False)
        out, (h, c) = model(packed)
        padded, lengths = R.pad_packed_sequence(out)
        assert lengths.tolist() == [2, 5, 3]
        (padded.sum() + (h * c).sum()).backward()
        return padded, xt.grad

    out_c, gx_c = run(cpu_model, "cpu")
    out_d, gx_d = run(dev_model, cuda)
    assert out_d.is_cuda
    np.testing.assert_allclose(out_d.detach().cpu().numpy(), out_c.detach().numpy(), rtol=RTOL,
                               atol=ATOL)
    np.testing.assert_allclose(gx_d.cpu().numpy(), gx_c.numpy(), rtol=RTOL, atol=ATOL)
