"""``pickle.loads`` of pickles written by real PyTorch, under gradkit's import hook (``gradkit
run``): tensors of every dtype, views keeping their storage geometry, Parameters, tensors that
require grad, whole modules, optimizer state, Size/dtype/device/layout/memory format and
Generators load with the values and behaviour PyTorch gives them.

PyTorch writes in one subprocess (no gradkit); gradkit reads in another with the hook
installed; both describe what they hold in the same words (the same script), compared here."""

import ast
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import gradkit as gk

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CASES = textwrap.dedent('''
    import pickle, sys, json
    import torch

    def cases():
        torch.manual_seed(0)
        base = torch.arange(24.).reshape(4, 6)
        model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                    torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
        model(torch.randn(8, 3))  # running statistics
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        model(torch.randn(5, 3)).pow(2).sum().backward()
        opt.step()
        out = {
            "float32": torch.randn(2, 3), "float64": torch.randn(3, dtype=torch.float64),
            "float16": torch.randn(3).half(), "bfloat16": torch.randn(4).to(torch.bfloat16),
            "int64": torch.arange(5), "int32": torch.arange(3, dtype=torch.int32),
            "int8": torch.tensor([-3, 4], dtype=torch.int8), "uint8": torch.arange(4).byte(),
            "int16": torch.tensor([7, -7], dtype=torch.int16),
            "bool": torch.tensor([True, False, True]),
            "complex64": torch.randn(3, dtype=torch.complex64),
            "complex128": torch.randn(2, dtype=torch.complex128),
            "scalar": torch.tensor(2.5), "empty": torch.empty(0, 3),
            "column": base[:, 1], "transposed": base.t(), "tail": base.reshape(-1)[10:],
            "expanded": torch.ones(3, 1).expand(3, 4),
            "requires_grad": torch.randn(3, requires_grad=True),
            "nonleaf": torch.randn(3, requires_grad=True) * 2,
            "parameter": torch.nn.Parameter(torch.randn(2, 2)),
            "frozen_parameter": torch.nn.Parameter(torch.randn(2), requires_grad=False),
            "pair": [base, base[1]], "same_twice": [base, base],
            "size": torch.Size([2, 3]), "dtype": torch.float16, "device": torch.device("cpu"),
            "strided": torch.strided, "channels_last": torch.channels_last,
            "generator": torch.Generator().manual_seed(7),
            "model": model, "optimizer_state": opt.state_dict(),
            "optimizer": (model, opt, torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)),
        }
        return out

    def describe(x):
        if isinstance(x, torch.Tensor):
            v = x.detach()
            if v.dtype == torch.bfloat16:
                v = v.float()
            return {"tensor": type(x).__name__, "dtype": str(x.dtype).split(".")[-1],
                    "shape": list(x.shape), "stride": list(x.stride()),
                    "offset": x.storage_offset(), "requires_grad": x.requires_grad,
                    "is_leaf": x.is_leaf, "storage": x.untyped_storage().nbytes(),
                    "values": repr(v.tolist())}
        if isinstance(x, torch.Size):
            return {"size": list(x)}
        if isinstance(x, (torch.dtype, torch.device, torch.layout, torch.memory_format)):
            return {type(x).__name__.lower(): str(x).split(".")[-1]}
        if isinstance(x, torch.Generator):
            return {"generator": x.initial_seed(),
                    "draws": repr(torch.randn(4, generator=x).tolist())}
        if isinstance(x, torch.nn.Module):
            x.eval()
            inp = torch.linspace(-1, 1, 6).reshape(2, 3)
            out = x(inp)
            x.zero_grad()
            out.sum().backward()
            return {"module": type(x).__name__, "children": [type(c).__name__ for c in x],
                    "params": [n for n, _ in x.named_parameters()],
                    "state": {k: describe(v) for k, v in x.state_dict().items()},
                    "out": describe(out.detach()), "grad": describe(x[0].weight.grad)}
        if isinstance(x, tuple) and len(x) == 3 and isinstance(x[1], torch.optim.Optimizer):
            model, opt, sched = x  # three more steps of training, the rate halved every two
            lrs = []
            for _ in range(3):
                opt.zero_grad()
                model(torch.linspace(-1, 1, 6).reshape(2, 3)).pow(2).sum().backward()
                opt.step()
                sched.step()
                lrs.append(opt.param_groups[0]["lr"])
            return {"optimizer": type(opt).__name__, "lrs": lrs,
                    "shares_params": opt.param_groups[0]["params"][0] is model[0].weight,
                    "step": describe(opt.state[model[0].weight]["step"]),
                    "weights": describe(model[0].weight.detach())}
        if isinstance(x, dict):
            return {str(k): describe(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            if len(x) == 2 and all(isinstance(t, torch.Tensor) for t in x):
                first = describe(x[0])
                x[0].view(-1)[1] = 100  # a write through the first: does the second see it?
                return {"items": [first, describe(x[1])], "same": x[0] is x[1]}
            return [describe(v) for v in x]
        return repr(x)

    mode, path = sys.argv[1], sys.argv[2]
    if mode == "write":
        blobs = {k: pickle.dumps(v).hex() for k, v in cases().items()}
        json.dump(blobs, open(path + ".pkl.json", "w"))
        objs = {k: pickle.loads(bytes.fromhex(b)) for k, b in blobs.items()}
    else:
        objs = {}
        for k, b in json.load(open(path + ".pkl.json")).items():
            try:
                objs[k] = pickle.loads(bytes.fromhex(b))
            except Exception as exc:
                objs[k] = "failed: %s: %s" % (type(exc).__name__, exc)
    json.dump({k: describe(v) for k, v in objs.items()}, open(path + "." + mode + ".json", "w"))
''')


def _run(script, mode, path, hook):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    if hook:
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        cmd = [sys.executable, "-c", "import gradkit.compat.hook as h; h.install(); "
               "import sys; sys.argv = sys.argv[1:]; exec(open(sys.argv[0]).read())",
               script, mode, path]
    else:
        cmd = [sys.executable, script, mode, path]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300,
                          cwd=os.path.dirname(path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(f"{path}.{mode}.json") as fh:
        return json.load(fh)


def _both(folder, writer_is_gradkit):
    script = str(folder / "cases.py")
    with open(script, "w") as fh:
        fh.write(CASES)
    path = str(folder / "objs")
    wrote = _run(script, "write", path, hook=writer_is_gradkit)
    return wrote, _run(script, "read", path, hook=not writer_is_gradkit)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    pytest.importorskip("torch")
    return _both(tmp_path_factory.mktemp("pickles"), writer_is_gradkit=False)


@pytest.fixture(scope="module")
def reverse(tmp_path_factory):
    pytest.importorskip("torch")
    return _both(tmp_path_factory.mktemp("gradkit_pickles"), writer_is_gradkit=True)


CASE_NAMES = [
    "float32", "float64", "float16", "bfloat16", "int64", "int32", "int8", "uint8", "int16",
    "bool", "complex64", "complex128", "scalar", "empty", "column", "transposed",
    "tail", "expanded", "requires_grad", "nonleaf", "parameter", "frozen_parameter", "pair",
    "same_twice", "size", "dtype", "device", "strided", "channels_last", "generator", "model",
    "optimizer_state", "optimizer"]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_pytorch_pickle_loads_under_the_hook(both, name):
    torch_side, gradkit_side = both
    # a loaded module computes with gradkit's kernels: its outputs and gradients to float32
    # rounding, everything else exactly
    _same(gradkit_side[name], torch_side[name], exact=name not in ("model", "optimizer"))


# what gradkit pickles under gradkit run is PyTorch's form, read by PyTorch (an optimizer
# pickles its gradkit state, which PyTorch's does not take)
@pytest.mark.parametrize("name", [n for n in CASE_NAMES if n != "optimizer"])
def test_gradkit_run_pickle_loads_in_pytorch(reverse, name):
    gradkit_side, torch_side = reverse
    _same(torch_side[name], gradkit_side[name], exact=name not in ("model", "optimizer"))


def _same(got, expected, exact, where="x"):
    if isinstance(expected, dict) and isinstance(got, dict):
        assert sorted(got) == sorted(expected), where
        for k in expected:
            if k == "values" and not exact:
                np.testing.assert_allclose(np.array(ast.literal_eval(got[k])),
                                           np.array(ast.literal_eval(expected[k])),
                                           rtol=1e-5, atol=1e-6, err_msg=where)
            else:
                _same(got[k], expected[k], exact, f"{where}[{k!r}]")
    else:
        assert got == expected, where


def _legacy_pickle_of(obj_pickle: bytes) -> bytes:
    """A legacy ``torch.save`` stream (the bytes ``_load_from_bytes`` reads) whose main pickle
    is ``obj_pickle`` and which holds no storages."""
    import pickle

    from gradkit._torch_format import MAGIC_NUMBER, PROTOCOL_VERSION

    info = {"protocol_version": PROTOCOL_VERSION, "little_endian": True,
            "type_sizes": {"short": 2, "int": 4, "long": 4}}
    head = b"".join(pickle.dumps(x, protocol=2) for x in (MAGIC_NUMBER, PROTOCOL_VERSION, info))
    return head + obj_pickle + pickle.dumps([], protocol=2)


def test_load_from_bytes_runs_nothing_the_bytes_name():
    import pickle

    from gradkit._storage import _load_from_bytes
    from gradkit.serialization import CheckpointError

    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with pytest.raises((pickle.UnpicklingError, CheckpointError), match="os|system|posix"):
        _load_from_bytes(_legacy_pickle_of(pickle.dumps(Boom(), protocol=2)))


def test_load_from_bytes_refuses_what_is_not_a_storage():
    import pickle

    from gradkit._storage import _load_from_bytes

    with pytest.raises(TypeError, match="not a storage"):
        _load_from_bytes(_legacy_pickle_of(pickle.dumps([1, 2], protocol=2)))
    with pytest.raises(TypeError, match="expected the storage's bytes"):
        _load_from_bytes("abc")


def test_rebuild_refuses_a_storage_that_is_not_one():
    from gradkit import _utils

    with pytest.raises(TypeError, match="_rebuild_tensor_v2: the storage is a list"):
        _utils._rebuild_tensor_v2([1.0, 2.0], 0, (2,), (1,), False, None)


def test_generator_keeps_its_own_pickle():
    import pickle

    import gradkit as gk

    g = gk.Generator().manual_seed(5)
    gk.randn(3, generator=g)
    h = pickle.loads(pickle.dumps(g))
    np.testing.assert_array_equal(gk.randn(4, generator=h).numpy(),
                                  gk.randn(4, generator=g).numpy())


def test_gradkit_pickles_name_gradkit_outside_gradkit_run():
    import pickle

    import gradkit as gk

    for obj in (gk.ones(2), gk.nn.Parameter(gk.ones(2)), gk.float16, gk.device("cpu"),
                gk.Generator(), gk.ones(2, dtype=gk.complex64)):
        blob = pickle.dumps(obj)
        assert b"torch" not in blob, obj
        back = pickle.loads(blob)
        assert type(back) is type(obj)


def test_gradkit_run_pickles_are_pytorchs_only_while_the_hook_is_installed():
    code = ("import pickle, gradkit.compat.hook as h; h.install(); import torch; "
            "a = pickle.dumps(torch.ones(2)); h.uninstall(); import gradkit; "
            "b = pickle.dumps(gradkit.ones(2)); "
            "print(b'torch._utils' in a, b'torch' in b)")
    env = dict(os.environ, PYTHONPATH=ROOT, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.stdout.split() == ["True", "False"], out.stderr[-2000:]


INTERCEPT = textwrap.dedent('''
    import io, json, pickle, sys
    import torch

    class Unpickler(pickle.Unpickler):  # as skorch's: storages through torch.load, to the CPU
        def find_class(self, module, name):
            if (module, name) == ("torch.storage", "_load_from_bytes"):
                return lambda b: torch.load(io.BytesIO(b), map_location="cpu",
                                            weights_only=False)
            return super().find_class(module, name)

    path = sys.argv[2]
    if sys.argv[1] == "write":
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
        with open(path, "wb") as fh:
            pickle.dump({"net": net, "w": net[0].weight[:, 1:]}, fh)
    with open(path, "rb") as fh:
        obj = Unpickler(fh).load()
    out = obj["net"](torch.linspace(-1, 1, 6).reshape(2, 3))
    w = obj["w"]
    print(json.dumps({"out": out.tolist(), "w": repr(w.tolist()), "stride": list(w.stride()),
                      "offset": w.storage_offset(), "storage": w.untyped_storage().nbytes()}))
''')


def test_an_unpickler_loading_storages_with_torch_load(tmp_path):
    # skorch's NeuralNet.__setstate__ unpickles with torch.storage._load_from_bytes replaced by
    # torch.load of the bytes: under gradkit run, that gives the storage PyTorch's would
    pytest.importorskip("torch")
    script = tmp_path / "intercept.py"
    script.write_text(INTERCEPT)
    path = str(tmp_path / "net.pkl")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    wrote = subprocess.run([sys.executable, str(script), "write", path], capture_output=True,
                           text=True, env=env, timeout=300)
    assert wrote.returncode == 0, wrote.stderr[-2000:]
    env["PYTHONPATH"] = ROOT
    read = subprocess.run([sys.executable, "-c", "import gradkit.compat.hook as h; h.install(); "
                           "import sys; sys.argv = sys.argv[1:]; exec(open(sys.argv[0]).read())",
                           str(script), "read", path], capture_output=True, text=True, env=env,
                          timeout=300)
    assert read.returncode == 0, read.stderr[-2000:]
    got, expected = json.loads(read.stdout), json.loads(wrote.stdout)
    np.testing.assert_allclose(got.pop("out"), expected.pop("out"), rtol=1e-6, atol=1e-7)
    assert got == expected  # the view: values, strides, offset, its whole storage


def test_load_of_a_saved_storage_gives_a_storage(tmp_path):
    torch = pytest.importorskip("torch")
    import gradkit as gk

    path = tmp_path / "s.pt"
    torch.save(torch.arange(4.0, dtype=torch.float64).storage(), path)
    expected = torch.load(path)
    got = gk.load(path)
    assert type(got).__name__ == type(expected).__name__ == "TypedStorage"
    assert got.tolist() == expected.tolist() and str(got.dtype)[-7:] == str(expected.dtype)[-7:]


def test_a_small_view_of_a_big_storage_pickles_its_span_only():
    # PyTorch pickles a view with its whole storage; gradkit run does so up to 1 MiB, beyond
    # which a view spanning under a quarter of it takes only its span (a dataset's sample)
    import gradkit as gk
    from gradkit._utils import _rebuild_tensor_v2, torch_reduce

    big = gk.arange(1 << 19, dtype=gk.float32).reshape(-1, 8)  # 2 MiB
    view = big[100:103, 1::3]
    func, args = torch_reduce(view)
    assert args[0].flat.size == 2 * 8 + 2 * 3 + 1 and args[1:4] == (0, (3, 3), (8, 3))
    back = func(*args)
    np.testing.assert_array_equal(back.numpy(), view.numpy())
    half = big[: (1 << 16)]  # half of the storage: whole, as PyTorch
    _, args = torch_reduce(half)
    assert args[0].flat.size == 1 << 19
    small = gk.arange(24.0)[5:7]
    _, args = torch_reduce(small)
    assert args[0].flat.size == 24 and args[1] == 5
    assert _rebuild_tensor_v2(*args).tolist() == [5.0, 6.0]


def test_getstate_is_torchs(torch):
    """``Tensor.__getstate__`` (which code saving its own objects calls) is PyTorch's: None, or a
    subclass's own attributes; it raised TypeError saying tensors cannot be pickled."""
    class Tagged(gk.Tensor):
        pass

    class TorchTagged(torch.Tensor):
        pass

    assert gk.ones(2).__getstate__() is None and torch.ones(2).__getstate__() is None
    g, t = gk.ones(2).as_subclass(Tagged), torch.ones(2).as_subclass(TorchTagged)
    g.tag = t.tag = "kept"
    assert g.__getstate__() == t.__getstate__() == {"tag": "kept"}
