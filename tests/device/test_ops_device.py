"""Every public op and Tensor method gives the same values and gradients on the device as on the
CPU, and its results stay on the device.

Runs on a real GPU when CuPy sees one, else on the CPU stand-in (see conftest.py).
"""

import functools

import numpy as np
import pytest

import gradkit as gk

RTOL, ATOL = 2e-4, 2e-5

_g = np.random.default_rng(0)
DATA = {
    "a": _g.standard_normal((3, 4)).astype(np.float32),
    "b": _g.standard_normal((3, 4)).astype(np.float32),
    "p": _g.uniform(0.5, 2.0, (3, 4)).astype(np.float32),
    "v": _g.standard_normal(4).astype(np.float32),
    "w": _g.standard_normal(4).astype(np.float32),
    "m": _g.standard_normal((4, 5)).astype(np.float32),
    "B": _g.standard_normal((2, 3, 4)).astype(np.float32),
    "C": _g.standard_normal((2, 4, 5)).astype(np.float32),
    "s": np.asarray(1.5, dtype=np.float32),
    "i": np.array([[0, 2, 1, 3], [3, 3, 0, 1], [1, 0, 2, 2]]),
    "j": np.array([2, 0, 2]),
    "k": _g.integers(-3, 4, (3, 4)),
    "mask": _g.uniform(size=(3, 4)) > 0.5,
}


def _c(x):  # a non-leaf copy, so in-place ops and __setitem__ may record
    return x * 1.0


def _setitem_grad(a, b):
    y = _c(a)
    y[0] = b[1]
    y[1, 1:3] = 5.0
    return y


def _setitem_mask(a, mask):
    y = _c(a)
    y[mask] = 0.0
    return y


def _setitem_nograd(a, k):
    y = a.detach().clone()
    y[0, 1] = 3.0
    y[1] = gk.tensor([1.0, 2.0, 3.0, 4.0])  # a host value into a device tensor, as PyTorch allows
    y[k > 0] = -1.0
    return y * a


def _inplace(a, b):
    y = _c(a)
    y.add_(b).mul_(2.0).sub_(b, alpha=0.5).div_(1.5)
    y += b
    y *= 0.5
    y -= 1
    y /= 2
    y.clamp_(-0.5, 0.8)
    return y.tanh_() * 2


def _inplace_nograd(a, b):
    with gk.no_grad():
        y = a.clone()
        y.add_(b).pow_(2).sqrt_().neg_().abs_().relu_().sigmoid_()
        y.masked_fill_(b > 0, 2.0)
        z = a.clone().zero_().fill_(3.0)
        z.copy_(gk.tensor(DATA["b"]))  # from the host
        z.scatter_add_(1, gk.tensor(DATA["i"], device=a.device), y)
        z.addcmul_(y, b, value=0.5).addcdiv_(y, b.abs() + 1).lerp_(y, 0.3)
    return a * (y + z)


def _tuple(out):
    return tuple(out)


CASES = {
    # arithmetic, with Python scalar, 0-d CPU tensor and 0-d device tensor operands
    "add": (lambda a, b: a + b, "ab"), "sub": (lambda a, b: a - b, "ab"),
    "mul": (lambda a, b: a * b, "ab"), "div": (lambda a, p: a / p, "ap"),
    "pow": (lambda p, b: p ** b, "pb"), "pow-scalar": (lambda a: a ** 2, "a"),
    "rpow": (lambda a: 2.0 ** a, "a"), "radd": (lambda a: 1 + a, "a"),
    "rsub": (lambda a: 2 - a, "a"), "rdiv": (lambda p: 3 / p, "p"),
    "scalar-0d-cpu": (lambda a: a * gk.tensor(2.0) + gk.tensor(1.0), "a"),
    "scalar-0d-dev": (lambda a, s: a * s - s, "as"),
    "0d-left": (lambda s, a: s / (a.abs() + 1), "sa"),
    "broadcast": (lambda a, v: a * v + v, "av"),
    "neg-abs": (lambda a: -abs(a) + (+a), "a"),
    "int-div": (lambda a: gk.tensor([1, 2, 3], device=a.device) / 2 + a.sum(), "a"),
    "floordiv-mod": (lambda k: (k // 2, k % 3, 7 // (k.abs() + 1)), "k"),
    "div-rounding": (lambda a, p: (a.div(p, rounding_mode="floor"),
                                   gk.div(a, p, rounding_mode="trunc")), "ap"),
    "add-alpha": (lambda a, b: gk.add(a, b, alpha=2) + gk.sub(a, b, alpha=0.5), "ab"),
    "int-float": (lambda a, k: a * k + k * 0.5, "ak"),
    # elementwise functions
    **{f"fn-{n}": (getattr(gk, n), "p") for n in (
        "exp", "log", "log1p", "expm1", "log2", "log10", "sqrt", "rsqrt", "sin", "cos", "tan",
        "tanh", "sigmoid", "relu", "erf", "square", "reciprocal", "floor", "ceil", "round",
        "trunc", "sign", "abs", "neg")},
    "relu-neg": (lambda a: gk.relu(a) + a.sign() + a.floor(), "a"),
    "round-decimals": (lambda a: gk.round(a * 10, decimals=1), "a"),
    "sign-int": (lambda k: (gk.sign(k), gk.floor(k), gk.abs(k)), "k"),
    "lerp-addcmul": (lambda a, b, p: gk.lerp(a, b, 0.3) + gk.addcmul(a, b, p, value=2), "abp"),
    "maximum-minimum": (lambda a, b: gk.maximum(a, b) * gk.minimum(a, b), "ab"),
    "clamp": (lambda a: gk.clamp(a, -0.5, 0.5) + a.clamp(min=0) + a.clip(max=0.1), "a"),
    "clamp-tensor": (lambda a, b, p: gk.clamp(a, min=b, max=p), "abp"),
    "clamp-int": (lambda k: gk.clamp(k, -1, 1.5), "k"),
    # comparisons and logic
    "compare": (lambda a, b: (a == b, a != b, a < b, a <= b, a > b, a >= b, a > 0, a.eq(b),
                              gk.ne(a, 0.5), gk.lt(a, b), gk.le(a, b), gk.gt(a, b), gk.ge(a, b)),
                "ab"),
    "compare-0d-cpu": (lambda a, k: (a > gk.tensor(0.5), a == gk.tensor(0.5),
                                     gk.lt(a, gk.tensor(0)), k // gk.tensor(2), k % gk.tensor(3),
                                     (a > 0) & gk.tensor(True),
                                     a.div(gk.tensor(2.0), rounding_mode="floor")), "ak"),
    "logic": (lambda a, b: ((a > 0) & (b > 0), (a > 0) | (b > 0), (a > 0) ^ (b > 0), ~(a > 0),
                            gk.logical_and(a > 0, b > 0), gk.logical_or(a > 0, b),
                            gk.logical_not(a > 0)), "ab"),
    "isnan": (lambda a: (gk.isnan(gk.log(a)), gk.isinf(1 / (a * 0)), gk.isfinite(gk.log(a)),
                         gk.isclose(a, a + 1e-9), a.isclose(a * 2)), "a"),
    "allclose-equal": (lambda a, b: (gk.allclose(a, a), gk.equal(a, b), a.equal(a),
                                     a.allclose(b)), "ab"),
    "all-any": (lambda a: (gk.all(a > -5), gk.any(a > 0, dim=1), (a > 0).all(0, keepdim=True),
                           (a > 0).any(), gk.count_nonzero(a > 0), gk.count_nonzero(a > 0, 1)),
                "a"),
    # reductions
    "sum": (lambda a: (a.sum(), a.sum(1), a.sum((0, 1), keepdim=True), gk.sum(a, -1)), "a"),
    "sum-int": (lambda k: (k.sum(), (k > 0).sum(0), k.sum(dtype=gk.float32)), "k"),
    "mean": (lambda a: (a.mean(), a.mean(0, keepdim=True)), "a"),
    "prod": (lambda p: (p.prod(), p.prod(1)), "p"),
    "prod-zeros": (lambda a: ((a * (a > 0)).prod(1), gk.relu(a).prod()), "a"),
    "amax-amin": (lambda a: (a.amax(), a.amin(1), gk.amax(a, (0, 1)), a.amax(0, keepdim=True)),
                  "a"),
    "max-min": (lambda a: (a.max(), a.min(), gk.max(a, a * 0.5)), "a"),
    "max-dim": (lambda a: _tuple(a.max(1)) + _tuple(a.min(0, keepdim=True)), "a"),
    "max-0d": (lambda s: _tuple(s.max(0)) + _tuple(gk.min(s, -1)), "s"),
    "argmax": (lambda a: (a.argmax(), a.argmin(), a.argmax(1), gk.argmin(a, 0, keepdim=True)),
               "a"),
    "var-std": (lambda a: (a.var(), a.std(1), a.var(0, unbiased=False), a.std(correction=0),
                           a.var(1, keepdim=True)), "a"),
    "var-mean": (lambda a: gk.var_mean(a, 1) + gk.std_mean(a, 0), "a"),
    "norm": (lambda a: (a.norm(), a.norm(1), a.norm(float("inf")), a.norm(-float("inf"), dim=1),
                        a.norm(3, dim=0), a.norm(0), gk.norm(a, dim=1, keepdim=True)), "a"),
    "logsumexp-cumsum": (lambda a: (a.logsumexp(1), a.cumsum(0), gk.cumsum(a, 1)), "a"),
    "cumsum-int": (lambda k: k.cumsum(1), "k"),
    "softmax": (lambda a: (a.softmax(1), a.log_softmax(0), gk.softmax(a, -1, dtype=gk.float64)),
                "a"),
    "softmax-0d": (lambda s: (s.softmax(0), s.log_softmax(-1)), "s"),
    # products
    "matmul-2d": (lambda a, m: a @ m, "am"), "matmul-vv": (lambda v, w: v @ w, "vw"),
    "matmul-vm": (lambda v, m: v @ m, "vm"), "matmul-mv": (lambda a, v: a @ v, "av"),
    "matmul-batch": (lambda B, C: B @ C, "BC"),
    "matmul-bcast": (lambda B, m: gk.matmul(B, m), "Bm"),
    "mm-bmm": (lambda a, m, B, C: (gk.mm(a, m), gk.bmm(B, C), a.mm(m)), "amBC"),
    "outer-dot": (lambda v, w: (gk.outer(v, w), gk.dot(v, w), v.dot(w)), "vw"),
    "einsum": (lambda B, C, v: (gk.einsum("bij,bjk->bik", B, C), gk.einsum("bij,j->bi", B, v),
                                gk.einsum("bii->b", B[:, :3, :3]), gk.einsum("ij->", B[0])),
               "BCv"),
    # shapes
    "reshape": (lambda B: (B.reshape(6, 4), B.view(-1), B.view(2, 12), gk.reshape(B, (4, 6)),
                           B.view_as(B[0].expand(2, 3, 4)), B.reshape_as(B)), "B"),
    "permute": (lambda B: (B.permute(2, 0, 1), B.transpose(0, 2), B.swapaxes(1, 2), B[0].t(),
                           B[0].T, B.mT, B.permute(0, 2, 1).contiguous()), "B"),
    "flatten": (lambda B: (B.flatten(), B.flatten(1), B.unflatten(2, (2, 2)),
                           B.unsqueeze(1).squeeze(), B[:, :1].squeeze(1), B.unsqueeze(-1)), "B"),
    "expand-repeat": (lambda v: (v.expand(3, 4), v.repeat(2, 2), gk.broadcast_to(v, (2, 4)),
                                 v.unsqueeze(0).expand_as(gk.zeros(3, 4, device=v.device))), "v"),
    "flip-narrow": (lambda B: (B.flip(0, 2), gk.flip(B, dims=[1]), B.narrow(2, 1, 2)), "B"),
    "cat-stack": (lambda a, b: (gk.cat([a, b]), gk.cat([a, b], 1), gk.stack([a, b], 1),
                                gk.concat((a, b), -1)), "ab"),
    "split-chunk": (lambda B: B.split(2, 2) + gk.split(B, [1, 2], 1) + B.chunk(2, 2)
                    + B.unbind(1), "B"),
    # indexing
    "gather": (lambda a, i: (a.gather(1, i), gk.gather(a, 0, i[:2] % 3)), "ai"),
    "scatter_add": (lambda a, i, b: gk.scatter_add(a, 1, i, b), "aib"),
    "index_select": (lambda a, j: (a.index_select(0, j), gk.index_select(a, 1, j)), "aj"),
    "index_add": (lambda a, j, m: a.index_add(1, j, m[:3, :3].t() * 1.0), "ajm"),
    "masked_fill": (lambda a, mask: (a.masked_fill(mask, 0.5), gk.masked_fill(a, mask[0], -1.0),
                                     a.masked_fill(mask, gk.tensor(2.0))), "a,mask"),
    "getitem": (lambda a, j, mask: (a[j], a[:, j], a[mask], a[j, j], a[1], a[0, 2], a[..., 1:3],
                                    a[None, ::2], a[[0, 2]], a[gk.tensor(1)]), "aj,mask"),
    "getitem-host-index": (lambda a: (a[gk.tensor([2, 0])], a[gk.tensor([True, False, True])]),
                           "a"),
    "setitem-grad": (_setitem_grad, "ab"),
    "setitem-mask": (_setitem_mask, "a,mask"),
    "setitem-nograd": (_setitem_nograd, "ak"),
    "inplace": (_inplace, "ab"),
    "inplace-nograd": (_inplace_nograd, "ab"),
    "where": (lambda a, b, mask: (gk.where(mask, a, b), gk.where(a > 0, a, 0.0),
                                  gk.where(a > 0, 1.0, b), gk.where(mask, 1.0, 0.0),
                                  gk.where(mask)[0], gk.where(a > 0, a, b.double())), "ab,mask"),
    "where-0d-cpu": (lambda a, b: (gk.where(a > 0, gk.tensor(1.0), b),
                                   gk.where(gk.tensor(True), a, b)), "ab"),
    "sort-topk": (lambda a: _tuple(a.sort(1)) + _tuple(gk.sort(a, 0, descending=True))
                  + _tuple(a.topk(2)) + _tuple(gk.topk(a, 2, 0, largest=False))
                  + (a.argsort(1), gk.argsort(a, 0, descending=True)), "a"),
    "diag-tril": (lambda v, a: (gk.diag(v), gk.diag(v, 1), gk.diag(a), gk.diag(a, -1),
                                gk.tril(a), a.triu(1), gk.tril(a, -1)), "va"),
    "clone-detach": (lambda a: (a.clone(), gk.detach(a) * a, gk.clone(a)), "a"),
    "dtype-casts": (lambda a: (a.double(), a.half(), a.long(), a.int(), a.bool(),
                               a.to(gk.float64) * 2, a.type(gk.float64)), "a"),
}


def _flat(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat(o))
        return res
    return [out]


def _run(fn, names, device):
    ins = []
    for n in [n for part in names.split(",") for n in ([part] if part in DATA else part)]:
        arr = DATA[n]
        t = gk.tensor(arr, device=device, requires_grad=arr.dtype.kind == "f")
        ins.append(t)
    outs = _flat(fn(*ins))
    loss = None
    for k, o in enumerate(outs):
        if isinstance(o, gk.Tensor) and o.requires_grad:
            w = gk.tensor(np.linspace(-1, 1, max(o.numel(), 1), dtype=np.float32).reshape(
                tuple(o.shape)) * (k + 1), device=device)
            term = (o * w).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        loss.backward()
    return outs, [t.grad for t in ins]


@pytest.mark.parametrize("name", list(CASES))
def test_op_matches_cpu(cuda, name):
    fn, names = CASES[name]
    outs_c, grads_c = _run(fn, names, "cpu")
    outs_d, grads_d = _run(fn, names, cuda)
    assert len(outs_c) == len(outs_d)
    for k, (c, d) in enumerate(zip(outs_c, outs_d)):
        if not isinstance(c, gk.Tensor):
            assert c == d, f"{name}: output {k}"
            continue
        assert d.is_cuda, f"{name}: output {k} left the device"
        assert d.dtype == c.dtype and tuple(d.shape) == tuple(c.shape), f"{name}: output {k}"
        np.testing.assert_allclose(d.detach().cpu().numpy(), c.detach().numpy(), rtol=RTOL,
                                   atol=ATOL, err_msg=f"{name}: output {k}")
    for k, (c, d) in enumerate(zip(grads_c, grads_d)):
        assert (c is None) == (d is None), f"{name}: gradient {k}"
        if c is not None:
            assert d.is_cuda, f"{name}: gradient {k} left the device"
            np.testing.assert_allclose(d.cpu().numpy(), c.numpy(), rtol=RTOL, atol=ATOL,
                                       err_msg=f"{name}: gradient of input {k}")


def _like(name, device):
    out = getattr(gk, f"{name}_like")(gk.ones(2, 3, device=device))
    return out * 0 if name == "empty" else out


FACTORIES = {
    "zeros": lambda d: gk.zeros(2, 3, device=d), "ones": lambda d: gk.ones((2, 3), device=d),
    "full": lambda d: gk.full((2,), 1.5, device=d), "empty": lambda d: gk.empty(2, device=d) * 0,
    "arange": lambda d: gk.arange(5, device=d), "arange-f": lambda d: gk.arange(0, 1, 0.25,
                                                                                 device=d),
    "linspace": lambda d: gk.linspace(0, 1, 5, device=d),
    "logspace": lambda d: gk.logspace(0, 1, 3, device=d), "eye": lambda d: gk.eye(3, device=d),
    "rand": lambda d: gk.rand(3, device=d), "randn": lambda d: gk.randn(2, 2, device=d),
    "randint": lambda d: gk.randint(0, 5, (4,), device=d),
    "randperm": lambda d: gk.randperm(5, device=d),
    "normal": lambda d: gk.normal(0.0, 1.0, (3,), device=d),
    "normal-tensor": lambda d: gk.normal(gk.zeros(3, device=d), 1.0),
    "tensor": lambda d: gk.tensor([[1, 2], [3, 4]], device=d),
    "as_tensor": lambda d: gk.as_tensor(np.ones(2), device=d),
    "scalar_tensor": lambda d: gk.scalar_tensor(2, device=d),
    "bernoulli": lambda d: gk.bernoulli(gk.full((4,), 0.5, device=d)),
    "multinomial": lambda d: gk.multinomial(gk.ones(2, 3, device=d), 2),
    **{f"{n}_like": functools.partial(_like, n) for n in ("zeros", "ones", "empty", "rand",
                                                          "randn")},
    "full_like": lambda d: gk.full_like(gk.ones(2, device=d), 3.0),
    "randint_like": lambda d: gk.randint_like(gk.ones(2, device=d), 5),
    "new_zeros": lambda d: gk.ones(2, device=d).new_zeros(3),
    "new_ones": lambda d: gk.ones(2, device=d).new_ones((2, 2)),
    "new_full": lambda d: gk.ones(2, device=d).new_full((2,), 4.0),
    "new_empty": lambda d: gk.ones(2, device=d).new_empty(2) * 0,
    "new_tensor": lambda d: gk.ones(2, device=d).new_tensor([1.0, 2.0]),
}


@pytest.mark.parametrize("name", list(FACTORIES))
def test_factory_places_on_device(cuda, name):
    gk.manual_seed(3)
    c = FACTORIES[name]("cpu")
    gk.manual_seed(3)
    d = FACTORIES[name](cuda)
    assert d.is_cuda and not c.is_cuda
    assert d.dtype == c.dtype and tuple(d.shape) == tuple(c.shape)
    if name not in ("bernoulli", "multinomial"):
        np.testing.assert_allclose(d.cpu().numpy(), c.numpy(), rtol=1e-6)


def test_transfers_item_tolist_repr(cuda):
    x = gk.tensor([[1.5, 2.0], [3.0, 4.0]])
    d = x.to(cuda)
    assert d.is_cuda and d.cuda().is_cuda and d.to(d).is_cuda and d.to("cuda:0") is d
    assert not d.cpu().is_cuda and x.to(d).is_cuda and d.to(x.device).device == gk.device("cpu")
    assert d.to(cuda, gk.float64).dtype == gk.float64
    assert d[0, 0].item() == 1.5 and isinstance(d.sum().item(), float)
    assert d.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert float(d[1, 1]) == 4.0 and int(d.long()[1, 0]) == 3 and bool(d[0, 0] > 1)
    assert "device='cuda:0'" in repr(d)
    assert len(d) == 2 and [r.is_cuda for r in d] == [True, True]
    assert d.argmax().item() == 3 and d.long()[gk.tensor(1)].tolist() == [3, 4]
    assert np.asarray(d.cpu()).shape == (2, 2)


SECOND_ORDER = {
    "pow": lambda a, b: (a ** 3 * b).sum(),
    "max-min": lambda a, b: (gk.maximum(a, b) * gk.minimum(a, b) * a).sum(),
    "where": lambda a, b: gk.where(a > 0, a * a, b * a).sum(),
    "softmax": lambda a, b: (a.softmax(1) * b).sum() + a.log_softmax(0).pow(2).sum(),
    "einsum-diag": lambda a, b: (gk.einsum("ii->i", a[:, :3] @ b[:, :3].t()) ** 2).sum(),
    "matmul-tanh": lambda a, b: (a @ b.t()).tanh().sum(),
    "norm-var": lambda a, b: a.norm() * b.var() + (a * b).std(1).sum(),
    "getitem-cat": lambda a, b: (gk.cat([a[gk.tensor([0, 2], device=a.device)], b]) ** 2).sum(),
    "sum-to": lambda a, b: ((a + b[0]) ** 2 * a.amax(1, keepdim=True)).sum(),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_order_matches_cpu(cuda, name):
    """Under create_graph the backward rules run on Tensors: their constants (zeros, masks)
    must follow the device too."""
    res = []
    for dev in ("cpu", cuda):
        a = gk.tensor(DATA["a"], device=dev, requires_grad=True)
        b = gk.tensor(DATA["b"], device=dev, requires_grad=True)
        (ga,) = gk.autograd.grad(SECOND_ORDER[name](a, b), a, create_graph=True)
        assert ga.is_cuda == (dev != "cpu")
        (ga * ga).sum().backward()
        for t in (a, b):
            assert t.grad is None or t.grad.is_cuda == (dev != "cpu")
        res.append([ga.detach().cpu().numpy()] + [
            t.grad.cpu().numpy() if t.grad is not None else None for t in (a, b)])
    for c, d in zip(*res):
        assert (c is None) == (d is None)
        if c is not None:
            np.testing.assert_allclose(d, c, rtol=RTOL, atol=ATOL, err_msg=name)


def _clip(a, b):
    a.grad = b.detach() * 3
    b.grad = a.detach() * 2
    total = gk.nn.utils.clip_grad_norm_([a, b], 1.0)
    gk.nn.utils.clip_grad_value_([a], 0.1)
    return total, a.grad * 1, b.grad * 1, gk.nn.utils.get_total_norm([a, b], 1.0)


def _init(a, b):
    w = gk.nn.Linear(4, 3).to(a.device).weight
    out = []
    for name, args in (("zeros_", ()), ("ones_", ()), ("constant_", (0.3,)), ("eye_", ()),
                       ("uniform_", ()), ("normal_", ()), ("xavier_uniform_", ()),
                       ("xavier_normal_", ()), ("kaiming_uniform_", ()), ("kaiming_normal_", ()),
                       ("trunc_normal_", ()), ("orthogonal_", ()), ("dirac_", ())):
        if name == "dirac_":
            w = gk.nn.Conv1d(3, 3, 3).to(a.device).weight
        gk.manual_seed(5)
        getattr(gk.nn.init, name)(w, *args)
        out.append(w.detach() * 1)
    return tuple(out)


def _functional_api(a, b):
    def f(x):
        return (x ** 3).sum(1)

    v = b[:, 0].detach()
    fa = gk.autograd.functional
    return (fa.jacobian(f, a), fa.hessian(lambda x: (x ** 3).sum(), a[0]),
            fa.vjp(f, a, v)[1], fa.jvp(f, a, b.detach())[1],
            fa.hvp(lambda x: (x ** 3).sum(), a, b.detach())[1],
            gk.autograd.grad(f(a).sum(), a, create_graph=True)[0])


def _attention(B, C):
    F = gk.nn.functional
    q, k = B, C.transpose(1, 2)[:, :3]  # (2, 3, 4) each
    causal = F.scaled_dot_product_attention(q, k, k, is_causal=True)
    masked = F.scaled_dot_product_attention(q, k, k, attn_mask=[[True, False, True]] * 3)
    dropped = F.scaled_dot_product_attention(q, k, k, dropout_p=0.3) if gk.manual_seed(4) else None
    gk.manual_seed(0)
    mha = gk.nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True,
                                 batch_first=True).to(B.device)
    kpm = gk.tensor([[False, False, True], [False, True, False]], device=B.device)
    out, w = mha(q, k, k, key_padding_mask=kpm, attn_mask=np.triu(np.ones((3, 3), bool), 1))
    return causal, masked, dropped, out, w


def _cells(a, b):
    out = []
    for cell in (gk.nn.RNNCell(4, 5), gk.nn.LSTMCell(4, 5), gk.nn.GRUCell(4, 5)):
        gk.manual_seed(0)
        cell.reset_parameters()
        res = cell.to(a.device)(a)
        out.extend(res if isinstance(res, tuple) else (res,))
    return tuple(out)


NN = {
    "rnn-cells": (_cells, "ab"),
    "attention": (_attention, "BC"),
    # targets and weights made on the input's device (a Python list there is a TypeError, as
    # PyTorch's: tests/nn/test_nn_fuzz_findings.py)
    "loss-targets": (lambda a: (
        gk.nn.functional.cross_entropy(a, gk.tensor([0, 3, 1], device=a.device),
                                       weight=gk.tensor([1.0, 2.0, 0.5, 1.0], device=a.device)),
        gk.nn.functional.mse_loss(a, gk.tensor(DATA["b"], device=a.device)),
        gk.nn.functional.binary_cross_entropy_with_logits(
            a, gk.tensor((DATA["b"] > 0).astype(np.float32), device=a.device),
            pos_weight=gk.ones(4, device=a.device))),
                     "a"),
    "one_hot": (lambda j: gk.nn.functional.one_hot(j, 4), "j"),
    "pad": (lambda a: tuple(gk.nn.functional.pad(a, (1, 2), mode=m) for m in
                            ("constant", "reflect", "replicate", "circular")), "a"),
    "embedding": (lambda m, i: (gk.nn.functional.embedding(i, m.t() * 1.0),
                                gk.nn.functional.embedding(i, m.t() * 1.0, padding_idx=1,
                                                           scale_grad_by_freq=True)), "mi"),
    "embedding-max_norm": (lambda m, i: gk.nn.functional.embedding(
        i, m.t().detach().clone(), max_norm=0.5) * m.sum(), "mi"),
    "dropout": (lambda a: (gk.nn.functional.dropout(a, 0.3, generator=gk.Generator().manual_seed(
        1)), gk.nn.functional.dropout(a, 1.0)), "a"),
    "clip_grad": (_clip, "ab"),
    "init": (_init, "ab"),
    "functional-api": (_functional_api, "ab"),
    "losses-weights": (lambda a, j: (
        gk.nn.functional.cross_entropy(a, j, weight=gk.tensor([1.0, 2.0, 0.5, 1.0],
                                                              device=a.device)),
        gk.nn.functional.binary_cross_entropy_with_logits(
            a, (a > 0).float(), pos_weight=gk.tensor([1.0, 2.0, 3.0, 4.0], device=a.device)),
        gk.nn.functional.cross_entropy(a, j, ignore_index=2, reduction="sum")), "aj"),
}


@pytest.mark.parametrize("name", list(NN))
def test_nn_helpers_match_cpu(cuda, name):
    fn, names = NN[name]
    CASES[name] = (fn, names)
    try:
        test_op_matches_cpu(cuda, name)
    finally:
        del CASES[name]


def test_backward_with_array_gradient_and_nonleaf_inputs(cuda):
    x = gk.tensor(DATA["a"], device=cuda, requires_grad=True)
    y = x * 2
    z = y.sin()
    z.backward(DATA["b"].tolist(), inputs=[x, y])  # a list gradient goes to z's device
    assert x.grad.is_cuda and y.grad.is_cuda
    np.testing.assert_allclose(y.grad.cpu().numpy(), DATA["b"] * np.cos(DATA["a"] * 2),
                               rtol=RTOL, atol=ATOL)


def test_mixed_devices_are_clear_errors(cuda):
    a, h = gk.ones(3, device=cuda), gk.ones(3)
    with pytest.raises(RuntimeError, match="cat.*same device.*cuda:0.*cpu"):
        gk.cat([a, h])
    with pytest.raises(RuntimeError, match="stack.*same device"):
        gk.stack([a, h])
    with pytest.raises(RuntimeError, match="where.*same device"):
        gk.where(h > 0, a, a)
    with pytest.raises(RuntimeError, match="where.*same device.*cuda:0 and cpu"):
        gk.where(a > 0, a, h)
    with pytest.raises(RuntimeError, match="cross_entropy.*target.*device"):
        gk.nn.functional.cross_entropy(gk.ones(2, 3, device=cuda), gk.tensor([0, 1]))


@pytest.mark.parametrize("fast", [False, True])
def test_gradcheck_on_device(cuda, fast):
    x = gk.tensor(DATA["a"][:2, :3], dtype=gk.float64, device=cuda, requires_grad=True)
    w = gk.tensor(DATA["m"][:3, :2], dtype=gk.float64, device=cuda, requires_grad=True)
    assert gk.autograd.gradcheck(lambda x, w: (x @ w).tanh(), (x, w), fast_mode=fast)
    assert gk.autograd.gradgradcheck(lambda x, w: (x @ w).sin(), (x, w), fast_mode=fast)
