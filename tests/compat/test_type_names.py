"""The names gradkit's classes show: ``gradkit.Tensor`` where PyTorch shows ``torch.Tensor`` (not
the private file that defines it), PyTorch's own dotted names under ``gradkit run``'s import hook,
and pickles and checkpoints that find the classes by either name."""

import importlib
import io
import pickle
import sys

import pytest

import gradkit as gk
from gradkit.compat import hook, typenames

# the public classes of PyTorch's namespaces gradkit shows by its own module path
_NAMESPACES = ("torch", "torch.nn", "torch.nn.parameter", "torch.optim", "torch.optim.lr_scheduler",
               "torch.utils.data", "torch.distributions", "torch.distributions.transforms",
               "torch.nn.utils.rnn", "torch.autograd", "torch.autograd.function", "torch.amp",
               "torch.overrides", "torch.multiprocessing", "torch.fx")
# PyTorch's C-level names (torch._C.Generator) gradkit has no C extension to show (torch.Future
# is torch._C.Future, the C base of torch.futures.Future, which gradkit gives for both)
_C_LEVEL = {("torch", "Generator"), ("torch.random", "Generator"),
            ("torch.profiler", "ProfilerActivity"), ("torch.nn.attention", "SDPBackend"),
            ("torch", "Future")}


def _torch_classes(torch):
    out = {}
    for name in _NAMESPACES:
        mod = importlib.import_module(name)
        for attr in dir(mod):
            obj = getattr(mod, attr, None)
            if not attr.startswith("_") and isinstance(obj, type) and \
                    obj.__module__.split(".")[0] == "torch" and (name, attr) not in _C_LEVEL:
                out[name, attr] = f"{obj.__module__}.{obj.__qualname__}"
    return out


def test_public_classes_show_their_public_path_as_pytorch_does():
    torch = pytest.importorskip("torch")
    for name in ("Tensor", "Size", "dtype", "device", "memory_format", "finfo", "iinfo",
                 "LongTensor", "FloatTensor", "UntypedStorage"):
        ours, theirs = getattr(gk, name), getattr(torch, name)
        if theirs.__module__ == "torch":
            assert f"{ours.__module__}.{ours.__qualname__}" == f"gradkit.{name}", name
    assert repr(type(gk.zeros(1))) == "<class 'gradkit.Tensor'>"
    assert repr(type(gk.float32)) == "<class 'gradkit.dtype'>"
    assert repr(type(gk.device("cpu"))) == "<class 'gradkit.device'>"
    assert repr(gk.Generator) == "<class 'gradkit.Generator'>"
    assert gk.overrides.TorchFunctionMode.__module__ == "gradkit.overrides"


def test_renamed_classes_and_their_instances_pickle():
    for cls in (gk.Tensor, gk.Size, gk.dtype, gk.device, gk.Generator, gk.memory_format,
                gk.finfo, gk.LongTensor, gk.UntypedStorage, gk.optim.lr_scheduler.StepLR,
                gk.optim.lr_scheduler.ReduceLROnPlateau, gk.overrides.TorchFunctionMode):
        assert pickle.loads(pickle.dumps(cls)) is cls
    t = gk.arange(6.0).reshape(2, 3)
    assert gk.equal(pickle.loads(pickle.dumps(t)), t)
    assert pickle.loads(pickle.dumps(t.shape)) == t.shape
    assert pickle.loads(pickle.dumps(gk.device("cpu"))) == gk.device("cpu")
    assert pickle.loads(pickle.dumps(gk.float16)) is gk.float16
    # pickles that name the defining files (written before) still load
    for module, name, obj in (("gradkit._tensor.tensor", "Tensor", gk.Tensor),
                              ("gradkit._tensor.tensor", "Size", gk.Size),
                              ("gradkit._dtype", "dtype", gk.dtype),
                              ("gradkit.device", "Device", gk.device),
                              ("gradkit.optim.lr_scheduler._schedules", "StepLR",
                               gk.optim.lr_scheduler.StepLR)):
        assert pickle.loads(b"\x80\x02c" + f"{module}\n{name}\n".encode() + b".") is obj


def test_class_names_under_the_hook_are_pytorchs():
    torch = pytest.importorskip("torch")
    want = _torch_classes(torch)
    hook.install()
    try:
        got = {}
        for (name, attr), shown in want.items():
            mod = importlib.import_module(name)  # gradkit's, through the hook
            obj = getattr(mod, attr, None)
            if isinstance(obj, type):
                got[name, attr] = f"{obj.__module__}.{obj.__qualname__}"
                # pickle finds every renamed class by its new name
                assert pickle.loads(pickle.dumps(obj)) is obj, shown
        differ = {k: (want[k], v) for k, v in got.items() if v != want[k]}
        assert not differ
        assert len(got) > 300
        x = sys.modules["torch"].zeros(2)
        assert repr(type(x)) == "<class 'torch.Tensor'>" and repr(x) == "tensor([0., 0.])"
    finally:
        hook.uninstall()
    # the names come back when the hook goes
    assert gk.nn.Flatten.__module__ == "gradkit.nn.modules.linear"
    assert gk.Tensor.__module__ == "gradkit" and gk.optim.AdamW.__module__ == "gradkit.optim.adam"
    assert not typenames.active()


def test_linalg_error_shows_pytorchs_c_name_under_the_hook():
    # torch.linalg.LinAlgError is torch._C._LinAlgError: programs print type(e).__name__
    torch = pytest.importorskip("torch")
    theirs = torch.linalg.LinAlgError
    hook.install()
    try:
        ours = importlib.import_module("torch.linalg").LinAlgError
        assert (ours.__module__, ours.__name__, ours.__qualname__) == \
            (theirs.__module__, theirs.__name__, theirs.__qualname__)
        assert pickle.loads(pickle.dumps(ours)) is ours
        try:
            sys.modules["torch"].linalg.inv(sys.modules["torch"].zeros(2, 2))
        except ours as e:
            assert type(e).__name__ == "_LinAlgError"
    finally:
        hook.uninstall()
    assert gk.linalg.LinAlgError.__name__ == "LinAlgError"
    assert gk.linalg.LinAlgError.__module__ == "gradkit.ops.linalg"


def test_whole_model_saved_under_the_hook_loads_with_and_without_it():
    hook.install()
    try:
        torch = importlib.import_module("torch")
        model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Flatten(),
                                    torch.nn.LazyLinear(2))
        model(torch.ones(1, 3))
        buf = io.BytesIO()
        torch.save(model, buf)
        back = torch.load(io.BytesIO(buf.getvalue()), weights_only=False)
        assert repr(type(back[1])) == "<class 'torch.nn.modules.flatten.Flatten'>"
        assert torch.equal(back(torch.ones(1, 3)), model(torch.ones(1, 3)))
        # a class allowed by the user for weights_only loads matches by either name
        state = {"w": model[0].weight, "size": torch.Size([2])}
        buf2 = io.BytesIO()
        torch.save(state, buf2)
    finally:
        hook.uninstall()
    # the file names gradkit's modules, as files written before did (and loads as they do)
    import zipfile

    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        data = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
    assert b"gradkit.nn.modules.linear\nFlatten" in data and b"torch.nn.modules" not in data
    back = gk.load(io.BytesIO(buf.getvalue()), weights_only=False)
    assert type(back) is gk.nn.Sequential and type(back[1]) is gk.nn.Flatten
    assert gk.equal(back(gk.ones(1, 3)), model(gk.ones(1, 3)))
    loaded = gk.load(io.BytesIO(buf2.getvalue()))
    assert loaded["size"] == gk.Size([2]) and type(loaded["w"]) is gk.nn.Parameter


def test_safe_globals_name_a_class_by_either_name(tmp_path):
    class_ = gk.nn.Identity
    hook.install()
    try:
        torch = importlib.import_module("torch")
        buf = io.BytesIO()
        torch.save({"layer": torch.nn.Identity()}, buf)
        with torch.serialization.safe_globals([torch.nn.Identity]):
            back = torch.load(io.BytesIO(buf.getvalue()))
        assert type(back["layer"]) is class_
    finally:
        hook.uninstall()
    with gk.serialization.safe_globals([gk.nn.Identity]):
        assert type(gk.load(io.BytesIO(buf.getvalue()))["layer"]) is class_


def test_legacy_tensor_and_storage_types_print_as_their_library():
    torch = pytest.importorskip("torch")
    for name in ("LongTensor", "FloatTensor", "FloatStorage", "LongStorage"):
        assert repr(getattr(gk, name)) == repr(getattr(torch, name)).replace("torch", "gradkit")
    assert repr(gk.sparse.FloatTensor) == "<class 'gradkit.sparse.FloatTensor'>"
    hook.install()
    try:
        shown = importlib.import_module("torch")
        for name in ("LongTensor", "FloatTensor", "FloatStorage", "LongStorage"):
            assert repr(getattr(shown, name)) == repr(getattr(torch, name))
            assert pickle.loads(pickle.dumps(getattr(shown, name))) is getattr(shown, name)
        assert repr(shown.sparse.FloatTensor) == "<class 'torch.sparse.FloatTensor'>"
    finally:
        hook.uninstall()


def test_modules_imported_on_first_use_show_pytorchs_names_too():
    import subprocess

    code = ("from gradkit.compat import hook\nhook.install()\nimport torch\n"
            "print(torch.fx.GraphModule, torch.profiler.profile)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["<class", "'torch.fx.graph_module.GraphModule'>", "<class",
                           "'torch.profiler.profiler.profile'>"]


def test_importing_a_submodule_alias_keeps_the_package_attribute_it_shadows():
    """``torch.nn.parallel.data_parallel`` is a function beside the module of that name: an
    explicit import of the module under the hook must not replace gradkit's function (the
    import system sets a package attribute to a module it loads anew)."""
    fn = gk.nn.parallel.data_parallel
    hook.install()
    try:
        mod = importlib.import_module("torch.nn.parallel.data_parallel")
        assert mod.DataParallel is gk.nn.DataParallel
        import torch  # noqa: PLC0415 (the alias the hook makes)

        assert torch.nn.parallel.data_parallel is fn
    finally:
        hook.uninstall()
    assert gk.nn.parallel.data_parallel is fn
