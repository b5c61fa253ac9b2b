"""gradkit.save(..., format="torch"): files that torch.load(weights_only=True) reads with equal
values (views sharing one storage, strides, dtypes, Parameters, containers), in the zip and the
legacy format; whole-Module pickles follow PyTorch 2.6's weights_only contract."""

import io
import os

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn
from gradkit.serialization import CheckpointError

FORMATS = ["zip", "legacy"]


def _write(obj, path, fmt):
    gk.save(obj, path, format="torch", _use_new_zipfile_serialization=(fmt == "zip"))
    return path


def _gmodel():
    gk.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Flatten(), nn.Linear(4 * 5 * 5, 3))


def _tmodel(torch):
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                               torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4 * 5 * 5, 3))


@pytest.mark.parametrize("fmt", FORMATS)
def test_state_dict_loads_in_torch_with_the_same_outputs(torch, tmp_path, fmt):
    g = _gmodel()
    g(gk.randn(6, 3, 5, 5) * 2 + 1)  # running statistics
    g.eval()
    path = _write(g.state_dict(), tmp_path / "m.pt", fmt)
    sd = torch.load(path, weights_only=True)
    for k, v in g.state_dict().items():
        assert str(sd[k].dtype) == str(v.dtype).replace("gradkit.", "torch.")
        np.testing.assert_array_equal(sd[k].numpy(), v.numpy())
    t = _tmodel(torch)
    t.load_state_dict(sd)
    t.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5)).astype(np.float32)
    with torch.no_grad():
        expected = t(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(expected, g(gk.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
def test_views_are_one_storage_in_torch(torch, tmp_path, fmt):
    base = gk.arange(24, dtype=gk.float32).reshape(4, 6)
    obj = {"base": base, "row": base[1], "T": base.T, "step": base[:, ::2], "tail":
           base.reshape(-1)[10:], "expand": gk.ones(3, 1).expand(3, 4), "flip":
           gk.tensor(np.arange(5.0)[::-1])}
    got = torch.load(_write(obj, tmp_path / "v.pt", fmt), weights_only=True)
    for k, v in obj.items():
        np.testing.assert_array_equal(got[k].numpy(), v.numpy())
        if k != "flip":  # NumPy's negative strides have no PyTorch form: stored as a copy
            arr = v.numpy()
            assert got[k].stride() == tuple(s // arr.itemsize for s in arr.strides), k
    ptr = got["base"].untyped_storage().data_ptr()
    for k in ("row", "T", "step", "tail"):
        assert got[k].untyped_storage().data_ptr() == ptr, k
    got["row"].add_(100)
    np.testing.assert_array_equal(got["T"].numpy(), got["base"].numpy().T)
    assert got["base"][1, 0].item() == 106.0
    # and back into gradkit: still one array
    again = gk.load(_write(obj, tmp_path / "v2.pt", fmt))
    assert np.shares_memory(again["base"].numpy(), again["T"].numpy())


DTYPES = ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_in_torch(torch, tmp_path, fmt, dtype):
    rng = np.random.default_rng(1)
    objs = []
    for shape in [(), (0,), (3, 0), (7,), (2, 3, 4)]:
        vals = rng.standard_normal(shape) * 40
        objs.append(gk.tensor((vals > 0) if dtype == "bool" else vals.astype(dtype)))
    got = torch.load(_write(objs, tmp_path / "d.pt", fmt), weights_only=True)
    for g, t in zip(objs, got):
        assert str(t.dtype) == f"torch.{dtype}" and tuple(t.shape) == tuple(g.shape)
        np.testing.assert_array_equal(t.numpy(), g.numpy())
    back = gk.load(tmp_path / "d.pt")
    for g, b in zip(objs, back):
        assert b.dtype == g.dtype
        np.testing.assert_array_equal(b.numpy(), g.numpy())


@pytest.mark.parametrize("fmt", FORMATS)
def test_containers_parameters_and_plain_data_in_torch(torch, tmp_path, fmt):
    from collections import OrderedDict

    p = nn.Parameter(gk.randn(2, 2))
    frozen = nn.Parameter(gk.ones(2), requires_grad=False)
    obj = {"p": p, "frozen": frozen, "again": p, "od": OrderedDict(b=1, a=[gk.zeros(1), (2.5,)]),
           "size": gk.ones(2, 3).shape, "dtype": gk.float16, "device": gk.device("cpu"),
           3: None, "s": "text", "b": b"\x01\x02", "set": {1, 2}, "grad": gk.ones(2)
           .requires_grad_(), "epoch": 4, "lr": 1e-3}
    got = torch.load(_write(obj, tmp_path / "c.pt", fmt), weights_only=True)
    assert isinstance(got["p"], torch.nn.Parameter) and got["p"].requires_grad
    assert isinstance(got["frozen"], torch.nn.Parameter) and not got["frozen"].requires_grad
    assert got["again"] is got["p"]
    np.testing.assert_array_equal(got["p"].detach().numpy(), p.detach().numpy())
    assert type(got["od"]) is OrderedDict and list(got["od"]) == ["b", "a"]
    assert got["od"]["a"][1] == (2.5,) and got["od"]["a"][0].tolist() == [0.0]
    assert got["size"] == torch.Size([2, 3]) and isinstance(got["size"], torch.Size)
    assert got["dtype"] is torch.float16 and got["device"] == torch.device("cpu")
    assert got[3] is None and got["s"] == "text" and got["b"] == b"\x01\x02"
    assert got["set"] == {1, 2} and got["grad"].requires_grad and got["epoch"] == 4
    back = gk.load(tmp_path / "c.pt")
    assert isinstance(back["p"], nn.Parameter) and back["again"] is back["p"]
    assert back["size"] == gk.Size([2, 3]) and back["dtype"] == gk.float16


def test_optimizer_state_dict_round_trips_through_torch(torch, tmp_path):
    g = nn.Linear(3, 2)
    opt = gk.optim.Adam(g.parameters(), lr=1e-2)
    for _ in range(2):
        opt.zero_grad()
        g(gk.randn(4, 3)).pow(2).sum().backward()
        opt.step()
    path = tmp_path / "opt.pt"
    gk.save({"model": g.state_dict(), "optim": opt.state_dict()}, path, format="torch")
    t = torch.nn.Linear(3, 2)
    topt = torch.optim.Adam(t.parameters(), lr=1e-2)
    ck = torch.load(path, weights_only=True)
    t.load_state_dict(ck["model"])
    topt.load_state_dict(ck["optim"])
    g2 = nn.Linear(3, 2)
    opt2 = gk.optim.Adam(g2.parameters(), lr=1e-2)
    ck2 = gk.load(path)
    g2.load_state_dict(ck2["model"])
    opt2.load_state_dict(ck2["optim"])
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    for _ in range(2):  # the training continues identically in both libraries
        topt.zero_grad()
        t(torch.from_numpy(x)).pow(2).sum().backward()
        topt.step()
        opt2.zero_grad()
        g2(gk.tensor(x)).pow(2).sum().backward()
        opt2.step()
    np.testing.assert_allclose(g2.weight.detach().numpy(), t.weight.detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_file_objects_and_atomic_paths(torch, tmp_path):
    buf = io.BytesIO()
    gk.save({"w": gk.arange(3)}, buf, format="torch")
    buf.seek(0)
    assert torch.load(buf, weights_only=True)["w"].tolist() == [0, 1, 2]
    path = tmp_path / "x.pt"
    path.write_bytes(b"old")
    gk.save({"w": gk.arange(2)}, path, format="torch")
    assert torch.load(path, weights_only=True)["w"].tolist() == [0, 1]
    assert [p.name for p in tmp_path.iterdir()] == ["x.pt"]  # no temporary file left
    with pytest.raises(ValueError, match="format must be"):
        gk.save({"w": gk.ones(1)}, tmp_path / "y", format="pickle")


def test_records_are_aligned_like_torch(tmp_path):
    import struct
    import zipfile

    path = _write({"a": gk.ones(3), "b": gk.zeros(5, dtype=gk.int64)}, tmp_path / "a.pt", "zip")
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names[0] == "archive/data.pkl" and "archive/version" in names
        assert zf.read("archive/byteorder") == b"little"
        for info in zf.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            n, e = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
            assert (info.header_offset + 30 + n + e) % 64 == 0, info.filename


@pytest.mark.parametrize("fmt", FORMATS)
def test_non_leaf_tensor_requiring_grad_is_written_as_torch_writes_it(torch, tmp_path, fmt):
    # torch.save({"loss": loss}) of the saving tutorial: PyTorch writes the data and
    # requires_grad (only its multiprocessing pickler refuses a non-leaf)
    x = gk.ones(2, requires_grad=True) * 2
    t = torch.ones(2, requires_grad=True) * 2
    torch.save({"x": t}, tmp_path / "t.pt", _use_new_zipfile_serialization=(fmt == "zip"))
    want = torch.load(tmp_path / "t.pt", weights_only=True)["x"]
    got = torch.load(_write({"x": x}, tmp_path / "n.pt", fmt), weights_only=True)["x"]
    assert (got.requires_grad, got.is_leaf) == (want.requires_grad, want.is_leaf) == (True, True)
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    back = gk.load(tmp_path / "n.pt", weights_only=True)["x"]
    assert back.requires_grad and back.is_leaf and back.tolist() == [2.0, 2.0]


# ------------------------------------------------------------------ whole modules
class Marker(nn.Module):
    """A module whose construction leaves a trace, to show when loading runs code."""

    created = []

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def __setstate__(self, state):
        Marker.created.append(1)
        self.__dict__.update(state)

    def forward(self, x):
        return self.fc(x)


def test_whole_gradkit_module_follows_the_weights_only_contract(torch, tmp_path):
    model = Marker()
    path = tmp_path / "model.pt"
    gk.save(model, path, format="torch")
    Marker.created.clear()
    with pytest.raises(CheckpointError, match=r"(?s)Weights only load failed.*test_torch_write"
                       r"\.Marker.*weights_only=False") as info:
        gk.load(path)
    assert str(path) in str(info.value) and Marker.created == []
    with pytest.raises(Exception, match="Weights only load failed"):
        torch.load(path, weights_only=True)  # PyTorch refuses it too
    assert Marker.created == []
    back = gk.load(path, weights_only=False)
    assert Marker.created == [1] and isinstance(back, Marker)
    assert isinstance(back.fc.weight, nn.Parameter) and back.fc.weight.requires_grad
    x = gk.randn(4, 3)
    np.testing.assert_array_equal(back(x).detach().numpy(), model(x).detach().numpy())
    with pytest.raises(TypeError, match="no pickle"):  # the default format stays pickle-free
        gk.save(model, tmp_path / "model.safetensors")


def test_whole_torch_module_needs_weights_only_false(torch, tmp_path):
    path = tmp_path / "torch_model.pt"
    torch.save(torch.nn.Linear(2, 2), path)
    with pytest.raises(CheckpointError, match=r"(?s)Unsupported global.*torch\.nn\.modules\."
                       r"linear\.Linear.*state_dict") as info:
        gk.load(path)
    assert os.fspath(path) in str(info.value)
    assert isinstance(gk.load(path, weights_only=False), nn.Linear)  # (test_torch_pickled_models)


def test_torch_save_in_a_gradkit_run_program_loads_in_pytorch(torch, tmp_path):
    """Under ``gradkit run``, ``torch.save`` is gradkit.save: its default there is PyTorch's
    format, so a checkpoint the program writes loads in PyTorch (outside it, safetensors)."""
    import subprocess
    import sys

    prog = tmp_path / "prog.py"
    prog.write_text(
        "import torch\n"
        "torch.manual_seed(0)\n"
        "m = torch.nn.Linear(3, 2)\n"
        "opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)\n"
        "m(torch.randn(4, 3)).sum().backward(); opt.step()\n"
        "torch.save({'model': m.state_dict(), 'opt': opt.state_dict(), 'epoch': 3}, 'ck.pt')\n"
        "print(torch.load('ck.pt')['epoch'])\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, "-m", "gradkit", "run", str(prog)], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["3"]
    ck = torch.load(tmp_path / "ck.pt", weights_only=True)
    assert ck["epoch"] == 3
    gk.manual_seed(0)
    g = nn.Linear(3, 2)
    np.testing.assert_array_equal(ck["model"]["bias"].numpy().shape, (2,))
    opt = gk.optim.SGD(g.parameters(), lr=0.1, momentum=0.9)
    g(gk.randn(4, 3)).sum().backward()
    opt.step()
    for k, v in g.state_dict().items():
        np.testing.assert_array_equal(ck["model"][k].numpy(), v.numpy())
    assert set(ck["opt"]["state"]) == {0, 1}
    # outside gradkit run the default stays safetensors
    gk.save({"w": gk.ones(2)}, tmp_path / "plain.pt")
    assert not __import__("zipfile").is_zipfile(tmp_path / "plain.pt")
