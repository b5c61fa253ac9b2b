"""``gradkit.load(weights_only=False)`` of a model, optimizer and scheduler that PyTorch pickled
whole (``torch.save(model)``): rebuilt from gradkit's classes at PyTorch's paths (or the package
above, or the C namespaces PyTorch's functions pickle under), computing PyTorch's numbers, in the
zip and the legacy format; a PyTorch class gradkit lacks is still refused by name."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.serialization import CheckpointError


def _torch_model(torch):
    nn = torch.nn
    return nn.ModuleDict({
        "conv": nn.Conv2d(1, 4, 3, padding=1, padding_mode="reflect"),
        "conv_same": nn.Conv1d(4, 4, 3, padding="same", padding_mode="circular"),
        "bn": nn.BatchNorm2d(4),
        "pool": nn.AdaptiveAvgPool2d(2),
        "lstm": nn.LSTM(4, 5, batch_first=True, bidirectional=True),
        "enc": nn.TransformerEncoderLayer(10, 2, 16, 0.0, batch_first=True),
        "dec": nn.TransformerDecoderLayer(10, 2, 16, 0.0, batch_first=True),
        "emb": nn.Embedding(5, 10, padding_idx=0),
        "head": nn.Sequential(nn.Flatten(), nn.Linear(40, 3), nn.Hardswish()),
    })


def _forward(m, act, relu, x, tok):
    h = m["bn"](m["conv"](x)).flatten(2)
    h = relu(m["conv_same"](h)).unflatten(2, (6, 6))
    h = m["pool"](h).flatten(2).transpose(1, 2)
    h, _ = m["lstm"](h)
    h = m["enc"](h + m["emb"](tok))
    return m["head"](act(m["dec"](h, h)))


@pytest.mark.parametrize("zipped", [True, False])
def test_whole_torch_model_loads_into_gradkit_classes(torch, tmp_path, zipped):
    torch.manual_seed(0)
    model = _torch_model(torch)
    # the functions pickle as torch._C._nn.gelu and getattr(torch._C._VariableFunctionsClass, ..)
    fns = {"act": torch.nn.functional.gelu, "relu": torch.relu}
    _forward(model, **fns, x=torch.randn(2, 1, 6, 6), tok=torch.randint(0, 5, (2, 4)))
    model.eval()  # (the running stats moved)
    path = tmp_path / "model.pt"
    torch.save({"model": model, **fns}, path, _use_new_zipfile_serialization=zipped)
    loaded = gk.load(path, weights_only=False)
    back = loaded.pop("model")
    assert isinstance(back["conv"], gk.nn.Conv2d) and isinstance(back["head"][0], gk.nn.Flatten)
    assert isinstance(back["lstm"].weight_ih_l0, gk.nn.Parameter)
    assert back["enc"].self_attn.batch_first and not hasattr(back["enc"], "batch_first")
    assert back["conv"]._reversed_padding_repeated_twice == \
        model["conv"]._reversed_padding_repeated_twice
    assert not back.training and list(back.state_dict()) == list(model.state_dict())
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 1, 6, 6)).astype(np.float32)
    tok = rng.integers(0, 5, (2, 4))
    with torch.no_grad():
        want = _forward(model, **fns, x=torch.from_numpy(x), tok=torch.from_numpy(tok)).numpy()
    got = _forward(back, **loaded, x=gk.tensor(x), tok=gk.tensor(tok))
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-4, atol=1e-5)
    got.sum().backward()  # a working gradkit model: it trains
    assert back["conv"].weight.grad.shape == (4, 1, 3, 3)
    with pytest.raises(CheckpointError, match=r"Unsupported global.*torch\.nn\.modules\."):
        gk.load(path)  # weights_only=True refuses the classes, as PyTorch does


def test_whole_torch_optimizer_and_scheduler_resume(torch, tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.1, amsgrad=True)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    x = torch.randn(4, 3)
    model(x).pow(2).sum().backward()
    opt.step()
    sched.step()
    path = tmp_path / "ckpt.pt"
    torch.save({"model": model, "opt": opt, "sched": sched}, path)
    back = gk.load(path, weights_only=False)
    gopt, gsched, gmodel = back["opt"], back["sched"], back["model"]
    assert isinstance(gopt, gk.optim.Adam) and gsched.optimizer is gopt
    assert gopt.param_groups[0]["params"][0] is gmodel.weight  # shared, as pickled
    for o, s, m, xx in ((opt, sched, model, x), (gopt, gsched, gmodel, gk.tensor(x.numpy()))):
        o.zero_grad()
        m(xx).pow(2).sum().backward()
        o.step()
        s.step()
    np.testing.assert_allclose(gmodel.weight.detach().numpy(), model.weight.detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert gsched.get_last_lr() == sched.get_last_lr()


def test_whole_torch_object_gradkit_lacks_is_refused_by_name(torch, tmp_path):
    path = tmp_path / "sn.pt"
    torch.save(torch.nn.utils.spectral_norm(torch.nn.Linear(2, 2)), path)
    with pytest.raises(CheckpointError, match=r"PyTorch object \(torch\.nn\.utils\.spectral_norm"
                       r"\.SpectralNorm\w*\).*state_dict"):
        gk.load(path, weights_only=False)
