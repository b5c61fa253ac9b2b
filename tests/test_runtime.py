"""Process-wide settings and type information (gradkit/_runtime.py), torch.profiler and
torch.random.fork_rng, against PyTorch where it has them."""

import json

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

FLOATS = ["float16", "bfloat16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64", "bool"]


@pytest.mark.parametrize("name", FLOATS + ["complex64", "complex128"])
def test_finfo_as_pytorch(name):
    """A complex dtype gives its real part's limits (pykeen reads ``finfo(complex64).dtype``)."""
    if name == "bfloat16":
        pytest.importorskip("ml_dtypes")
    ours, theirs = gk.finfo(getattr(gk, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert type(ours.eps) is float
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", INTS[:-1])
def test_iinfo_as_pytorch(name):
    ours, theirs = gk.iinfo(getattr(gk, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.max, ours.min, ours.dtype) == \
        (theirs.bits, theirs.max, theirs.min, theirs.dtype)
    assert repr(ours) == repr(theirs)


def test_info_errors_and_default():
    assert gk.finfo().dtype == "float32"
    with pytest.raises(TypeError):
        gk.finfo(gk.int32)
    with pytest.raises(TypeError):
        gk.iinfo(gk.float32)


@pytest.mark.parametrize("a", FLOATS[2:] + INTS)
@pytest.mark.parametrize("b", FLOATS[2:] + INTS)
def test_can_cast_as_pytorch(a, b):
    assert gk.can_cast(getattr(gk, a), getattr(gk, b)) == \
        torch.can_cast(getattr(torch, a), getattr(torch, b))


def test_typename_is_nonzero_get_device():
    assert gk.typename(gk.zeros(1)) == torch.typename(torch.zeros(1)) == "torch.FloatTensor"
    assert gk.typename(gk.zeros(1, dtype=gk.int64)) == "torch.LongTensor"
    assert gk.typename(3) == torch.typename(3) == "int"
    assert gk.get_device(gk.zeros(1)) == torch.get_device(torch.zeros(1)) == -1
    assert gk.is_nonzero(gk.tensor([2.0])) and not gk.is_nonzero(gk.tensor(0))
    for bad in ([1.0, 2.0], []):
        with pytest.raises(RuntimeError, match="ambiguous"):
            gk.is_nonzero(gk.tensor(bad))


def test_threads_and_determinism_settings():
    before = gk.get_num_threads()
    try:
        gk.set_num_threads(1)
        assert gk.get_num_threads() == 1
        try:
            from threadpoolctl import threadpool_info
        except ImportError:
            pass
        else:
            assert all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")
    finally:
        gk.set_num_threads(before)
    for bad, exc in ((0, RuntimeError), (1.5, TypeError)):
        with pytest.raises(exc):
            gk.set_num_threads(bad)
    gk.use_deterministic_algorithms(True, warn_only=True)
    assert gk.are_deterministic_algorithms_enabled()
    assert gk.is_deterministic_algorithms_warn_only_enabled()
    gk.use_deterministic_algorithms(False)
    assert not gk.are_deterministic_algorithms_enabled()
    assert gk.version.cuda is None and gk.version.__version__ == gk.__version__


def test_fork_rng_restores_the_default_generator():
    for lib in (gk, torch):
        lib.manual_seed(3)
        with lib.random.fork_rng():
            lib.rand(5)
        after = lib.rand(2).numpy()
        lib.manual_seed(3)
        np.testing.assert_array_equal(after, lib.rand(2).numpy())


@pytest.mark.parametrize("kw", [dict(wait=1, warmup=1, active=2),
                                dict(wait=0, warmup=0, active=1, repeat=2),
                                dict(wait=2, warmup=1, active=3, repeat=1, skip_first=3)])
def test_profiler_schedule_as_pytorch(kw):
    ours, theirs = gk.profiler.schedule(**kw), torch.profiler.schedule(**kw)
    assert [ours(i).name for i in range(20)] == [theirs(i).name for i in range(20)]


def test_profiler_records_ranges_steps_and_traces(tmp_path):
    ready = []
    sched = gk.profiler.schedule(wait=1, warmup=0, active=2, repeat=1)
    with gk.profiler.profile(activities=[gk.profiler.ProfilerActivity.CPU], schedule=sched,
                             on_trace_ready=ready.append) as prof:
        for _ in range(4):
            with gk.profiler.record_function("forward"):
                gk.randn(8, 8) @ gk.randn(8, 8)
            prof.step()
    names = [e.name for e in prof.events()]
    assert names.count("forward") == 2  # the steps of the active window only
    assert names.count("ProfilerStep#1") == names.count("ProfilerStep#2") == 1
    assert ready == [prof]
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=5)
    assert "forward" in table and "# of Calls" in table
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    assert {e["name"] for e in trace["traceEvents"]} >= {"forward", "ProfilerStep#1"}
    handler = gk.profiler.tensorboard_trace_handler(str(tmp_path / "tb"), worker_name="w")
    handler(prof)
    assert len(list((tmp_path / "tb").glob("w.*.pt.trace.json"))) == 1


def test_autograd_profiler_and_decorated_ranges():
    @gk.profiler.record_function("helper")
    def helper():
        return gk.ones(3).sum()

    with gk.autograd.profiler.profile() as prof:
        helper()
        helper()
    (avg,) = [a for a in prof.key_averages() if a.key == "helper"]
    assert avg.count == 2 and avg.cpu_time_total > 0


def test_asarray_frombuffer_and_data_ptr_as_pytorch():
    for lib in (gk, torch):
        a = np.ones(3, dtype=np.float32)
        t = lib.asarray(a)
        a[0] = 5  # shared
        assert t.tolist() == [5.0, 1.0, 1.0]
        assert lib.asarray(a, copy=True).data_ptr() != t.data_ptr()
        assert str(lib.asarray([1, 2]).dtype).endswith("int64")
        assert str(lib.asarray(lib.ones(2), dtype=lib.float64).dtype).endswith("float64")
        with pytest.raises(ValueError):
            lib.asarray(a, dtype=lib.float64, copy=False)
        buf = bytearray(np.array([1, 2, 3], dtype=np.int32).tobytes())
        assert lib.frombuffer(buf, dtype=lib.int32, offset=4).tolist() == [2, 3]
        assert lib.frombuffer(buf, dtype=lib.int32, count=2).tolist() == [1, 2]
        x = lib.arange(6.0)
        assert x[2:].data_ptr() - x.data_ptr() == 2 * x.element_size()
        assert x.view(2, 3).data_ptr() == x.data_ptr()
        assert lib.vmap(lib.dot)(lib.ones(3, 2), lib.ones(3, 2)).tolist() == [2.0, 2.0, 2.0]


def test_tensor_only_methods_as_pytorch():
    """Tensor.bernoulli/multinomial (PyTorch's streams), Tensor.where, mH/H/adjoint."""
    out = []
    for lib in (gk, torch):
        lib.manual_seed(0)
        p = lib.tensor([[0.2, 0.8, 0.5], [0.1, 0.9, 0.3]])
        x = lib.tensor([1.0, -2.0, 3.0])
        out.append([p.bernoulli().tolist(), p.multinomial(2).tolist(), p.bernoulli(0.5).tolist(),
                    x.where(x > 0, 5).tolist(), p.mH.tolist(), p.H.tolist(),
                    p.adjoint().tolist()])
    assert out[0] == out[1]
    with pytest.raises(RuntimeError):
        gk.zeros(2, 2, 2).H
