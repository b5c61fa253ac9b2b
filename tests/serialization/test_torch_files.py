"""gradkit.load on files written by torch.save (zip and legacy formats): state dicts of real
models (same outputs after load_state_dict), optimizer states, nested containers, views that
share storage, non-contiguous tensors, every dtype, 0-d and empty tensors, map_location."""

import io
import os

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn

FORMATS = ["zip", "legacy"]


def _save(torch, obj, path, fmt):
    torch.save(obj, path, _use_new_zipfile_serialization=(fmt == "zip"))
    return path


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _models(torch):
    """(torch model, gradkit twin, input as numpy) triples, torch's weights random."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    class TConv(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
            self.bn = torch.nn.BatchNorm2d(4)
            self.fc = torch.nn.Linear(4 * 5 * 5, 3)

        def forward(self, x):
            return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))

    class GConv(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.bn = nn.BatchNorm2d(4)
            self.fc = nn.Linear(4 * 5 * 5, 3)

        def forward(self, x):
            return self.fc(gk.relu(self.bn(self.conv(x))).flatten(1))

    class TSeq(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(10, 4)
            self.lstm = torch.nn.LSTM(4, 5, num_layers=2, batch_first=True)
            self.head = torch.nn.Linear(5, 2)

        def forward(self, x):
            out, _ = self.lstm(self.emb(x))
            return self.head(out)

    class GSeq(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 4)
            self.lstm = nn.LSTM(4, 5, num_layers=2, batch_first=True)
            self.head = nn.Linear(5, 2)

        def forward(self, x):
            out, _ = self.lstm(self.emb(x))
            return self.head(out)

    tconv = TConv()
    with torch.no_grad():  # non-trivial running statistics for BatchNorm
        tconv(torch.randn(8, 3, 5, 5) * 3 + 1)
    tconv.eval()
    return [
        ("conv-bn-linear", tconv, GConv(), rng.standard_normal((2, 3, 5, 5)).astype(np.float32)),
        ("embedding-lstm", TSeq().eval(), GSeq(), rng.integers(0, 10, (2, 6))),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_model_state_dicts_load_and_give_torch_outputs(torch, tmp_path, fmt):
    for name, tmodel, gmodel, x in _models(torch):
        path = _save(torch, tmodel.state_dict(), tmp_path / f"{name}.pt", fmt)
        sd = gk.load(path)
        ref = tmodel.state_dict()
        assert list(sd) == list(ref)
        for k, v in ref.items():
            assert isinstance(sd[k], gk.Tensor) and not isinstance(sd[k], nn.Parameter)
            assert sd[k].dtype == np.dtype(str(v.dtype).replace("torch.", ""))
            np.testing.assert_array_equal(sd[k].numpy(), v.numpy())
        gmodel.load_state_dict(sd)
        gmodel.eval()
        with torch.no_grad():
            expected = tmodel(torch.from_numpy(x)).numpy()
        got = gmodel(gk.tensor(x)).detach().numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_optimizer_state_dict(torch, tmp_path, fmt):
    torch.manual_seed(1)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.8, 0.99))
    for _ in range(2):
        opt.zero_grad()
        model(torch.randn(4, 3)).pow(2).sum().backward()
        opt.step()
    ref = opt.state_dict()
    got = gk.load(_save(torch, ref, tmp_path / "opt.pt", fmt))
    assert got["param_groups"] == ref["param_groups"]  # plain data: lists, floats, tuples
    assert list(got["state"]) == [0, 1]
    for i in (0, 1):
        for key in ("step", "exp_avg", "exp_avg_sq"):
            np.testing.assert_array_equal(got["state"][i][key].numpy(),
                                          ref["state"][i][key].numpy())
    assert got["state"][0]["step"].dtype == gk.float32 and got["state"][0]["step"].ndim == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_nested_containers_and_plain_data(torch, tmp_path, fmt):
    from collections import Counter, OrderedDict

    obj = {"list": [torch.ones(2), [torch.zeros(1, 2), {"deep": torch.arange(3)}]],
           "tuple": (torch.tensor(1.5), "s", 3, 2.5, None, True),
           "od": OrderedDict(b=torch.ones(1), a=1), "counter": Counter(x=2),
           "set": {1, 2}, "bytes": b"\x00\xff", "bytearray": bytearray(b"ab"), "complex": 1 + 2j,
           "size": torch.Size([2, 3]), "dtype": torch.float16, "device": torch.device("cpu"),
           7: "int key", ("a", 1): "tuple key", "big": 2 ** 70, "neg": -5, "inf": float("inf")}
    got = gk.load(_save(torch, obj, tmp_path / "n.pt", fmt))
    assert set(got) == set(obj)
    np.testing.assert_array_equal(got["list"][1][1]["deep"].numpy(), [0, 1, 2])
    assert got["list"][1][1]["deep"].dtype == gk.int64
    assert got["tuple"][1:] == ("s", 3, 2.5, None, True) and got["tuple"][0].item() == 1.5
    assert type(got["od"]) is OrderedDict and list(got["od"]) == ["b", "a"]
    assert got["counter"] == Counter(x=2) and got["set"] == {1, 2}
    assert got["bytes"] == b"\x00\xff" and got["bytearray"] == bytearray(b"ab")
    assert got["complex"] == 1 + 2j and got["big"] == 2 ** 70 and got["neg"] == -5
    assert isinstance(got["size"], gk.Size) and tuple(got["size"]) == (2, 3)
    assert got["dtype"] == gk.float16 and got["device"] == gk.device("cpu")
    assert got[7] == "int key" and got[("a", 1)] == "tuple key" and got["inf"] == float("inf")


@pytest.mark.parametrize("fmt", FORMATS)
def test_views_share_storage(torch, tmp_path, fmt):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    obj = {"base": base, "row": base[1], "col": base[:, 2], "T": base.T, "flat": base.view(-1),
           "tail": base.view(-1)[10:], "other": torch.ones(3)}
    got = gk.load(_save(torch, obj, tmp_path / "v.pt", fmt))
    for k, v in obj.items():
        np.testing.assert_array_equal(got[k].numpy(), v.numpy())
    arrays = {k: got[k].numpy() for k in obj}
    for k in ("row", "col", "T", "flat", "tail"):
        assert np.shares_memory(arrays["base"], arrays[k]), k
    assert not np.shares_memory(arrays["base"], arrays["other"])
    got["row"].add_(100.0)  # an in-place op through one view shows in the others, as in torch
    base[1].add_(100.0)
    for k in ("base", "col", "T", "flat", "tail"):
        np.testing.assert_array_equal(got[k].numpy(), obj[k].numpy())
    assert got["base"]._version == got["row"]._version > 0  # one version counter per storage


@pytest.mark.parametrize("fmt", FORMATS)
def test_non_contiguous_strides_are_kept(torch, tmp_path, fmt):
    x = torch.arange(60, dtype=torch.float64).reshape(3, 4, 5)
    obj = {"perm": x.permute(2, 0, 1), "step": x[:, ::2, 1::3], "expand": torch.ones(3, 1)
           .expand(3, 4), "offset": x[1:, 2:, 3:]}
    got = gk.load(_save(torch, obj, tmp_path / "s.pt", fmt))
    for k, v in obj.items():
        arr = got[k].numpy()
        np.testing.assert_array_equal(arr, v.numpy())
        assert tuple(s // arr.itemsize for s in arr.strides) == v.stride(), k
        assert got[k].is_contiguous() == v.is_contiguous()


ALL = ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", ALL)
def test_every_dtype_and_shape(torch, tmp_path, fmt, dtype):
    rng = np.random.default_rng(3)
    tensors = []
    for shape in [(), (0,), (2, 0, 3), (5,), (2, 3, 4)]:
        vals = rng.standard_normal(shape) * 50
        arr = (vals > 0) if dtype == "bool" else vals.astype(dtype)
        tensors.append(torch.from_numpy(np.ascontiguousarray(arr)))
    got = gk.load(_save(torch, tensors, tmp_path / "d.pt", fmt))
    for g, t in zip(got, tensors):
        assert g.dtype == np.dtype(dtype) and tuple(g.shape) == tuple(t.shape)
        np.testing.assert_array_equal(g.numpy(), t.numpy())


@pytest.mark.parametrize("fmt", FORMATS)
def test_bfloat16_loads_as_float32_with_one_warning(torch, tmp_path, fmt, monkeypatch):
    from gradkit import _torch_format

    # as without ml_dtypes (the bf16 extra): float32, exactly, with one warning
    monkeypatch.setattr(_torch_format, "_bf16_dtype", lambda: None)
    monkeypatch.setattr(_torch_format, "_warned_bf16", [False])
    t = torch.tensor([1.5, -3.25, 1e30, 2.0 ** -130], dtype=torch.bfloat16)
    path = _save(torch, {"a": t, "b": t[1:]}, tmp_path / "bf.pt", fmt)
    with pytest.warns(UserWarning, match="bfloat16 tensors are loaded as float32"):
        got = gk.load(path)
    assert got["a"].dtype == gk.float32
    np.testing.assert_array_equal(got["a"].numpy(), t.float().numpy())
    assert np.shares_memory(got["a"].numpy(), got["b"].numpy())
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gk.load(path)  # once per process


@pytest.mark.parametrize("fmt", FORMATS)
def test_parameters_and_requires_grad(torch, tmp_path, fmt):
    p = torch.nn.Parameter(torch.randn(2, 3))
    frozen = torch.nn.Parameter(torch.randn(2), requires_grad=False)
    leaf = torch.ones(2, requires_grad=True)
    got = gk.load(_save(torch, {"p": p, "frozen": frozen, "leaf": leaf, "plain": torch.ones(1)},
                        tmp_path / "p.pt", fmt))
    assert isinstance(got["p"], nn.Parameter) and got["p"].requires_grad
    assert isinstance(got["frozen"], nn.Parameter) and not got["frozen"].requires_grad
    assert not isinstance(got["leaf"], nn.Parameter) and got["leaf"].requires_grad
    assert not got["plain"].requires_grad
    np.testing.assert_array_equal(got["p"].detach().numpy(), p.detach().numpy())


def test_file_objects_and_archive_names(torch, tmp_path):
    buf = io.BytesIO()
    torch.save({"w": torch.arange(4)}, buf)  # archive named "archive/", not after the file
    buf.seek(0)
    assert gk.load(buf)["w"].tolist() == [0, 1, 2, 3]
    path = tmp_path / "weights.v2.pth"
    torch.save({"w": torch.arange(3)}, path)
    with open(path, "rb") as fh:
        assert gk.load(fh)["w"].tolist() == [0, 1, 2]
    raw = io.BytesIO(b"junk" + path.read_bytes())  # a file object not at offset 0
    raw.seek(4)
    assert gk.load(raw)["w"].tolist() == [0, 1, 2]
    loaded = gk.load(str(path), weights_only=False)
    assert loaded["w"].tolist() == [0, 1, 2]


@pytest.mark.parametrize("fmt", FORMATS)
def test_map_location(torch, tmp_path, fmt):
    path = _save(torch, {"a": torch.ones(2), "v": torch.ones(4)[1:]}, tmp_path / "m.pt", fmt)
    for loc in ("cpu", gk.device("cpu"), {"cpu": "cpu"}, lambda storage, loc: storage):
        got = gk.load(path, map_location=loc)
        assert got["a"].device == gk.device("cpu") and got["a"].tolist() == [1.0, 1.0]
    seen = []

    def fn(storage, location):
        seen.append((tuple(storage.shape), location))
        return storage

    gk.load(path, map_location=fn)
    assert sorted(seen) == [((2,), "cpu"), ((4,), "cpu")]
    if not gk.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            gk.load(path, map_location="cuda")
        with pytest.raises(RuntimeError, match="CUDA"):
            gk.load(path, map_location={"cpu": "cuda:0"})


def test_storage_saved_on_cuda_needs_map_location(torch, tmp_path):
    from gradkit import _torch_save

    class FakeCuda(_torch_save._Storages):
        def _new(self, array, location, dtype_name, ident=None):
            return super()._new(array, "cuda:0", dtype_name, ident)

    buf = io.BytesIO()
    orig = _torch_save._Storages
    _torch_save._Storages = FakeCuda
    try:
        gk.save({"w": gk.ones(3)}, buf, format="torch")
    finally:
        _torch_save._Storages = orig
    buf.seek(0)
    got = gk.load(io.BytesIO(buf.getvalue()), map_location="cpu")
    assert got["w"].tolist() == [1.0, 1.0, 1.0]
    got = gk.load(io.BytesIO(buf.getvalue()), map_location={"cuda:0": "cpu"})
    assert got["w"].device == gk.device("cpu")
    if not gk.cuda.is_available():
        with pytest.raises(RuntimeError, match="map_location='cpu'"):
            gk.load(io.BytesIO(buf.getvalue()))


def test_map_location_cuda_keeps_views_shared_on_the_device(torch, tmp_path):
    """With GRADKIT_FAKE_CUDA=1 (CuPy's CPU stand-in), map_location='cuda' moves each storage
    once and rebuilds the views on the device; saving again records 'cuda:0'."""
    import subprocess
    import sys

    for fmt in FORMATS:
        base = torch.arange(12.0).reshape(3, 4)
        _save(torch, {"a": base, "t": base.T, "p": torch.nn.Parameter(torch.ones(2))},
              tmp_path / f"c-{fmt}.pt", fmt)
    script = """
import sys, numpy as np, gradkit as gk
for path in sys.argv[1:3]:
    r = gk.load(path, map_location='cuda')
    assert r['a'].device == gk.device('cuda:0') and r['t'].is_cuda and r['p'].is_cuda
    assert type(r['t']._data) is not np.ndarray and np.shares_memory(r['a']._data, r['t']._data)
    assert isinstance(r['p'], gk.nn.Parameter)
    r['a'].add_(1)
    assert r['t'].cpu().tolist()[1] == [2.0, 6.0, 10.0]
    gk.save(r, sys.argv[3], format='torch')
    again = gk.load(sys.argv[3])  # saved from the device: restored there by default
    assert again['t'].is_cuda and again['t'].cpu().tolist()[1] == [2.0, 6.0, 10.0]
    assert not gk.load(sys.argv[3], map_location='cpu')['t'].is_cuda
print('ok')
"""
    out = tmp_path / "out.pt"
    env = dict(os.environ, GRADKIT_FAKE_CUDA="1")
    res = subprocess.run([sys.executable, "-c", script, str(tmp_path / "c-zip.pt"),
                          str(tmp_path / "c-legacy.pt"), str(out)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr
    got = torch.load(out, weights_only=True, map_location="cpu")
    assert got["t"].untyped_storage().data_ptr() == got["a"].untyped_storage().data_ptr()
    assert got["t"][1].tolist() == [2.0, 6.0, 10.0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_bfloat16_storages_load_as_bfloat16(torch, tmp_path, fmt):
    pytest.importorskip("ml_dtypes")
    t = torch.randn(4, 3).to(torch.bfloat16)
    path = _save(torch, {"a": t, "b": t[1:, ::2], "dt": torch.bfloat16}, tmp_path / "bf.pt", fmt)
    got = gk.load(path)
    assert got["a"].dtype is gk.bfloat16 and got["dt"] is gk.bfloat16
    assert got["a"].tolist() == t.tolist() and got["b"].tolist() == t[1:, ::2].tolist()


def test_empty_checkpoint_raises_eoferror_as_torch(tmp_path):
    # a save cut off before it wrote anything: PyTorch's unpickler raises EOFError, which
    # programs catch; gradkit's error is an EOFError too (and still a CheckpointError)
    torch = pytest.importorskip("torch")
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    for lib in (gk, torch):
        with pytest.raises(EOFError):
            lib.load(str(path))
        with pytest.raises(EOFError):
            lib.load(io.BytesIO())
    with pytest.raises(gk.serialization.CheckpointError, match="no bytes to read"):
        gk.load(str(path))
