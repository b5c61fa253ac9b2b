"""Translations of the tensor operations a custom ``forward`` uses (``+``, ``reshape``, ``cat``,
``F.relu``, ...). Each converter gets the graph, the call's arguments by name (``input`` first)
and the traced result, appends ONNX nodes and binds the result to their output."""

from __future__ import annotations

import math

import numpy as np

INT64_MAX = 2 ** 63 - 1

# (owner, attribute, kind, reversed operands): the faces wrapped during an export
_BINARY = {"add": ("__add__", "__radd__", "add"), "sub": ("__sub__", "__rsub__", "sub"),
           "mul": ("__mul__", "__rmul__", "mul"), "div": ("__truediv__", "__rtruediv__", "div"),
           "matmul": ("__matmul__", "__rmatmul__", "matmul"), "pow": ("__pow__", "__rpow__", "pow")}
FACES = []
for _kind, (_op, _rop, _fn) in _BINARY.items():
    FACES += [("Tensor", _op, _kind, False), ("Tensor", _rop, _kind, True),
              ("Tensor", _fn, _kind, False), ("gradkit", _fn, _kind, False)]
FACES += [("gradkit", "bmm", "matmul", False), ("Tensor", "bmm", "matmul", False),
          ("gradkit", "true_divide", "div", False), ("gradkit", "multiply", "mul", False),
          ("gradkit", "subtract", "sub", False), ("Tensor", "__neg__", "neg", False),
          ("gradkit", "neg", "neg", False), ("Tensor", "neg", "neg", False),
          ("Tensor", "__getitem__", "getitem", False)]
for _name in ("reshape", "view", "flatten", "permute", "transpose", "t", "unsqueeze", "squeeze",
              "contiguous", "mean", "sum", "softmax", "log_softmax", "relu", "sigmoid", "tanh",
              "exp", "log", "sqrt", "rsqrt", "abs", "view_as", "reshape_as", "float",
              "masked_fill"):
    FACES.append(("Tensor", _name, _name, False))
for _name in ("cat", "concat", "concatenate", "stack", "flatten", "mean", "sum", "softmax",
              "log_softmax", "relu", "sigmoid", "tanh", "exp", "log", "sqrt", "rsqrt", "abs",
              "reshape", "transpose", "permute", "unsqueeze", "squeeze", "masked_fill"):
    FACES.append(("gradkit", _name, {"concat": "cat", "concatenate": "cat"}.get(_name, _name),
                  False))
for _name in ("relu", "gelu", "silu", "sigmoid", "tanh", "leaky_relu", "elu", "softmax",
              "log_softmax", "dropout", "linear", "max_pool1d", "max_pool2d", "avg_pool1d",
              "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "layer_norm",
              "embedding"):
    FACES.append(("F", _name, "F." + _name, False))

for _kind, _iop in (("add", "__iadd__"), ("sub", "__isub__"), ("mul", "__imul__"),
                   ("div", "__itruediv__")):
    FACES += [("Tensor", _iop, _kind, False), ("Tensor", _kind + "_", _kind, False)]
for _name in ("relu_", "sigmoid_", "tanh_", "exp_", "sqrt_", "neg_", "abs_"):
    FACES.append(("Tensor", _name, _name[:-1], False))
for _name in ("gt", "lt", "ge", "le", "eq", "ne"):
    FACES += [("Tensor", f"__{_name}__", _name, False), ("Tensor", _name, _name, False),
              ("gradkit", _name, _name, False)]
FACES += [("gradkit", "where", "where", False), ("gradkit", "argmax", "argmax", False),
          ("Tensor", "argmax", "argmax", False)]
for _name in ("long", "int", "bool", "double", "to", "type_as"):
    FACES.append(("Tensor", _name, "cast", False))

CONVERTERS: dict = {}


def _register(*kinds):
    def deco(fn):
        for k in kinds:
            CONVERTERS[k] = fn
        return fn
    return deco


def convert(g, kind: str, a: dict, out) -> None:
    fn = CONVERTERS.get(kind)
    if fn is None:  # pragma: no cover (every face has a converter)
        g.unsupported(f"the operation {kind}")
    fn(g, kind, a, out)


# -- helpers --------------------------------------------------------------------------------
def _np_dtype(t):
    return t.detach().cpu().numpy().dtype


def operand(g, v, dtype):
    """A tensor or Python number as a value of ``dtype`` (a Cast where the tensor's differs)."""
    from gradkit import Tensor

    if isinstance(v, Tensor):
        name = g.value(v)
        if _np_dtype(v) != dtype:
            name = g.op("Cast", [name], to=np.dtype(dtype))
        return name
    return g.const(np.asarray(v, dtype=dtype), "scalar")


def axis(dim, ndim: int) -> int:
    dim = int(dim)
    return dim + ndim if dim < 0 else dim


def reduce(g, op_type: str, x: str, axes, keepdims: bool):
    """ReduceMean/ReduceSum/... over ``axes`` (None: all) for this graph's opset."""
    attrs = {"keepdims": int(bool(keepdims))}
    if axes is None:
        return g.op(op_type, [x], **attrs)
    axes = [int(d) for d in axes]
    if op_type == "ReduceSum" or g.opset >= 18:
        return g.op(op_type, [x, g.ints(axes, "axes")], **attrs)
    return g.op(op_type, [x], axes=axes, **attrs)


def reshape_target(in_shape, out_shape) -> list:
    """The Reshape shape that gives ``out_shape`` from ``in_shape`` and generalises over other
    sizes of leading dimensions: leading sizes equal to the input's are copied (0), the first
    other one is inferred (-1), the rest are fixed."""
    target = list(out_shape)
    k = 0
    while k < min(len(in_shape), len(out_shape)) and in_shape[k] == out_shape[k] and \
            out_shape[k] != 0:
        target[k] = 0
        k += 1
    if k < len(target) and all(s != 0 for s in out_shape):
        target[k] = -1
    return target


def gelu(g, x: str, approximate: str, dtype) -> str:
    c = lambda v: g.const(np.asarray(v, dtype=dtype), "gelu_c")  # noqa: E731
    if approximate == "tanh":
        # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        x3 = g.op("Mul", [g.op("Mul", [x, x]), x])
        inner = g.op("Mul", [g.op("Add", [x, g.op("Mul", [x3, c(0.044715)])]),
                             c(math.sqrt(2 / math.pi))])
        t = g.op("Add", [g.op("Tanh", [inner]), c(1.0)])
    else:
        t = g.op("Add", [g.op("Erf", [g.op("Div", [x, c(math.sqrt(2.0))])]), c(1.0)])
    return g.op("Mul", [g.op("Mul", [x, t]), c(0.5)], hint="gelu")


def softmax_dim(dim, ndim: int) -> int:
    if dim is None:  # PyTorch's legacy implicit dim
        return 0 if ndim in (0, 1, 3) else 1
    return int(dim)


def ident(g, x: str, out) -> None:
    g.bind(out, g.op("Identity", [x]))


# -- elementwise ----------------------------------------------------------------------------
@_register("add", "sub", "mul", "div", "pow")
def _binary(g, kind, a, out):
    x, y = a["input"], a.get("other", a.get("exponent"))
    if a["_reverse"]:
        x, y = y, x
    dtype = _np_dtype(out)
    if kind == "div" and a.get("rounding_mode") is not None:
        g.unsupported(f"div with rounding_mode={a['rounding_mode']!r}")
    alpha = a.get("alpha", 1)
    if kind in ("add", "sub") and alpha != 1:
        y = y * alpha if not hasattr(y, "shape") else None
        if y is None:
            g.unsupported(f"{kind} with alpha={alpha} and a tensor operand")
    op_type = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow"}[kind]
    g.bind(out, g.op(op_type, [operand(g, x, dtype), operand(g, y, dtype)]))


@_register("neg", "relu", "sigmoid", "tanh", "exp", "log", "sqrt", "abs")
def _unary(g, kind, a, out):
    op_type = {"neg": "Neg", "relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "exp": "Exp",
               "log": "Log", "sqrt": "Sqrt", "abs": "Abs"}[kind]
    g.bind(out, g.op(op_type, [g.value(a["input"])]))


@_register("rsqrt")
def _rsqrt(g, kind, a, out):
    g.bind(out, g.op("Reciprocal", [g.op("Sqrt", [g.value(a["input"])])]))


@_register("F.relu", "F.sigmoid", "F.tanh")
def _f_unary(g, kind, a, out):
    _unary(g, kind[2:], a, out)


@_register("F.gelu")
def _f_gelu(g, kind, a, out):
    g.bind(out, gelu(g, g.value(a["input"]), a.get("approximate", "none"), _np_dtype(out)))


@_register("F.silu")
def _f_silu(g, kind, a, out):
    x = g.value(a["input"])
    g.bind(out, g.op("Mul", [x, g.op("Sigmoid", [x])], hint="silu"))


@_register("F.leaky_relu")
def _f_leaky(g, kind, a, out):
    g.bind(out, g.op("LeakyRelu", [g.value(a["input"])], alpha=float(a["negative_slope"])))


@_register("F.elu")
def _f_elu(g, kind, a, out):
    g.bind(out, g.op("Elu", [g.value(a["input"])], alpha=float(a["alpha"])))


@_register("softmax", "log_softmax", "F.softmax", "F.log_softmax")
def _softmax(g, kind, a, out):
    x = a["input"]
    if a.get("dtype") is not None:
        g.unsupported(f"{kind} with dtype=")
    op_type = "LogSoftmax" if kind.endswith("log_softmax") else "Softmax"
    g.bind(out, g.op(op_type, [g.value(x)], axis=softmax_dim(a.get("dim"), x.ndim)))


@_register("F.dropout")
def _f_dropout(g, kind, a, out):
    if a.get("training") and float(a.get("p", 0.5)) > 0:
        g.unsupported("F.dropout(training=True), which drops at random in eval mode too "
                      "(pass training=self.training, or use an nn.Dropout layer)")
    ident(g, g.value(a["input"]), out)


@_register("masked_fill")
def _masked_fill(g, kind, a, out):
    dtype = _np_dtype(out)
    mask = operand(g, a["mask"], np.dtype(bool))
    g.bind(out, g.op("Where", [mask, operand(g, a["value"], dtype), g.value(a["input"])]))


@_register("float", "cast")
def _cast(g, kind, a, out):
    x = a["input"]
    if _np_dtype(x) == _np_dtype(out):
        ident(g, g.value(x), out)
    else:
        g.bind(out, g.op("Cast", [g.value(x)], to=_np_dtype(out)))


@_register("gt", "lt", "ge", "le", "eq", "ne")
def _compare(g, kind, a, out):
    from gradkit import Tensor

    x, y = a["input"], a["other"]
    dtypes = [_np_dtype(v) for v in (x, y) if isinstance(v, Tensor)]
    dtype = np.result_type(*dtypes)
    op_type = {"gt": "Greater", "lt": "Less", "ge": "GreaterOrEqual", "le": "LessOrEqual",
               "eq": "Equal", "ne": "Equal"}[kind]
    y = g.op(op_type, [operand(g, x, dtype), operand(g, y, dtype)])
    g.bind(out, g.op("Not", [y]) if kind == "ne" else y)


@_register("where")
def _where(g, kind, a, out):
    if a.get("input") is None or a.get("other") is None:
        g.unsupported("where(condition) with one argument")
    dtype = _np_dtype(out)
    cond = operand(g, a["condition"], np.dtype(bool))
    g.bind(out, g.op("Where", [cond, operand(g, a["input"], dtype),
                               operand(g, a["other"], dtype)]))


@_register("argmax")
def _argmax(g, kind, a, out):
    x = a["input"]
    dim = a.get("dim")
    xv = g.value(x)
    if dim is None:
        xv = g.op("Reshape", [xv, g.ints([-1])])
        y = g.op("ArgMax", [xv], axis=0, keepdims=0)  # keepdim is ignored, as in PyTorch
        if tuple(out.shape) != ():
            y = g.op("Reshape", [y, g.ints(list(out.shape))])
    else:
        y = g.op("ArgMax", [xv], axis=axis(dim, x.ndim), keepdims=int(bool(a.get("keepdim"))))
    g.bind(out, y)


# -- products -------------------------------------------------------------------------------
@_register("matmul")
def _matmul(g, kind, a, out):
    x, y = a["input"], a.get("other", a.get("mat2"))
    if a["_reverse"]:
        x, y = y, x
    dtype = _np_dtype(out)
    g.bind(out, g.op("MatMul", [operand(g, x, dtype), operand(g, y, dtype)]))


def linear(g, x: str, ndim: int, weight, bias) -> str:
    """``x @ weight.T + bias``: Gemm for a matrix, MatMul (+ Add) otherwise."""
    w = g.value(weight)
    if ndim == 2:
        inputs = [x, w] + ([g.value(bias)] if bias is not None else [])
        return g.op("Gemm", inputs, transB=1, hint="linear")
    y = g.op("MatMul", [x, g.op("Transpose", [w], perm=[1, 0])])
    if bias is not None:
        y = g.op("Add", [y, g.value(bias)], hint="linear")
    return y


@_register("F.linear")
def _f_linear(g, kind, a, out):
    x = a["input"]
    g.bind(out, linear(g, g.value(x), x.ndim, a["weight"], a.get("bias")))


# -- shape ----------------------------------------------------------------------------------
@_register("reshape", "view", "view_as", "reshape_as")
def _reshape(g, kind, a, out):
    x = a["input"]
    target = reshape_target(tuple(x.shape), tuple(out.shape))
    g.bind(out, g.op("Reshape", [g.value(x), g.ints(target)]))


@_register("flatten")
def _flatten(g, kind, a, out):
    x = a["input"]
    if x.ndim == 0:
        g.bind(out, g.op("Reshape", [g.value(x), g.ints([1])]))
        return
    start = axis(a.get("start_dim", 0), x.ndim)
    end = axis(a.get("end_dim", -1), x.ndim)
    if end == x.ndim - 1 and start == 1:
        g.bind(out, g.op("Flatten", [g.value(x)], axis=1))
        return
    target = [0] * start + [-1] + list(out.shape[start + 1:])
    g.bind(out, g.op("Reshape", [g.value(x), g.ints(target)]))


def _perm_arg(a):
    dims = a.get("dims")
    if dims is None:
        dims = a.get("args", ())
        if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
            dims = dims[0]
    return list(dims)


@_register("permute")
def _permute(g, kind, a, out):
    x = a["input"]
    perm = [axis(d, x.ndim) for d in _perm_arg(a)]
    g.bind(out, g.op("Transpose", [g.value(x)], perm=perm))


@_register("transpose", "t")
def _transpose(g, kind, a, out):
    x = a["input"]
    if x.ndim < 2:
        ident(g, g.value(x), out)
        return
    d0, d1 = (axis(a["dim0"], x.ndim), axis(a["dim1"], x.ndim)) if kind == "transpose" else (0, 1)
    perm = list(range(x.ndim))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    g.bind(out, g.op("Transpose", [g.value(x)], perm=perm))


@_register("unsqueeze")
def _unsqueeze(g, kind, a, out):
    x = a["input"]
    g.bind(out, g.op("Unsqueeze", [g.value(x), g.ints([axis(a["dim"], x.ndim + 1)], "axes")]))


@_register("squeeze")
def _squeeze(g, kind, a, out):
    from gradkit.functions.shape import _EVERY

    x = a["input"]
    dim = a.get("dim")
    if dim is _EVERY:  # left out: the method's spread dims (x.squeeze(0, 2)), else every one
        dim = tuple(a.get("dims") or ()) or None
    if dim is None:
        dims = [i for i, s in enumerate(x.shape) if s == 1]
    else:
        dims = [axis(d, x.ndim) for d in (dim if isinstance(dim, (list, tuple)) else [dim])]
        dims = [d for d in dims if x.shape[d] == 1]
    if not dims:
        ident(g, g.value(x), out)
        return
    g.bind(out, g.op("Squeeze", [g.value(x), g.ints(dims, "axes")]))


@_register("contiguous")
def _contiguous(g, kind, a, out):
    ident(g, g.value(a["input"]), out)


@_register("cat", "stack")
def _cat(g, kind, a, out):
    tensors = list(a["tensors"])
    ndim = out.ndim
    dim = axis(a.get("dim", 0), ndim)
    dtype = _np_dtype(out)
    names = [operand(g, t, dtype) for t in tensors]
    if kind == "stack":
        names = [g.op("Unsqueeze", [n, g.ints([dim], "axes")]) for n in names]
    g.bind(out, g.op("Concat", names, axis=dim, hint=kind))


@_register("mean", "sum")
def _reduce(g, kind, a, out):
    x = a["input"]
    if a.get("dtype") is not None:
        g.unsupported(f"{kind} with dtype=")
    dim = a.get("dim")
    axes = None if dim is None else [axis(d, x.ndim) for d in
                                     (dim if isinstance(dim, (list, tuple)) else [dim])]
    op_type = "ReduceMean" if kind == "mean" else "ReduceSum"
    xv = g.value(x)
    if kind == "sum" and not x.is_floating_point():
        xv = g.op("Cast", [xv], to=_np_dtype(out))
    g.bind(out, reduce(g, op_type, xv, axes, a.get("keepdim", False)))


@_register("getitem")
def _getitem(g, kind, a, out):
    from gradkit import Tensor

    x = a["input"]
    index = a["index"]
    items = index if isinstance(index, tuple) else (index,)
    for it in items:
        if isinstance(it, (Tensor, list, np.ndarray)) or (
                not isinstance(it, (int, slice, type(None), type(Ellipsis)))):
            g.unsupported(f"indexing with {type(it).__name__} (only ints, slices, None and ... "
                          f"are exported)")
    n_real = sum(1 for it in items if it is not None and it is not Ellipsis)
    expanded = []
    for it in items:
        if it is Ellipsis:
            expanded += [slice(None)] * (x.ndim - n_real)
        else:
            expanded.append(it)
    starts, ends, axes_, steps, gathers, news = [], [], [], [], [], []
    in_axis, out_pos = 0, 0
    for it in expanded:
        if it is None:
            news.append(out_pos)
            out_pos += 1
        elif isinstance(it, slice):
            step = 1 if it.step is None else int(it.step)
            if step <= 0:
                g.unsupported("slicing with a step below 1")
            if it.start is not None or it.stop is not None or step != 1:
                starts.append(0 if it.start is None else int(it.start))
                ends.append(INT64_MAX if it.stop is None else int(it.stop))
                axes_.append(in_axis)
                steps.append(step)
            in_axis += 1
            out_pos += 1
        else:
            gathers.append((in_axis, int(it)))
            in_axis += 1
    y = g.value(x)
    if axes_:
        y = g.op("Slice", [y, g.ints(starts, "starts"), g.ints(ends, "ends"),
                           g.ints(axes_, "axes"), g.ints(steps, "steps")])
    for ax, idx in sorted(gathers, reverse=True):
        y = g.op("Gather", [y, g.const(np.asarray(idx, dtype=np.int64), "index")], axis=ax)
    if news:
        y = g.op("Unsqueeze", [y, g.ints(news, "axes")])
    if y == g.value(x):
        y = g.op("Identity", [y])
    g.bind(out, y)


# -- layers called as functions -------------------------------------------------------------
@_register("F.max_pool1d", "F.max_pool2d", "F.avg_pool1d", "F.avg_pool2d")
def _f_pool(g, kind, a, out):
    from . import _layers

    x = a["input"]
    nd = 1 if kind.endswith("1d") else 2
    if kind.startswith("F.max"):
        if a.get("return_indices"):
            g.unsupported(f"{kind[2:]}(return_indices=True)")
        y = _layers.max_pool(g, g.value(x), nd, a["kernel_size"], a.get("stride"),
                             a.get("padding", 0), a.get("dilation", 1), a.get("ceil_mode", False))
    else:
        if a.get("divisor_override") is not None:
            g.unsupported(f"{kind[2:]}(divisor_override=...)")
        y = _layers.avg_pool(g, g.value(x), nd, a["kernel_size"], a.get("stride"),
                             a.get("padding", 0), a.get("ceil_mode", False),
                             a.get("count_include_pad", True))
    g.bind(out, y)


@_register("F.adaptive_avg_pool1d", "F.adaptive_avg_pool2d")
def _f_adaptive(g, kind, a, out):
    from . import _layers

    x = a["input"]
    g.bind(out, _layers.adaptive_avg_pool(g, x, 1 if kind.endswith("1d") else 2,
                                          a["output_size"]))


@_register("F.layer_norm")
def _f_layer_norm(g, kind, a, out):
    from . import _layers

    x = a["input"]
    shape = a["normalized_shape"]
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    g.bind(out, _layers.layer_norm(g, x, shape, a.get("weight"), a.get("bias"),
                                   float(a.get("eps", 1e-5))))


@_register("F.embedding")
def _f_embedding(g, kind, a, out):
    if a.get("max_norm") is not None:
        g.unsupported("F.embedding with max_norm (it changes the weight)")
    idx = g.value(a["input"])
    g.bind(out, g.op("Gather", [g.value(a["weight"]), idx], axis=0, hint="embedding"))
