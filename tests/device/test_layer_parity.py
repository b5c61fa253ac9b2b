"""Every layer, loss and functional op gives the same outputs and gradients on the device as on
the CPU.

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
    elif isinstance(model, nn.TransformerDecoderLayer):
        out = model(xt, xt * 0.5)
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

# The vision layers, padding, instance norm, 3-d layers, the decoder layer and the losses and
# functions that came with them.

_g = np.random.default_rng(0)
IMG = _g.standard_normal((2, 4, 6, 7)).astype(np.float32)
SEQ = _g.standard_normal((2, 4, 9)).astype(np.float32)
VEC = _g.standard_normal((5, 4)).astype(np.float32)
GRID = _g.uniform(-1.3, 1.3, (2, 3, 5, 2)).astype(np.float32)

VISION_LAYERS = [
    ("Upsample-nearest", lambda: nn.Upsample(scale_factor=2), IMG),
    ("Upsample-bilinear", lambda: nn.Upsample(size=(5, 9), mode="bilinear"), IMG),
    ("Upsample-bicubic-ac", lambda: nn.Upsample(scale_factor=1.5, mode="bicubic",
                                                align_corners=True), IMG),
    ("Upsample-linear", lambda: nn.Upsample(scale_factor=0.6, mode="linear"), SEQ),
    ("ReflectionPad2d", lambda: nn.ReflectionPad2d((1, 2, 3, 0)), IMG),
    ("ReplicationPad1d", lambda: nn.ReplicationPad1d(3), SEQ),
    ("CircularPad2d", lambda: nn.CircularPad2d(2), IMG),
    ("ConstantPad2d", lambda: nn.ConstantPad2d(1, 0.5), IMG),
    ("PixelShuffle", lambda: nn.PixelShuffle(2), IMG),
    ("PixelUnshuffle", lambda: nn.PixelUnshuffle(2), IMG[..., :6]),
    ("ChannelShuffle", lambda: nn.ChannelShuffle(2), IMG),
    ("Unfold", lambda: nn.Unfold(3, padding=1, stride=2), IMG),
    ("InstanceNorm2d", lambda: nn.InstanceNorm2d(4, affine=True, track_running_stats=True), IMG),
    ("InstanceNorm1d-eval", lambda: nn.InstanceNorm1d(4, track_running_stats=True).eval(), SEQ),
    ("LocalResponseNorm", lambda: nn.LocalResponseNorm(3), IMG),
    ("LPPool2d", lambda: nn.LPPool2d(2, 2), IMG),
    ("Conv3d", lambda: nn.Conv3d(2, 3, 2, padding=(1, 0, 1), groups=1), IMG.reshape(2, 2, 2, 6, 7)),
    ("ConvTranspose3d", lambda: nn.ConvTranspose3d(2, 2, 2, stride=2, groups=2),
     IMG.reshape(2, 2, 2, 6, 7)),
    ("MaxPool3d", lambda: nn.MaxPool3d(2, stride=1, padding=1), IMG.reshape(2, 2, 2, 6, 7)),
    ("AvgPool3d", lambda: nn.AvgPool3d(2, stride=1, padding=1, count_include_pad=False),
     IMG.reshape(2, 2, 2, 6, 7)),
    ("AdaptiveMaxPool3d", lambda: nn.AdaptiveMaxPool3d((3, 2, 4)), IMG.reshape(2, 2, 2, 6, 7)),
    ("TransformerDecoderLayer",
     lambda: nn.TransformerDecoderLayer(9, 3, dim_feedforward=8, dropout=0.0, batch_first=True),
     SEQ),
]


@pytest.mark.parametrize("name,make,x", VISION_LAYERS, ids=[c[0] for c in VISION_LAYERS])
def test_vision_norm_3d_layer_matches_cpu(cuda, name, make, x):
    gk.manual_seed(0)
    cpu_model = make()
    dev_model = copy.deepcopy(cpu_model).to(cuda)
    out_c, gx_c, gp_c = _run(cpu_model, x, "cpu")
    out_d, gx_d, gp_d = _run(dev_model, x, cuda)
    assert out_d.is_cuda and gx_d.is_cuda
    np.testing.assert_allclose(out_d.detach().cpu().numpy(), out_c.detach().numpy(), rtol=RTOL,
                               atol=ATOL)
    np.testing.assert_allclose(gx_d.cpu().numpy(), gx_c.numpy(), rtol=RTOL, atol=ATOL)
    for k in gp_c:
        np.testing.assert_allclose(gp_d[k].cpu().numpy(), gp_c[k].numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"{name}: gradient of {k}")
    for k, b in dev_model.named_buffers():
        assert b.is_cuda, f"{name}: buffer {k} left the device"
        np.testing.assert_allclose(b.cpu().numpy(), dict(cpu_model.named_buffers())[k].numpy(),
                                   rtol=RTOL, atol=ATOL)


def _targets(kind, dev):
    g = np.random.default_rng(1)
    if kind == "index":
        return (gk.tensor(g.integers(0, 4, 5), device=dev),)
    if kind == "labels":
        return (gk.tensor(np.array([[1, 2, -1, 0]] * 5), device=dev),)
    if kind == "var":
        return (gk.tensor(g.standard_normal((5, 4)).astype(np.float32), device=dev),
                gk.tensor(g.uniform(0.5, 2, (5, 1)).astype(np.float32), device=dev))
    if kind == "grid":
        return (gk.tensor(GRID, device=dev),)
    return (gk.tensor(g.uniform(size=(5, 4)).astype(np.float32), device=dev),)


FUNCS = [
    ("triplet_margin_loss", lambda x: F.triplet_margin_loss(x, x * 0.5, x.flip(0), swap=True),
     None),
    ("multilabel_soft_margin_loss", lambda x, t: F.multilabel_soft_margin_loss(x, t), "float"),
    ("multilabel_margin_loss", lambda x, t: F.multilabel_margin_loss(x, t), "labels"),
    ("multi_margin_loss", lambda x, t: F.multi_margin_loss(x, t, p=2), "index"),
    ("poisson_nll_loss", lambda x, t: F.poisson_nll_loss(x, t * 3, full=True), "float"),
    ("gaussian_nll_loss", lambda x, t, v: F.gaussian_nll_loss(x, t, v), "var"),
    ("grid_sample", lambda x, g: F.grid_sample(x.reshape(2, 1, 5, 2), g,
                                               padding_mode="reflection"), "grid"),
    ("max_unpool2d", lambda x: F.max_unpool2d(*F.max_pool2d(x.reshape(1, 1, 5, 4), 2,
                                                             return_indices=True), 2), None),
    ("fold", lambda x: F.fold(x.reshape(1, 4, 5), (2, 6), 2), None),
    ("embedding_bag-max", lambda x: F.embedding_bag(gk.tensor(np.array([1, 2, 4, 0, 3]),
                                                              device=x.device), x,
                                                    gk.tensor(np.array([0, 2, 2]),
                                                              device=x.device), mode="max"),
     None),
    ("embedding_bag-mean", lambda x: F.embedding_bag(gk.tensor(np.array([[1, 2], [4, 4]]),
                                                               device=x.device), x), None),
    ("fractional_max_pool2d", lambda x: F.fractional_max_pool2d(
        x.reshape(1, 1, 5, 4), 2, output_size=(3, 2),
        _random_samples=gk.tensor(np.array([[[0.3, 0.7]]], np.float32), device=x.device)),
     None),
    ("ctc_loss", lambda x, t: F.ctc_loss(x.reshape(5, 1, 4).log_softmax(-1), t[:1, :2],
                                         [5], [2], reduction="none"), "labels"),
    ("ctc_loss-empty-targets", lambda x: F.ctc_loss(x.reshape(5, 1, 4).log_softmax(-1),
                                                    np.zeros((1, 0), np.int64), [5], [0]), None),
    ("pad-reflect-crop", lambda x: F.pad(x.reshape(1, 5, 4), (3, -1, -1, 2), mode="reflect"),
     None),
    ("pad-circular", lambda x: F.pad(x.reshape(1, 5, 4), (2, 1), mode="circular"), None),
    ("pdist", lambda x: F.pdist(x), None),
    ("pdist-p3", lambda x: F.pdist(x, 3), None),
    ("pdist-p0", lambda x: F.pdist(x, 0), None),
]


@pytest.mark.parametrize("name,fn,kind", FUNCS, ids=[f[0] for f in FUNCS])
def test_function_matches_cpu(cuda, name, fn, kind):
    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    res = []
    for dev in ("cpu", cuda):
        xt = gk.tensor(x, device=dev, requires_grad=True)
        extra = () if kind is None else _targets(kind, dev)
        out = fn(xt, *extra)
        assert out.is_cuda == (dev != "cpu")
        (out * out).sum().backward()
        res.append((out.detach().cpu().numpy(), xt.grad.cpu().numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("make", [
    lambda d: nn.TransformerDecoderLayer(8, 2, 16, device=d),
    lambda d: nn.TransformerEncoderLayer(8, 2, 16, device=d),
    lambda d: nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                             dim_feedforward=16, device=d),
    lambda d: nn.MultiheadAttention(8, 2, device=d),
    lambda d: nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5], device=d),
    lambda d: nn.InstanceNorm2d(3, affine=True, track_running_stats=True, device=d),
    lambda d: nn.BatchNorm3d(3, device=d),
    lambda d: nn.BatchNorm1d(3, device=d),
    lambda d: nn.Conv3d(2, 3, 2, device=d),
    lambda d: nn.ConvTranspose3d(2, 3, 2, device=d),
    lambda d: nn.Conv2d(2, 3, 2, device=d),
], ids=["decoder_layer", "encoder_layer", "transformer", "mha", "adaptive_softmax",
        "instance_norm", "batch_norm3d", "batch_norm1d", "conv3d", "conv_transpose3d", "conv2d"])
def test_device_argument_creates_parameters_and_buffers_there(cuda, make):
    m = make(cuda)
    off = [k for k, v in [*m.named_parameters(), *m.named_buffers()] if not v.is_cuda]
    assert not off, f"left on the host: {off}"
