"""detect_anomaly, reference cycles, and memory stability of a training loop."""

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import gradkit as gk
from gradkit.autograd import Function, detect_anomaly

# (the warnings PyTorch gives on entering and at the failing op: asserted where they matter)
pytestmark = [pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled"),
              pytest.mark.filterwarnings("ignore:Error detected in")]


def leaf(arr):
    return gk.tensor(np.asarray(arr, dtype=np.float64), dtype=gk.float64, requires_grad=True)


class BadLog(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.abs().log()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x.sqrt()  # NaN for negative x


def test_anomaly_names_backward_op_and_forward_line():
    x = leaf([0.0, 1.0])
    with pytest.warns(UserWarning) as seen, detect_anomaly(), \
            pytest.raises(RuntimeError) as info:
        y = x.sqrt()  # FORWARD-SQRT-LINE
        (y * 0).sum().backward()
    assert str(info.value) == "Function 'SqrtBackward0' returned nan values in its 0th output."
    trace = [str(w.message) for w in seen if "Error detected in" in str(w.message)]
    assert len(trace) == 1 and trace[0].startswith("Error detected in SqrtBackward0. Traceback")
    assert "test_anomaly_memory.py" in trace[0] and "FORWARD-SQRT-LINE" in trace[0]
    assert "gradkit/" not in trace[0].replace("tests/", "")  # the user's frames only


def test_anomaly_custom_function_log_negative():
    x = leaf([-1.0, 2.0])
    with pytest.warns(UserWarning, match="(?s)Error detected in BadLogBackward.*"
                                         "FORWARD-BADLOG-LINE"), \
            detect_anomaly(), pytest.raises(RuntimeError, match="BadLogBackward"):
        out = BadLog.apply(x)  # FORWARD-BADLOG-LINE
        out.sum().backward()


def test_anomaly_raises_on_nan_only_as_pytorch():
    """An infinite gradient passes (PyTorch checks ``isnan``); entering warns as PyTorch."""
    torch = pytest.importorskip("torch")
    for lib in (gk, torch):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
            ctx = lib.autograd.detect_anomaly()
        with ctx:
            x.log().sum().backward()  # d log(x) at 0: inf
        assert np.isinf(x.grad.numpy()[0]), lib


def test_anomaly_off_gives_nan_silently():
    x = leaf([0.0, 1.0])
    (x.sqrt() * 0).sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_anomaly_state_restored_and_decorator():
    assert not gk.autograd.is_anomaly_enabled()
    with pytest.raises(ValueError), detect_anomaly():
        assert gk.autograd.is_anomaly_enabled()
        raise ValueError
    assert not gk.autograd.is_anomaly_enabled()

    @detect_anomaly()
    def run():
        return gk.autograd.is_anomaly_enabled()

    assert run() and not gk.autograd.is_anomaly_enabled()
    gk.autograd.set_detect_anomaly(True)
    try:
        assert gk.autograd.is_anomaly_enabled()
    finally:
        gk.autograd.set_detect_anomaly(False)
    assert not gk.autograd.is_anomaly_enabled()


def test_anomaly_check_nan_false_passes():
    x = leaf([0.0, 1.0])
    with detect_anomaly(check_nan=False):
        (x.sqrt() * 0).sum().backward()


def test_anomaly_with_create_graph():
    x = leaf([0.0, 1.0])
    with detect_anomaly(), pytest.raises(RuntimeError, match="SqrtBackward"):
        gk.autograd.grad((x.sqrt() * 0).sum(), x, create_graph=True)


# ---------------------------------------------------------------- memory
def _graph_dies_without_gc(build):
    gc.collect()
    gc.disable()
    try:
        x = leaf(np.linspace(0.1, 1.0, 8))
        out, inter = build(x)
        ref_t = weakref.ref(inter)
        ref_n = weakref.ref(inter.grad_fn)
        out.backward()
        del out, inter
        return ref_t() is None and ref_n() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("name", ["plain", "retain_grad", "hook", "function", "multi", "create"])
def test_no_reference_cycles_keep_graph_alive(name):
    class Sq(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * a * g

    class Two(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * 2, a * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    def build(x):
        h = x.exp() * x
        if name == "retain_grad":
            h.retain_grad()
        if name == "hook":
            h.register_hook(lambda g: g * 1)
        if name == "function":
            h = Sq.apply(h)
        if name == "multi":
            h, _ = Two.apply(h)
        out = (h.tanh() * x).sum()
        if name == "create":
            (g,) = gk.autograd.grad(out, x, create_graph=True)
            out = g.sum()
        return out, h

    assert _graph_dies_without_gc(build)


def test_no_cycles_in_training_step():
    gc.collect()
    w = leaf(np.ones((4, 3)))
    x = gk.tensor(np.ones((5, 4)), dtype=gk.float64)
    gc.disable()
    try:
        for _ in range(3):
            loss = (x @ w).relu().log_softmax(dim=1).mean()
            loss.backward()
            with gk.no_grad():
                w.sub_(0.1 * w.grad)
            w.grad = None
        del loss
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0


def test_training_loop_memory_is_flat():
    rng = np.random.default_rng(0)
    X = gk.tensor(rng.standard_normal((32, 8)).astype(np.float32))
    Y = gk.tensor(rng.standard_normal((32, 1)).astype(np.float32))
    params = [
        gk.tensor(rng.standard_normal((8, 16)).astype(np.float32) * 0.3, requires_grad=True),
        gk.tensor(np.zeros(16, np.float32), requires_grad=True),
        gk.tensor(rng.standard_normal((16, 1)).astype(np.float32) * 0.3, requires_grad=True),
        gk.tensor(np.zeros(1, np.float32), requires_grad=True),
    ]

    def step():
        w1, b1, w2, b2 = params
        h = (X @ w1 + b1).tanh()
        loss = ((h @ w2 + b2 - Y) ** 2).mean()
        loss.backward()
        with gk.no_grad():
            for p in params:
                p.sub_(0.05 * p.grad)
                p.grad.zero_()
        return loss.item()

    tracemalloc.start()
    try:
        for _ in range(100):
            first = step()
        cur100, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in range(900):
            last = step()
        cur1000, peak1000 = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert last < first
    assert cur1000 - cur100 < 16_000, (cur100, cur1000)
    assert peak1000 - cur100 < 200_000, (cur100, peak1000)


def test_intermediates_freed_by_backward_while_loss_is_held():
    x = leaf(np.linspace(0.1, 1.0, 8))
    w = leaf(np.ones(8))
    h = x * w
    ref = weakref.ref(h)
    loss = h.exp().sum()
    del h
    assert ref() is not None  # the graph needs it until backward
    loss.backward()
    assert ref() is None  # freed although `loss` is still alive
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()
