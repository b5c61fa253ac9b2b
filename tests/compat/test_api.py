"""The PyTorch names programs touch that gradkit.compat, accelerator, backends, amp, onnx and
multiprocessing add, checked against torch where torch has them."""

import itertools
import os
import warnings

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def test_constants_match_torch():
    assert (gk.inf, gk.pi, gk.e) == (torch.inf, torch.pi, torch.e)
    assert np.isnan(gk.nan) and gk.newaxis is None


def test_top_level_anomaly_switches_as_torch():
    """``torch.is_anomaly_enabled``/``set_anomaly_enabled``/``is_anomaly_check_nan_enabled``,
    and their agreement with ``autograd.set_detect_anomaly`` and ``detect_anomaly``."""
    try:
        for lib in (gk, torch):
            lib.set_anomaly_enabled(False)
        for call in [(True,), (True, False), (False,), (True, True), (False, False)]:
            for lib in (gk, torch):
                lib.set_anomaly_enabled(*call)
            assert gk.is_anomaly_enabled() is torch.is_anomaly_enabled()
            assert gk.is_anomaly_check_nan_enabled() is torch.is_anomaly_check_nan_enabled()
        for lib in (gk, torch):
            lib.set_anomaly_enabled(False)
            lib.autograd.set_detect_anomaly(True)
        assert gk.is_anomaly_enabled() is torch.is_anomaly_enabled() is True
        for lib in (gk, torch):
            lib.autograd.set_detect_anomaly(False)
            with lib.autograd.detect_anomaly(check_nan=False):
                assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
            assert not lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
    finally:
        for lib in (gk, torch):
            lib.set_anomaly_enabled(False)


def test_legacy_types_construct_and_check_as_torch():
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor",
                 "ByteTensor", "HalfTensor", "ShortTensor", "CharTensor"):
        ours, theirs = getattr(gk, name), getattr(torch, name)
        a, b = ours([1, 0, 1]), theirs([1, 0, 1])
        assert str(a.dtype) == str(b.dtype).replace("torch.", "gradkit.")
        assert a.tolist() == b.tolist()
        assert a.type() == b.type() == f"torch.{name}"
        assert isinstance(a, ours) and ours(3, 4).shape == tuple(theirs(3, 4).shape)
        assert ours().shape == (0,) and ours(gk.Size([2, 5])).shape == (2, 5)
    assert not isinstance(gk.zeros(2), gk.LongTensor)
    x = gk.tensor([1.7, -2.2])
    assert x.type(gk.LongTensor).tolist() == torch.tensor([1.7, -2.2]).type(
        torch.LongTensor).tolist()
    assert x.type("torch.DoubleTensor").dtype == gk.float64
    assert x.type(gk.int32).dtype == gk.int32
    with pytest.raises(TypeError, match="expected Float"):
        gk.FloatTensor(gk.tensor([1, 2]))
    with pytest.raises(TypeError, match="LongTensor"):
        gk.LongTensor(1, "a")


def test_type_of_the_tensor_class_gives_the_default_dtype_as_torch():
    # cyclegan's `Tensor = torch.Tensor; x.type(Tensor)` gave an object-dtype tensor
    for ns in (gk, torch):
        x = ns.tensor([1, 2])
        assert str(x.type(ns.Tensor).dtype).split(".")[1] == "float32"
        assert x.type(ns.Tensor).type() == "torch.FloatTensor"
        default = ns.get_default_dtype()
        ns.set_default_dtype(ns.float64)
        try:
            assert x.type(ns.Tensor).type() == "torch.DoubleTensor"
        finally:
            ns.set_default_dtype(default)


@pytest.mark.parametrize("bad", [int, np.float32, "torch.float64", "FloatTensor", "Parameter"])
def test_type_refuses_what_is_not_a_tensor_type_with_valueerror_as_torch(bad):
    def of(ns):
        return ns.nn.Parameter if bad == "Parameter" else bad
    with pytest.raises(ValueError, match="invalid type"):
        torch.ones(2).type(of(torch))
    with pytest.raises(ValueError, match="invalid type: .*dtype.*torch.FloatTensor"):
        gk.ones(2).type(of(gk))


@pytest.mark.parametrize("cls", ["Tensor", str, object])
def test_a_class_that_is_no_dtype_is_refused_as_a_dtype(cls):
    # NumPy makes an object dtype of any class; a tensor of dtype "object" came out
    for ns in (gk, torch):
        with pytest.raises(TypeError, match="dtype"):
            ns.zeros(2, dtype=ns.Tensor if cls == "Tensor" else cls)


def test_deprecated_positional_alpha_and_value_overloads():
    a, b = np.array([1.0, 2.0], np.float32), np.array([3.0, -1.0], np.float32)
    for name, args in (("add_", (2,)), ("sub_", (2,)), ("add", (2,)), ("sub", (0.5,)),
                       ("addcmul_", (0.5, "b")), ("addcdiv", (0.5, "b"))):
        results = []
        for ns in (gk, torch):
            x = ns.tensor(a.copy())
            call = [ns.tensor(b) if v == "b" else v for v in args] + [ns.tensor(b)]
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                out = getattr(x, name)(*call)
            if ns is gk:  # (torch warns once per process)
                assert any("deprecated" in str(w.message) for w in seen), name
            results.append((out.tolist(), x.tolist()))
        assert results[0] == results[1], name
    x = gk.ones(2)
    assert x.add_(gk.ones(2), alpha=3).tolist() == [4.0, 4.0]  # the ordinary form still works


def test_tensor_device_kind_attributes_are_false():
    x = gk.ones(2)
    assert not any((x.is_xpu, x.is_mps, x.is_meta, x.is_quantized, x.is_mkldnn, x.is_nested))


def test_share_memory_is_seen_by_a_forked_process():
    if not hasattr(os, "fork"):
        pytest.skip("needs fork")
    import gradkit.multiprocessing as mp

    model = gk.nn.Linear(2, 1)
    assert model.share_memory() is model
    w = model.weight
    assert w.is_shared() and not gk.zeros(1).is_shared()
    before = w.detach().clone()
    ctx = mp.get_context("fork")
    p = ctx.Process(target=lambda: w.data.add_(1.0))
    p.start()
    p.join()
    assert p.exitcode == 0
    assert np.allclose(w.detach().numpy(), before.numpy() + 1.0)


def test_share_memory_is_seen_by_a_spawned_process():
    # PyTorch's shared tensors stay shared when handed to a process started with "spawn" (the
    # Hogwild example's start method); before, the child got a copy and the write was lost
    if not hasattr(os, "memfd_create"):
        pytest.skip("needs memory files (Linux)")
    import operator

    import gradkit.multiprocessing as mp

    model = gk.nn.Linear(3, 2)
    model.share_memory()
    before = model.weight.detach().clone()
    view = model.weight.detach()[1:]  # a view at an offset into the shared memory
    ctx = mp.get_context("spawn")
    p = ctx.Process(target=operator.iadd, args=(view, 1.0))
    p.start()
    p.join()
    assert p.exitcode == 0
    expect = before.numpy().copy()
    expect[1:] += 1.0
    assert np.array_equal(model.weight.detach().numpy(), expect)


class _Holder:
    """An object holding a tensor, as PyTorch Geometric's ``Data`` (spawn's workers fill it)."""

    def __init__(self, n):
        self.x = gk.zeros(n)


def _fill(rank, holders, plain):
    holders[rank].x.add_(rank + 1)
    plain[rank] += 10


def test_spawn_shares_the_tensors_in_its_args_as_torch():
    """``mp.spawn(fn, args)``: PyTorch pickles ``args`` to its children, which moves each tensor
    in them (inside lists and objects too) into shared memory, so the workers' in-place writes
    reach the parent; gradkit's forked workers must see the same memory."""
    import gradkit.multiprocessing as mp

    holders, plain = [_Holder(3) for _ in range(2)], gk.zeros(2)
    assert not plain.is_shared()
    mp.spawn(_fill, args=(holders, plain), nprocs=2, join=True)
    assert [h.x.tolist() for h in holders] == [[1.0] * 3, [2.0] * 3]
    assert plain.tolist() == [10.0, 10.0] and plain.is_shared() and holders[0].x.is_shared()


def test_set_printoptions_matches_torch():
    values = [[1e-5, 1.23456789, -100.5], [2.0, 3.0, 4.0]]
    try:
        for kwargs in ({"precision": 2}, {"sci_mode": False, "precision": 6}, {"sci_mode": True},
                       {"profile": "short"}, {"threshold": 5, "edgeitems": 1},
                       {"linewidth": 30}):
            gk.set_printoptions(**kwargs)
            torch.set_printoptions(**kwargs)
            assert repr(gk.tensor(values)) == repr(torch.tensor(values)), kwargs
            big = np.arange(40, dtype=np.float32).reshape(4, 10) / 3
            assert repr(gk.tensor(big)) == repr(torch.tensor(big)), kwargs
    finally:
        gk.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    with pytest.raises(ValueError, match="profile"):
        gk.set_printoptions(profile="tiny")


def test_accelerator_and_backends_report_the_truth():
    assert gk.accelerator.is_available() == gk.cuda.is_available()
    if not gk.cuda.is_available():
        assert gk.accelerator.current_accelerator() is None
        assert gk.accelerator.device_count() == 0
        with pytest.raises(RuntimeError, match="none is available"):
            gk.accelerator.current_device_index()
    assert gk.backends.mps.is_available() is False and gk.backends.cudnn.is_available() is False
    assert (gk.backends.cudnn.benchmark, gk.backends.cudnn.deterministic,
            gk.backends.cudnn.enabled) == (torch.backends.cudnn.benchmark,
                                           torch.backends.cudnn.deterministic,
                                           torch.backends.cudnn.enabled)
    with gk.backends.cudnn.flags(benchmark=True, deterministic=True):
        assert gk.backends.cudnn.benchmark and gk.backends.cudnn.deterministic
    assert not gk.backends.cudnn.benchmark
    assert gk.backends.cuda.matmul.allow_tf32 is torch.backends.cuda.matmul.allow_tf32
    gk.set_float32_matmul_precision("high")
    assert gk.get_float32_matmul_precision() == "high"
    gk.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError):
        gk.set_float32_matmul_precision("low")
    assert gk.get_default_device() == gk.device("cpu")
    gk.set_default_device("cpu")
    if not gk.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            gk.set_default_device("cuda")


def test_autocast_and_grad_scaler():
    from gradkit.amp import cuda as amp_cuda
    with gk.autocast("cpu", enabled=False):
        assert (gk.ones(2) @ gk.ones(2)).dtype == gk.float32
    with gk.autocast("cpu"):  # CPU autocast itself: tests/amp
        assert gk.is_autocast_enabled("cpu") and gk.get_autocast_dtype("cpu") == gk.bfloat16
    if not gk.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available"):
            with amp_cuda.autocast():
                pass
        with pytest.warns(UserWarning, match="Disabling"):
            assert not gk.amp.GradScaler().is_enabled()
    # CPU GradScaler: the same scale trajectory and parameters as torch's
    results = []
    for ns in (gk, torch):
        ns.manual_seed(0)
        lin = ns.nn.Linear(3, 1)
        opt = ns.optim.SGD(lin.parameters(), lr=0.1)
        scaler = ns.amp.GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=2)
        scales = []
        for step in range(5):
            opt.zero_grad()
            loss = lin(ns.ones(4, 3) * (1e38 if step == 2 else 1.0)).pow(2).mean()
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            scales.append(scaler.get_scale())
        results.append((scales, lin.weight.detach().numpy().copy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)


def test_onnx_export_writes_a_model(tmp_path):
    onnx = pytest.importorskip("onnx")
    import gradkit.onnx

    gradkit.onnx.export(gk.nn.Linear(1, 1), gk.zeros(1, 1), tmp_path / "m.onnx")
    assert [n.op_type for n in onnx.load(tmp_path / "m.onnx").graph.node] == ["Gemm"]


def test_random_sampler_with_replacement_is_lazy_and_keeps_torch_stream():
    for seed in (0, 5):
        gk.manual_seed(seed)
        torch.manual_seed(seed)
        ours = gk.utils.data.RandomSampler(range(10), replacement=True, num_samples=int(1e10))
        theirs = torch.utils.data.RandomSampler(range(10), replacement=True,
                                                num_samples=int(1e10))
        assert list(itertools.islice(ours, 9000)) == list(itertools.islice(theirs, 9000))
    gk.manual_seed(1)
    torch.manual_seed(1)
    loaders = [ns.utils.data.DataLoader(list(range(30)), batch_size=4, sampler=ns.utils.data.
                                        RandomSampler(range(30), True, int(1e10)))
               for ns in (gk, torch)]
    got = [[b.tolist() for b in itertools.islice(ld, 6)] for ld in loaders]
    assert got[0] == got[1]


def test_accelerator_and_amp_with_cuda_on_the_cpu_stand_in():
    """With CUDA (gradkit's CPU stand-in for CuPy, GRADKIT_FAKE_CUDA=1) the accelerator is
    cuda, a "cuda" GradScaler is enabled and scales, and enabled CUDA autocast is refused."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import gradkit as gk\n"
        "print(gk.accelerator.is_available(), gk.accelerator.current_accelerator(),"
        " gk.accelerator.device_count(), gk.accelerator.current_device_index(),"
        " gk.backends.cuda.is_built())\n"
        "s = gk.amp.GradScaler(init_scale=8.0)\n"
        "lin = gk.nn.Linear(2, 1).cuda()\n"
        "opt = gk.optim.SGD(lin.parameters(), lr=0.1)\n"
        "s.scale(lin(gk.ones(3, 2, device='cuda')).sum()).backward()\n"
        "print(s.is_enabled(), lin.weight.grad.cpu().tolist())\n"
        "s.step(opt); s.update()\n"
        "print(lin.weight.grad.cpu().tolist(), s.get_scale())\n"
        "try:\n    gk.autocast('cuda')\nexcept NotImplementedError as e:\n    print('refused')\n")
    env = dict(os.environ, GRADKIT_FAKE_CUDA="1",
               PYTHONPATH=str(Path(gk.__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "True cuda 1 0 True"
    assert lines[1] == "True [[24.0, 24.0]]"  # d(sum)/dw = 3 per entry, times the scale 8
    assert lines[2] == "[[3.0, 3.0]] 8.0"  # unscaled before the step; scale kept (1 good step)
    assert lines[3] == "refused"


def test_compile_wraps_a_module_as_torch_does(monkeypatch):
    """torch.compile(module) is an OptimizedModule: ``_orig_mod``, prefixed state_dict keys,
    attributes forwarded, same outputs and gradients; a function comes back unchanged."""
    from gradkit.compat import jit

    monkeypatch.setattr(jit, "_NOTED", set())  # its once-per-process notes stay unprinted
    def build(mod):
        mod.manual_seed(0)
        net = mod.nn.Sequential(mod.nn.Linear(3, 4), mod.nn.ReLU(), mod.nn.Linear(4, 1))
        return net, mod.compile(net)

    validate = torch.distributions.Distribution._validate_args
    try:
        (gnet, gc), (tnet, tc) = build(gk), build(torch)
    finally:  # torch.compile switches torch.distributions' argument checks off process-wide
        torch.distributions.Distribution.set_default_validate_args(validate)
    assert type(gc).__name__ == type(tc).__name__ == "OptimizedModule"
    assert gc._orig_mod is gnet and tc._orig_mod is tnet
    assert list(gc.state_dict()) == list(tc.state_dict())
    assert list(gc.state_dict())[0] == "_orig_mod.0.weight"
    assert [n for n, _ in gc.named_parameters()] == [n for n, _ in tc.named_parameters()]
    assert gc._modules["_orig_mod"][0].out_features == 4
    assert isinstance(gc, gk.nn.Module) and repr(gc) == repr(tc)
    with pytest.raises(TypeError, match="not subscriptable"):  # as torch's: no __getitem__
        gc[0]
    gc.eval()
    assert not gnet.training
    x = np.ones((2, 3), dtype=np.float32)
    gc(gk.tensor(x)).sum().backward()
    assert gnet[0].weight.grad is not None
    fresh = gk.nn.Sequential(gk.nn.Linear(3, 4), gk.nn.ReLU(), gk.nn.Linear(4, 1))
    gk.compile(fresh).load_state_dict(gc.state_dict())
    assert gk.equal(fresh[0].weight, gnet[0].weight)

    def f(t):
        return t + 1

    assert gk.compile(f) is f and gk.compile(mode="max-autotune")(f) is f
    assert gk.compile(gnet, disable=True) is gnet
    from gradkit.compat import dynamo

    dynamo.reset()
    assert not dynamo.is_compiling() and dynamo.disable(f) is f


def test_dynamo_shape_hints_and_compiler_queries_as_torch():
    """LLM training scripts mark the sequence axis dynamic and mark cudagraph steps; eagerly
    these are hints with nothing to do, accepted as torch accepts them."""
    import torch._dynamo as tdynamo

    from gradkit.compat import dynamo

    x, tx = gk.ones(2, 3), torch.ones(2, 3)
    for mod, t in ((dynamo, x), (tdynamo, tx)):
        mod.mark_dynamic(t, 1)
        mod.mark_dynamic(t, [0, 1], min=1, max=64)
        mod.maybe_mark_dynamic(t, 0)
        mod.mark_static(t, 0)
        mod.mark_static_address(t)
    with pytest.raises(AttributeError):
        tdynamo.mark_dynamic(3, 0)
    with pytest.raises(AttributeError):
        dynamo.mark_dynamic(3, 0)
    assert dynamo.cudagraph_mark_step_begin() is torch.compiler.cudagraph_mark_step_begin()
    assert dynamo.is_exporting() is torch.compiler.is_exporting() is False
    assert "inductor" in dynamo.list_backends()


def test_dynamo_explain_runs_the_function_and_reports_no_graph_breaks():
    """snntorch's tests assert ``dynamo.explain(neuron)(x).graph_break_count == 0``: eagerly
    the call is one region (graph_count 1, no breaks), run once as PyTorch runs it."""
    import torch._dynamo as tdynamo

    from gradkit.compat import dynamo

    calls = []

    def step(lib):
        def f(x):
            calls.append(lib)
            return (x * 2).sin()
        return f

    report = dynamo.explain(step(gk))(gk.ones(3))
    theirs = tdynamo.explain(step(torch))(torch.ones(3))
    assert calls == [gk, torch]
    assert (report.graph_count, report.graph_break_count, report.break_reasons) == \
        (theirs.graph_count, theirs.graph_break_count, theirs.break_reasons) == (1, 0, [])
    assert str(report).startswith("Graph Count: 1\nGraph Break Count: 0\nOp Count: ")
    with pytest.warns(FutureWarning, match="explain"):
        assert dynamo.explain(step(gk), gk.ones(2)).graph_break_count == 0


def test_jit_script_save_load_round_trip(tmp_path, monkeypatch):
    from gradkit.compat import jit

    monkeypatch.setattr(jit, "_NOTED", set())  # its once-per-process notes stay unprinted
    net = gk.nn.Linear(2, 3)
    scripted = jit.script(net)
    assert isinstance(scripted, jit.ScriptModule) and not isinstance(gk.nn.Linear(1, 1),
                                                                     jit.ScriptModule)
    path = tmp_path / "m.pt"
    jit.save(scripted, str(path))
    back = jit.load(str(path))
    assert gk.equal(back.weight, net.weight) and jit.freeze(back) is back
    ts = tmp_path / "ts.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(ts))
    with pytest.raises(NotImplementedError, match="TorchScript archive"):
        jit.load(str(ts))


@pytest.mark.parametrize("writer", ["torch", "gradkit", "torch_legacy"])
def test_jit_load_refuses_a_torch_save_checkpoint_as_torch(tmp_path, writer):
    # CLIP's clip.load tries torch.jit.load and falls back to torch.load on RuntimeError; a
    # state dict read by jit.load was returned as it was (a dict, then `.eval()` failed)
    from gradkit.compat import jit

    path = tmp_path / "sd.pt"
    if writer == "gradkit":
        gk.save({"w": gk.ones(2)}, str(path), format="torch")
    else:
        torch.save({"w": torch.ones(2)}, str(path),
                   _use_new_zipfile_serialization=writer == "torch")
    for load in (jit.load, torch.jit.load):
        with pytest.raises(RuntimeError):
            load(str(path))
        with open(path, "rb") as fh:  # a stream is read to its end first, as PyTorch's
            with pytest.raises(RuntimeError):
                load(fh)
            assert fh.tell() == path.stat().st_size
    for load in (jit.load, torch.jit.load):
        with pytest.raises(ValueError, match="does not exist"):
            load(str(tmp_path / "missing.pt"))
    # the torch.save checkpoint itself still loads
    assert gk.equal(gk.load(str(path))["w"], gk.ones(2))


def test_jit_annotations_and_fork_as_torch_eager():
    # scripted code's annotations and helpers: the values themselves, as torch's eager Python
    from gradkit.compat import jit

    for lib in (jit, torch.jit):
        class Head(gk.nn.Module if lib is jit else torch.nn.Module):
            scale: lib.Final[float]

            def __init__(self):
                super().__init__()
                self.scale = 2.0

        assert Head().scale == 2.0
        assert lib.annotate(list, []) == [] and tuple(lib.Attribute(3, int)) == (3, int)
        assert lib.Attribute(3, int).value == 3
        futures = [lib.fork(lambda a, b: a * b, i, 10) for i in range(3)]
        assert [lib.wait(f) for f in futures] == [0, 10, 20]
        with lib.optimized_execution(False):
            pass
        assert lib.script_if_tracing(abs)(-2) == 2


def test_jit_annotations_module_imports_under_the_hook():
    # `from torch.jit.annotations import List` (timm's and torchvision's DenseNet) failed with
    # "'torch.jit' is not a package"
    import subprocess
    import sys

    code = ("from gradkit.compat import hook\nhook.install()\n"
            "from torch.jit.annotations import BroadcastingList2, List, Optional, Tuple\n"
            "import torch\n"
            "print(List[int], Optional[Tuple[int, int]], BroadcastingList2[int],"
            " torch.jit.annotations.Dict[str, int], torch.jit.is_scripting())\n")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert got.returncode == 0, got.stderr
    want = subprocess.run([sys.executable, "-c", code.split("\n", 2)[2]], capture_output=True,
                          text=True)
    assert want.returncode == 0, want.stderr
    assert got.stdout == want.stdout


def test_pin_memory_without_an_accelerator_as_torch():
    # a program guarded by `if device == "cuda": x = x.pin_memory()` must not meet an
    # AttributeError when the guard is absent; without CUDA both libraries refuse alike
    assert gk.tensor([1.0]).is_pinned() is torch.tensor([1.0]).is_pinned() is False
    if torch.cuda.is_available() or gk.cuda.is_available():
        pytest.skip("an accelerator is present")
    for lib in (torch, gk):
        with pytest.raises(RuntimeError, match="accelerator"):
            lib.tensor([1.0, 2.0]).pin_memory()


@pytest.mark.parametrize("arg", ["float", "FloatTensor", "torch.float32", float, int, str, object,
                                 np.float64, 3, np.dtype("float64")],
                         ids=lambda a: getattr(a, "__name__", repr(a)))
def test_tensor_type_refuses_what_names_no_tensor_type_as_torch(arg):
    # PyTorch: ValueError for a type or name that is no tensor type, TypeError for another
    # kind (gradkit converted float to float64, str to a NumPy string dtype, 'float' to float32)
    with pytest.raises(Exception) as te:
        torch.zeros(2).type(arg)
    with pytest.raises(type(te.value), match="type"):
        gk.zeros(2).type(arg)


@pytest.mark.parametrize("arg", ["torch.LongTensor", "torch.HalfTensor", "torch.Tensor",
                                 "torch.DoubleTensor"])
def test_tensor_type_takes_tensor_type_names_as_torch(arg):
    assert str(gk.zeros(2).type(arg).dtype)[8:] == str(torch.zeros(2).type(arg).dtype)[6:]
    assert gk.zeros(2).type(gk.Tensor).dtype == gk.float32


def test_transform_getitem_to_index_is_importable_under_gradkit_run():
    from gradkit.compat import hook

    assert hook.target_of("torch._dynamo._trace_wrapped_higher_order_op") == "gradkit.compat.dynamo"
    from gradkit.compat.dynamo import TransformGetItemToIndex

    x = gk.arange(5)
    with TransformGetItemToIndex():
        assert gk.vmap(lambda i: x[i])(gk.arange(3)).tolist() == [0, 1, 2]


@pytest.mark.parametrize("value, msg", [(True, None), (1.5, "ok"), (False, None),
                                        (0.0, "gamma < 0"), ([1, 1], None), ([], "m"), (True, 3)])
def test_assert_async_as_torch(value, msg):
    """``torch._assert_async(cond, msg)``: kornia checks ``adjust_gamma``'s arguments with it."""
    args = (value,) if msg is None else (value, msg)
    try:
        expected = torch._assert_async(torch.tensor(value), *args[1:])
    except Exception as err:  # noqa: BLE001 (any exception PyTorch raises is the oracle)
        with pytest.raises(type(err)) as ours:
            gk._assert_async(gk.tensor(value), *args[1:])
        assert str(ours.value) == str(err)
    else:
        assert gk._assert_async(gk.tensor(value), *args[1:]) is expected is None


def test_cuda_out_of_memory_error_is_the_top_level_one():
    """``torch.cuda.OutOfMemoryError`` (torch_max_mem checks it) is ``torch.OutOfMemoryError``."""
    assert gk.cuda.OutOfMemoryError is gk.OutOfMemoryError
    assert torch.cuda.OutOfMemoryError is torch.OutOfMemoryError
    assert issubclass(gk.cuda.OutOfMemoryError, RuntimeError)
