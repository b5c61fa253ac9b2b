"""The export tracer: ``torch.fx``'s tracer run on Proxies that also carry real values.

Every node is computed as it is recorded, on the example inputs, so the program's Python sees
real shapes, dtypes and devices (``if x.dim() == 4:``, ``for t in range(x.size(1)):`` and a
module's own shape checks run as they would). Where ``dynamic_shapes`` marks dimensions as
dynamic, the program is run a second time alongside, on inputs whose dynamic dimensions have
another size: a size that differs between the two runs is dynamic, and reading it records
``x.size(d)`` in the graph instead of a constant. Control flow on tensor values, or on a
dynamic size, cannot be captured and raises.
"""

from __future__ import annotations

import numbers

from ..fx._symbolic_trace import Tracer, _Patcher
from ..fx.node import map_aggregate, map_arg
from ..fx.proxy import Proxy
from .dynamic_shapes import GuardOnDataDependentSymNode, UserError

__all__ = ["ExportTracer"]

_META_ATTRS = frozenset(("dtype", "device", "ndim", "is_cuda", "requires_grad", "layout",
                         "is_sparse", "is_quantized", "is_meta", "is_leaf", "is_mps", "itemsize"))
_META_METHODS = frozenset(("dim", "ndimension", "is_floating_point", "is_complex",
                           "element_size", "get_device", "is_contiguous", "is_signed",
                           "type", "has_names"))


class ExportProxy(Proxy):
    """A traced value with its concrete value(s) at hand (``tracer.values[node]``)."""

    @property
    def __class__(self):
        # a tensor-valued proxy passes the ``isinstance(x, Tensor)`` checks of the modules it
        # flows through (``type(proxy)`` is still ExportProxy)
        from .. import Tensor

        values = self.tracer.values.get(self.node)
        if values is not None and isinstance(values[0], Tensor):
            return Tensor
        return ExportProxy

    def _vals(self):
        return self.tracer.values[self.node]

    def __getattr__(self, name: str):
        from .. import Tensor

        va = self.tracer.values.get(self.node, (None,))[0]
        if isinstance(va, Tensor):
            if name == "shape":
                return self.tracer.sizes(self)
            if name == "size":
                return lambda dim=None: self.tracer.sizes(self) if dim is None else \
                    self.tracer.size(self, dim)
            if name in ("numel", "nelement") and not self.tracer.dynamic_value(self):
                return va.numel
            if name in _META_ATTRS:
                return getattr(va, name)
            if name in _META_METHODS:
                return getattr(va, name)
            if name in ("_grad_fn", "grad_fn"):  # (a traced value has no autograd node)
                return None
            if name == "_data":
                raise AttributeError(
                    f"export: the program reads the NumPy array of a traced tensor "
                    f"({self.node.name}._data); what is computed from it cannot be recorded. "
                    f"Use tensor operations (the gradkit layer doing this cannot be exported "
                    f"yet)")
        return super().__getattr__(name)

    def _guard(self, fn, what: str):
        from .. import Tensor

        va, vb = self._vals()
        if isinstance(va, Tensor) or self.tracer.is_data_dependent(self.node):
            raise GuardOnDataDependentSymNode(
                f"Could not guard on data-dependent expression: the program calls {what} on "
                f"{self.node.name} (computed from tensor values), so which path it takes "
                f"depends on the input's data, which an exported program cannot capture. Use "
                f"torch.where (or compute both branches) instead of Python control flow on "
                f"tensor values")
        ra = fn(va)
        if vb is not None and fn(vb) != ra:
            raise UserError(
                f"Constraints violated ({self.tracer.dim_names()})! The program calls {what} "
                f"on {self.node.name}, which depends on a dimension marked dynamic, so it "
                f"would specialize that dimension to a constant ({va}). Mark the dimension "
                f"static (Dim.STATIC or no entry in dynamic_shapes), or keep the program's "
                f"Python from branching on that size")
        return ra

    def __bool__(self):
        return self._guard(bool, "bool()")

    def __index__(self):
        return self._guard(lambda v: v.__index__(), "int()")

    def __int__(self):
        return self._guard(int, "int()")

    def __float__(self):
        return self._guard(float, "float()")

    def __len__(self):
        from .. import Tensor

        va = self._vals()[0]
        if isinstance(va, Tensor):
            if va.dim() == 0:
                raise TypeError("len() of a 0-d tensor")
            n = self.tracer.size(self, 0)
            if isinstance(n, Proxy):
                return n.__index__()
            return n
        return self._guard(len, "len()")

    def __iter__(self):
        n = len(self)
        return (self[i] for i in range(n))


def _functional_form(m):
    """For gradkit layers whose ``forward`` works on the arrays themselves (range checks,
    private helpers), the public functional PyTorch's layer calls, recorded instead (only
    where the layer's ``forward`` is gradkit's own)."""
    import re

    from ..nn import functional as F

    fwd = getattr(type(m), "forward", None)
    if not (getattr(fwd, "__module__", "") or "").startswith("gradkit.nn"):
        return None
    name = type(m).__name__
    dims = re.fullmatch(r"(\D+?)(\d)d", name)  # MaxPool2d -> ("MaxPool", "2")
    kind, n = dims.groups() if dims else (name, "")
    if isinstance(m, _upsample()):
        return lambda m, x: F.interpolate(x, m.size, m.scale_factor, m.mode, m.align_corners,
                                          m.recompute_scale_factor)
    if kind == "Embedding":
        return lambda m, x: F.embedding(x, m.weight, m.padding_idx, m.max_norm, m.norm_type,
                                        m.scale_grad_by_freq, m.sparse)
    if kind == "AdaptiveAvgPool":
        fn = getattr(F, f"adaptive_avg_pool{n}d")
        return lambda m, x: fn(x, m.output_size)
    if kind == "AdaptiveMaxPool":
        fn = getattr(F, f"adaptive_max_pool{n}d")
        return lambda m, x: fn(x, m.output_size, m.return_indices)
    if kind == "AvgPool":
        fn = getattr(F, f"avg_pool{n}d")
        extra = () if n == "1" else ("divisor_override",)
        return lambda m, x: fn(x, m.kernel_size, m.stride, m.padding, m.ceil_mode,
                               m.count_include_pad, *(getattr(m, a) for a in extra))
    if kind == "MaxPool":
        fn = getattr(F, f"max_pool{n}d")
        return lambda m, x: fn(x, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode,
                               m.return_indices)
    if kind == "LPPool" and hasattr(F, f"lp_pool{n}d"):
        fn = getattr(F, f"lp_pool{n}d")
        return lambda m, x: fn(x, m.norm_type, m.kernel_size, m.stride, m.ceil_mode)
    if kind == "ConvTranspose":
        fn = getattr(F, f"conv_transpose{n}d")

        def conv_t(m, x, output_size=None):
            if output_size is not None:
                raise NotImplementedError(f"export: {name}(..., output_size=) is not "
                                          f"supported; give the layer output_padding instead")
            return fn(x, m.weight, m.bias, m.stride, m.padding, m.output_padding, m.groups,
                      m.dilation)
        return conv_t
    simple = {"Fold": lambda m, x: F.fold(x, m.output_size, m.kernel_size, m.dilation,
                                          m.padding, m.stride),
              "Unfold": lambda m, x: F.unfold(x, m.kernel_size, m.dilation, m.padding,
                                              m.stride),
              "PixelShuffle": lambda m, x: F.pixel_shuffle(x, m.upscale_factor),
              "PixelUnshuffle": lambda m, x: F.pixel_unshuffle(x, m.downscale_factor)}
    return simple.get(name)


def _upsample():
    from ..nn import Upsample

    return Upsample


class ExportTracer(Tracer):
    """Traces through every module (no leaf modules) and computes each node as it records it:
    ``values[node]`` is ``(value on the example inputs, value on the resized inputs or
    None)``."""

    def __init__(self, dynamic: bool):
        super().__init__()
        self.values: dict = {}
        self.data_dependent: set = set()
        self.dynamic = dynamic
        self.constants: dict = {}  # name -> tensor made during forward (lifted)
        self.attr_values: dict = {}
        self.dim_objects: list = []
        self._size_cache: dict = {}

    # ------------------------------------------------------------------ values
    def dim_names(self) -> str:
        return ", ".join(d.__name__ for d in self.dim_objects) or "none"

    def is_data_dependent(self, node) -> bool:
        return node in self.data_dependent

    def dynamic_value(self, proxy) -> bool:
        va, vb = self.values[proxy.node]
        return vb is not None and tuple(va.shape) != tuple(vb.shape)

    def size(self, proxy, dim):
        va, vb = self.values[proxy.node]
        if isinstance(dim, Proxy):
            dim = dim.__index__()
        n = va.dim()
        if not -n <= dim < n:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-n}, {n - 1}], but got {dim})")
        if vb is None or va.shape[dim] == vb.shape[dim]:
            return va.shape[dim]
        key = (proxy.node, dim % n)
        got = self._size_cache.get(key)
        if got is None:
            got = self._size_cache[key] = self.create_proxy("call_method", "size",
                                                            (proxy, dim % n), {})
        return got

    def sizes(self, proxy):
        from .. import Size

        va = self.values[proxy.node][0]
        got = tuple(self.size(proxy, d) for d in range(va.dim()))
        if any(isinstance(s, Proxy) for s in got):
            return got
        return Size(got)

    def proxy(self, node):
        return ExportProxy(node, self)

    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None):
        node = super().create_node(kind, target, args, kwargs, name, type_expr)
        if kind == "get_attr":
            t = self.attr_values[target]
            self.values[node] = (t, t if self.dynamic else None)
        elif kind in ("call_function", "call_method"):
            self._evaluate(node)
        return node

    def _evaluate(self, node):
        from .. import Tensor, no_grad

        inputs: list = []
        map_arg((node.args, node.kwargs), lambda n: inputs.append(n))
        results = []
        for i in (0, 1):
            if i == 1 and not self.dynamic:
                results.append(None)
                continue
            args = map_arg(node.args, lambda n, i=i: self.values[n][i])
            kwargs = map_arg(node.kwargs, lambda n, i=i: self.values[n][i])
            try:
                with no_grad():
                    if node.op == "call_method":
                        results.append(getattr(args[0], node.target)(*args[1:], **kwargs))
                    else:
                        results.append(node.target(*args, **kwargs))
            except Exception as e:
                if i == 0:
                    raise
                raise UserError(
                    f"Constraints violated ({self.dim_names()})! {node.name} "
                    f"({node.format_node() if hasattr(node, 'format_node') else node.target}) "
                    f"works on the example inputs but fails when a dimension marked dynamic "
                    f"has another size ({type(e).__name__}: {e}): the program fixes that "
                    f"dimension to a constant. Mark it static (Dim.STATIC or no entry in "
                    f"dynamic_shapes), or compute the sizes from the input "
                    f"(x.view(x.size(0), -1))") from None
        self.values[node] = tuple(results)
        va = results[0]
        if node.op == "call_method" and node.target in ("size", "numel", "dim"):
            return  # sizes: known from the shapes, not the data
        if isinstance(va, (numbers.Number, bool)) or type(va).__module__ == "numpy":
            if any(n in self.data_dependent or isinstance(self.values[n][0], Tensor)
                   for n in inputs):
                self.data_dependent.add(node)

    # ------------------------------------------------------------------ arguments
    def create_arg(self, a):
        from .. import Tensor
        from ..nn import Parameter

        if isinstance(a, ExportProxy) and a.node.graph is not self.graph:
            raise RuntimeError("export: a value from another trace was used in this one")
        if not isinstance(a, Proxy) and isinstance(a, Tensor) and \
                not isinstance(a, Parameter) and id(a) not in self.tensor_attrs:
            name = f"lifted_tensor_{len(self.constants)}"
            self.constants[name] = a
            self.attr_values[name] = a
            self.tensor_attrs[id(a)] = name
            self._keep.append(a)
            return self.create_node("get_attr", name, (), {})
        return super().create_arg(a)

    def is_leaf_module(self, m, module_qualified_name: str) -> bool:
        return False

    def call_module(self, m, forward, args, kwargs):
        from ..nn.modules.rnn import RNNBase, RNNCellBase

        if args and type(args[0]) is ExportProxy:
            if isinstance(m, RNNBase):
                return self._recurrent(m, *args, **kwargs)
            if isinstance(m, RNNCellBase):
                return self._cell(m, *args, **kwargs)
            form = _functional_form(m)
            if form is not None:
                return form(m, *args, **kwargs)
        return super().call_module(m, forward, args, kwargs)

    def _cell(self, m, input, hx=None):
        """An RNNCell/LSTMCell/GRUCell as one ``torch.lstm_cell``/``gru_cell``/
        ``rnn_tanh_cell`` node (PyTorch's cells call these)."""
        import gradkit

        name = type(m).__name__
        fn = {"LSTMCell": gradkit.lstm_cell, "GRUCell": gradkit.gru_cell}.get(name)
        if fn is None:
            fn = gradkit.rnn_relu_cell if m.nonlinearity == "relu" else gradkit.rnn_tanh_cell
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            def zeros():
                return self.create_proxy("call_function", gradkit.zeros,
                                         ([x.size(0), m.hidden_size],), {"dtype": x.dtype})
            hx = (zeros(), zeros()) if name == "LSTMCell" else zeros()
        elif not batched:
            hx = tuple(h.unsqueeze(0) for h in hx) if name == "LSTMCell" else hx.unsqueeze(0)
        res = fn(x, hx, m.weight_ih, m.weight_hh, m.bias_ih, m.bias_hh)
        if batched:
            return res
        if name == "LSTMCell":
            return res[0].squeeze(0), res[1].squeeze(0)
        return res.squeeze(0)

    def _recurrent(self, m, input, hx=None):
        """An RNN/LSTM/GRU layer as one ``torch.lstm``/``gru``/``rnn_tanh`` node (the whole
        layer, as PyTorch records ``aten.lstm.input``), its weights lifted like any
        parameter."""
        import gradkit

        fn = {"LSTM": gradkit.lstm, "GRU": gradkit.gru, "RNN_TANH": gradkit.rnn_tanh,
              "RNN_RELU": gradkit.rnn_relu}[m.mode]
        batched = input.dim() == 3
        x = input if batched else input.unsqueeze(1)
        D = 2 if m.bidirectional else 1
        names = []
        for layer in range(m.num_layers):
            for sfx in ("", "_reverse")[:D]:
                names += [f"weight_ih_l{layer}{sfx}", f"weight_hh_l{layer}{sfx}"]
                if m.bias:
                    names += [f"bias_ih_l{layer}{sfx}", f"bias_hh_l{layer}{sfx}"]
                if m.proj_size > 0:
                    names.append(f"weight_hr_l{layer}{sfx}")
        params = [getattr(m, n) for n in names]
        h_out = m.proj_size if m.proj_size > 0 else m.hidden_size
        if hx is None:
            batch = x.size(0 if m.batch_first else 1)
            def zeros(n):  # (recorded, not a constant: the batch may be dynamic)
                return self.create_proxy("call_function", gradkit.zeros,
                                         ([m.num_layers * D, batch, n],), {"dtype": x.dtype})

            hx = (zeros(h_out), zeros(m.hidden_size)) if m.mode == "LSTM" else zeros(h_out)
        elif not batched:
            hx = tuple(h.unsqueeze(1) for h in hx) if m.mode == "LSTM" else hx.unsqueeze(1)
        res = fn(x, hx, params, m.bias, m.num_layers, float(m.dropout), m.training,
                 m.bidirectional, m.batch_first)
        out, h = res[0], res[1]
        if not batched:
            out, h = out.squeeze(1), h.squeeze(1)
        if m.mode != "LSTM":
            return out, h
        c = res[2] if batched else res[2].squeeze(1)
        return out, (h, c)

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        from .. import Tensor

        if isinstance(attr_val, Tensor):
            name = self.tensor_attrs.get(id(attr_val))
            if name is not None and not name.startswith("lifted_tensor_"):
                proxy = parameter_proxy_cache.get(name)
                if proxy is None:
                    proxy = self.create_proxy("get_attr", name, (), {})
                    parameter_proxy_cache[name] = proxy
                return proxy
        return attr_val

    # ------------------------------------------------------------------ the trace
    @staticmethod
    def _patch_internal_functions(patcher):
        """gradkit's layers call the package ``gradkit.functions`` (``F.transpose``) whose
        functions do not hand a call to ``__torch_function__``; for the trace they are the
        public faces (``gradkit.transpose``), which do, so the call is recorded."""
        import gradkit

        from .. import functions

        for name, fn in list(vars(functions).items()):
            face = getattr(gradkit, name, None)
            if callable(fn) and face is not None and face is not fn and \
                    getattr(face, "__torch_function_face__", False):
                patcher.set_attr(functions, name, face)

    def trace_call(self, root, placeholders: list, build_call):
        """Run ``root`` under the trace. ``placeholders`` are ``(name, value_a, value_b)``;
        ``build_call(proxies)`` gives ``(args, kwargs)`` for ``root``. Returns the result
        (Proxies and constants)."""
        from .. import Tensor
        from .._tensor import torch_function as tf
        from ..fx.graph import Graph

        self.root = root
        self.graph = Graph(tracer_cls=type(self))
        self.submodule_paths = None
        self._keep = []
        self.tensor_attrs = {}
        for name, p in root.named_parameters(remove_duplicate=False):
            self.tensor_attrs.setdefault(id(p), name)
            self.attr_values.setdefault(name, p)
        for name, b in root.named_buffers(remove_duplicate=False):
            self.tensor_attrs.setdefault(id(b), name)
            self.attr_values.setdefault(name, b)
        for prefix, mod in root.named_modules():
            for k, v in vars(mod).items():
                if isinstance(v, Tensor):
                    name = f"{prefix}.{k}" if prefix else k
                    self.tensor_attrs.setdefault(id(v), name)
                    self.attr_values.setdefault(name, v)
        proxies = []
        for name, va, vb in placeholders:
            if isinstance(va, Tensor):
                node = self.graph.placeholder(name)
                self.values[node] = (va, vb)
                proxies.append(self.proxy(node))
            else:
                proxies.append(va)
        args, kwargs = build_call(proxies)
        patcher = _Patcher()
        was_active = tf.ACTIVE[0]
        try:
            self._patch(patcher, type(root).forward)
            self._patch_internal_functions(patcher)
            tf.ACTIVE[0] = True
            result = root(*args, **kwargs)
        finally:
            patcher.restore()
            if not was_active:
                tf.ACTIVE[0] = False
        return map_aggregate(result, lambda v: v)
