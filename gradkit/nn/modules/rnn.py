"""Recurrent layers: RNN (tanh/relu), LSTM, GRU and their single-step cells.

Parameter names, shapes, gate order and default initialisation follow PyTorch, so state dicts load
in both directions. Each layer and direction runs as one fused primitive
(:mod:`gradkit.ops.recurrent`); set ``module.fused = False`` to run the composite reference path
built from differentiable ops instead (same results; slower).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import _dtype
from ... import functions as F
from ..._backend import namespace_of
from ..._tensor import Tensor, _make
from ...functions._args import NotATensorError
from ...random import _gen, dropout_mask, uniform
from ..functional import recurrent as FR
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, _device_index
from .module import Module

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _new_param(shape, dtype):
    return Parameter(_make(np.empty(shape, dtype=dtype), False, None))


def _init_uniform(params, hidden_size):
    k = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for p in params:  # PyTorch's uniform_(-k, k) stream, parameter by parameter
        p._data[...] = uniform(_gen(None), p._data.size, p._data.dtype, -k, k).reshape(
            p._data.shape)


def _dropout(x, p, name):
    mask = dropout_mask(_gen(None), tuple(x.shape), p, x.dtype)
    return x * _make(mask, False, None)


def _shape(t):
    return tuple(t.shape)


# extra_repr shows these RNNBase settings only where they differ from PyTorch's defaults
_REPR_DEFAULTS = (("proj_size", 0), ("num_layers", 1), ("bias", True), ("batch_first", False),
                  ("dropout", 0), ("bidirectional", False))


class RNNBase(Module):
    """Shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU` (``torch.nn.RNNBase``).

    Args:
        mode: ``"LSTM"``, ``"GRU"``, ``"RNN_TANH"`` or ``"RNN_RELU"``.
        input_size: features of the input.
        hidden_size: features of the hidden state.
        num_layers: stacked recurrent layers. Default: 1.
        bias: use ``bias_ih``/``bias_hh``. Default: True.
        batch_first: input and output are ``(batch, seq, feature)``. Default: False.
        dropout: dropout probability on the outputs of every layer but the last. Default: 0.
        bidirectional: run a second, reversed direction and concatenate. Default: False.
        proj_size: LSTM only: project ``h`` to this size (0: no projection). Default: 0.
    """

    fused = True

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        for arg, val in (("input_size", input_size), ("hidden_size", hidden_size),
                         ("num_layers", num_layers), ("proj_size", proj_size)):
            if not isinstance(val, (int, np.integer)) or isinstance(val, bool):
                raise TypeError(f"{name}: {arg} should be of type int, got {type(val).__name__}")
        if hidden_size <= 0:
            raise ValueError(f"{name}: hidden_size must be greater than zero, got {hidden_size}")
        if num_layers <= 0:
            raise ValueError(f"{name}: num_layers must be greater than zero, got {num_layers}")
        if input_size <= 0:
            raise ValueError(f"{name}: input_size must be greater than zero, got {input_size}")
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not (
                0 <= dropout <= 1):
            raise ValueError(
                f"{name}: dropout should be a number in range [0, 1] representing the probability "
                f"of an element being zeroed, got {dropout!r}"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}", stacklevel=2)
        if proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero, got "
                             f"{proj_size}")
        if proj_size >= hidden_size and proj_size:
            raise ValueError(f"{name}: proj_size ({proj_size}) has to be smaller than hidden_size "
                             f"({hidden_size})")
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not {name}")
        dtype = _dtype.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.mode = mode
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = int(proj_size)
        gates = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        num_dir = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(num_dir):
                layer_in = input_size if layer == 0 else real_hidden * num_dir
                sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
                names = [f"weight_ih{sfx}", f"weight_hh{sfx}"]
                shapes = [(gates, layer_in), (gates, real_hidden)]
                if bias:
                    names += [f"bias_ih{sfx}", f"bias_hh{sfx}"]
                    shapes += [(gates,), (gates,)]
                if proj_size > 0:
                    names.append(f"weight_hr{sfx}")
                    shapes.append((proj_size, hidden_size))
                for n, s in zip(names, shapes):
                    setattr(self, n, _new_param(s, dtype))
                self._flat_weights_names.extend(names)
        self.reset_parameters()

    @property
    def _name(self) -> str:
        return type(self).__name__

    def reset_parameters(self) -> None:
        """Every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        _init_uniform(self.parameters(), self.hidden_size)

    def flatten_parameters(self) -> None:
        """No-op (kept for PyTorch compatibility: gradkit has no cuDNN weight buffer)."""

    @property
    def _flat_weights(self):
        fw = self.__dict__.get("_flat_weights_set")
        if fw is not None:
            return fw
        return [self._weight(n) for n in self._flat_weights_names]

    @_flat_weights.setter
    def _flat_weights(self, value):
        """A list assigned here is what the layer computes with (in ``_flat_weights_names``
        order), as PyTorch's forward reads its ``_flat_weights`` list: libraries that run a
        layer on other weights (higher's ``monkeypatch``) assign it. As in PyTorch, ``setattr``
        of one weight updates its entry, and once a weight attribute is no longer the tensor it
        was when the list was assigned (that ``setattr``, ``functional_call``), or after
        ``.to()``/``.double()``, the layer goes back to its weight attributes."""
        value = list(value)
        names = self._flat_weights_names
        if len(value) != len(names):
            raise ValueError(f"{self._name}: _flat_weights needs one tensor per name in "
                             f"_flat_weights_names ({len(names)}), got {len(value)}")
        d = self.__dict__
        d["_flat_weights_set"] = value
        d["_flat_weights_refs"] = [self._attr_weight(n) for n in names]

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        fw = self.__dict__.get("_flat_weights_set")
        if fw is not None and name in self._flat_weights_names:
            fw[self._flat_weights_names.index(name)] = getattr(self, name, None)

    def _apply(self, fn, recurse=True):
        self.__dict__.pop("_flat_weights_set", None)  # PyTorch's _init_flat_weights
        return super()._apply(fn, recurse)

    def _assigned_flat_weights(self):
        """The assigned ``_flat_weights`` list while every weight attribute is still the one it
        was assigned over (PyTorch's ``_weights_have_changed``), else None (and it is dropped)."""
        d = self.__dict__
        fw = d.get("_flat_weights_set")
        if fw is None:
            return None
        for name, ref in zip(self._flat_weights_names, d["_flat_weights_refs"]):
            w = self._attr_weight(name)
            if w is not None and ref is not None and w is not ref:
                del d["_flat_weights_set"]
                return None
        return fw

    def _weight(self, name):
        """The weight ``name`` the layer computes with: an assigned ``_flat_weights`` list's
        entry, else its parameter, or what replaced it (a tensor set after the parameter was
        deleted, as AWD-LSTM's WeightDrop and ``weight_norm``'s pre-hook do, or a
        parametrization), as PyTorch's ``_flat_weights`` follows ``setattr``; None for a bias
        the layer was built without."""
        fw = self._assigned_flat_weights()
        if fw is not None and name in self._flat_weights_names:
            return fw[self._flat_weights_names.index(name)]
        return self._attr_weight(name)

    def _attr_weight(self, name):
        p = self._parameters
        return p[name] if name in p else getattr(self, name, None)

    @property
    def all_weights(self):
        """Per layer and direction, the list of its parameters."""
        n = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional else 1))
        w = self._flat_weights
        return [w[i:i + n] for i in range(0, len(w), n)]

    def _weights(self, layer, d):
        sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
        w = self._weight
        return (w(f"weight_ih{sfx}"), w(f"weight_hh{sfx}"), w(f"bias_ih{sfx}"),
                w(f"bias_hh{sfx}"), w(f"weight_hr{sfx}"))

    def _check_state(self, h, expected, what):
        if not isinstance(h, Tensor):  # (PyTorch reads hx.dim(): AttributeError)
            from ...functions._args import NotATensorError

            raise NotATensorError(f"{self._name}: {what} must be a Tensor, got "
                                  f"{type(h).__name__}")
        if _shape(h) != expected:
            raise RuntimeError(
                f"{self._name}: expected {what} of shape {expected}, got {_shape(h)}. The initial "
                f"state is (num_layers * num_directions, batch, "
                f"{'proj_size' if what == 'h0' and self.proj_size else 'hidden_size'})"
                f"{' (no batch dimension for unbatched input)' if len(expected) == 2 else ''}"
            )

    def forward(self, input: Tensor, hx=None):
        """Run the layers over a sequence.

        Args:
            input: the sequence (see Shape), or a :class:`~gradkit.nn.utils.rnn.PackedSequence`
                of variable-length sequences (the output is then packed the same way, and each
                sequence's final state is the one after its own last step).
            hx: initial hidden state ``h0`` (LSTM: the pair ``(h0, c0)``); zeros when None.

        Returns:
            ``(output, h_n)``; LSTM: ``(output, (h_n, c_n))``.

        Shape:
            - input: :math:`(L, N, H_{in})`, or :math:`(N, L, H_{in})` with ``batch_first``, or
              :math:`(L, H_{in})` unbatched.
            - h0, h_n: :math:`(D \\cdot num\\_layers, N, H_{out})` (unbatched: without ``N``), where
              :math:`H_{out}` is ``proj_size`` if set, else ``hidden_size``; c0, c_n:
              :math:`(D \\cdot num\\_layers, N, H_{cell})`.
            - output: :math:`(L, N, D \\cdot H_{out})` (batch first / unbatched like the input).
        """
        name = self._name
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor or a PackedSequence, got "
                            f"{type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(
                f"{name}: Expected input to be 2D (unbatched) or 3D (batched), got a {input.ndim}D "
                f"tensor of shape {_shape(input)}"
            )
        if hx is not None:  # PyTorch's forward: the states' ranks before check_input
            self._check_state_ranks(hx, input.ndim)
        w = next(iter(self._parameters.values()), None)
        if w is not None and input.dtype != w.dtype:  # PyTorch's check_input: dtype first
            raise ValueError(f"{name}: input dtype ({input.dtype}) does not match weight dtype "
                             f"({w.dtype}); convert the input with .to({w.dtype}) or the "
                             f"module with .to({input.dtype})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected input_size="
                f"{self.input_size}, got input of shape {_shape(input)} (last dimension "
                f"{input.shape[-1]})"
            )
        is_lstm = self.mode == "LSTM"
        batched = input.ndim == 3
        x = input
        if not batched:
            x = F.unsqueeze(x, 1)
        elif self.batch_first:
            x = F.transpose(x, 0, 1)
        B = x.shape[1]
        D = 2 if self.bidirectional else 1
        h0, c0 = self._given_states(hx, (B,) if batched else ())
        # then PyTorch's kernel: no steps, or a state of another dtype, is refused
        if x.shape[0] == 0:
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 in RNN, "
                               f"got input of shape {_shape(input)}")
        for what, st in (("h0", h0), ("c0", c0)):
            if st is not None and st.dtype != x.dtype:
                raise RuntimeError(f"{name}: {what} has dtype {st.dtype} but the input and the "
                                   f"weights have {x.dtype}; convert it with .to({x.dtype})")
        if h0 is not None and not batched:
            h0 = F.unsqueeze(h0, 1)
            c0 = F.unsqueeze(c0, 1) if c0 is not None else None
        fused = self.fused
        h_n, c_n = [], []
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                idx = layer * D + d
                hi = h0[idx] if h0 is not None else None
                ci = c0[idx] if c0 is not None else None
                res = FR.rnn_layer(self.mode, layer_in, hi, ci, self._weights(layer, d),
                                   reverse=d == 1, fused=fused)
                outs.append(res[0])
                h_n.append(res[1])
                if is_lstm:
                    c_n.append(res[2])
            layer_in = outs[0] if D == 1 else F.cat(outs, 2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_in = _dropout(layer_in, self.dropout, name)
        output = layer_in
        hn = F.stack(h_n, 0)
        cn = F.stack(c_n, 0) if is_lstm else None
        if not batched:
            output = F.squeeze(output, 1)
            hn = F.squeeze(hn, 1)
            cn = F.squeeze(cn, 1) if is_lstm else None
        elif self.batch_first:
            output = F.transpose(output, 0, 1)
        if is_lstm:
            return output, (hn, cn)
        return output, hn

    def _check_state_ranks(self, hx, ndim):
        """PyTorch's first check of the given states: as many dims as the input (a 3-D batched
        input takes 3-D states, a 2-D unbatched one 2-D)."""
        lstm_pair = self.mode == "LSTM" and isinstance(hx, (tuple, list))
        states = tuple(hx)[:2] if lstm_pair else (hx,)
        for i in range(2 if lstm_pair else 1):  # (PyTorch reads hx.dim(), LSTM's hx[0], hx[1])
            if i == len(states):
                raise IndexError(f"{self._name}: hx must be the pair (h0, c0), got a "
                                 f"{type(hx).__name__} of {len(states)}")
            t = states[i]
            if not isinstance(t, Tensor):
                what = f"hx[{i}]" if lstm_pair else "hx"
                raise NotATensorError(f"{self._name}: the state {what} must be a Tensor, not "
                                      f"{type(t).__name__} (PyTorch reads its dim()); make one "
                                      f"with gradkit.tensor(...)")
        if all(t.ndim == ndim for t in states):
            return  # (other kinds of states are _given_states's to refuse)
        kind = "batched 3-D" if ndim == 3 else "unbatched 2-D"
        if self.mode == "LSTM":
            got = ", ".join(f"{t.ndim}-D" for t in states)
            raise RuntimeError(f"{self._name}: For {kind} input, hx and cx should also be "
                               f"{ndim}-D but got ({got}) tensors")
        raise RuntimeError(f"{self._name}: For {kind} input, hx should also be {ndim}-D but got "
                           f"{hx.ndim}-D tensor")

    def _given_states(self, hx, batch: tuple):
        """``(h0, c0)`` from ``hx`` (None, None when not given; c0 None but for LSTM), checked
        against ``(num_layers * num_directions, *batch, features)``."""
        if hx is None:
            return None, None
        name = self._name
        n_states = self.num_layers * (2 if self.bidirectional else 1)
        h_out = self.proj_size if self.proj_size > 0 else self.hidden_size
        c0 = None
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) < 2:
                raise TypeError(f"{name}: hx must be a tuple (h0, c0) of Tensors, got "
                                f"{type(hx).__name__}")
            h0, c0 = hx[0], hx[1]  # (PyTorch reads the first two)
        else:
            h0 = hx
        self._check_state(h0, (n_states, *batch, h_out), "h0")
        if c0 is not None:
            self._check_state(c0, (n_states, *batch, self.hidden_size), "c0")
        return h0, c0

    def _initial_states(self, hx, B, like):
        """``(h0, c0)`` for a batch of ``B``: the given states, else zeros on ``like``'s device
        (c0 None but for LSTM)."""
        h0, c0 = self._given_states(hx, (B,))
        n_states = self.num_layers * (2 if self.bidirectional else 1)
        xp = namespace_of(like._data)
        if h0 is None:
            h_out = self.proj_size if self.proj_size > 0 else self.hidden_size
            h0 = _make(xp.zeros((n_states, B, h_out), dtype=like.dtype), False, None)
        if c0 is None and self.mode == "LSTM":
            c0 = _make(xp.zeros((n_states, B, self.hidden_size), dtype=like.dtype), False, None)
        return h0, c0

    def _forward_packed(self, packed, hx):
        """The layers over a :class:`PackedSequence`.

        The steps are cut into segments over which the number of running sequences stays the
        same; each segment runs as one fused layer call on its ``(steps, running, features)``
        block of ``packed.data`` (a contiguous slice), the state passed from segment to segment.
        Forward in time, a sequence's final state is taken when it stops running; backward in
        time, a sequence joins with its initial state where it starts running.
        """
        name = self._name
        data, sizes = packed.data, packed.batch_sizes.numpy().astype(np.int64)
        if data.ndim != 2 or data.shape[1] != self.input_size:
            raise RuntimeError(
                f"{name}: packed data must be (sum of lengths, input_size={self.input_size}), "
                f"got shape {_shape(data)}"
            )
        B = int(sizes[0])
        h0, c0 = self._initial_states(hx, B, data)
        if packed.sorted_indices is not None:  # the states follow the packed (sorted) order
            order = _device_index(packed.sorted_indices.numpy(), data)
            h0 = F.index_select(h0, 1, order)
            c0 = F.index_select(c0, 1, order) if c0 is not None else None
        # segments (first step, steps, running sequences, first row in data)
        segments, t, row = [], 0, 0
        while t < sizes.size:
            b = int(sizes[t])
            n = 1
            while t + n < sizes.size and sizes[t + n] == b:
                n += 1
            segments.append((t, n, b, row))
            t, row = t + n, row + n * b
        is_lstm = self.mode == "LSTM"
        D = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        layer_in = data
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                idx = layer * D + d
                out, h, c = self._packed_direction(layer_in, segments, h0[idx],
                                                   c0[idx] if is_lstm else None,
                                                   self._weights(layer, d), d == 1)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            layer_in = outs[0] if D == 1 else F.cat(outs, 1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_in = _dropout(layer_in, self.dropout, name)
        hn = F.stack(h_n, 0)
        cn = F.stack(c_n, 0) if is_lstm else None
        if packed.unsorted_indices is not None:
            back = _device_index(packed.unsorted_indices.numpy(), data)
            hn = F.index_select(hn, 1, back)
            cn = F.index_select(cn, 1, back) if is_lstm else None
        output = packed._replace(data=layer_in)
        return (output, (hn, cn)) if is_lstm else (output, hn)

    def _packed_direction(self, data, segments, h0, c0, weights, reverse):
        """One layer and direction over packed rows: ``(output rows, h_n, c_n or None)``."""
        is_lstm = self.mode == "LSTM"
        feat = data.shape[1]
        outs = [None] * len(segments)
        done_h, done_c = [], []            # forward: final states of finished sequences
        h = c = None
        order = range(len(segments) - 1, -1, -1) if reverse else range(len(segments))
        for k in order:
            _, n, b, row = segments[k]
            x = F.reshape(data[row:row + n * b], (n, b, feat))
            if h is None:
                h_in, c_in = h0[:b], (c0[:b] if is_lstm else None)
            elif reverse:                  # more sequences join, from their initial state
                grow = b - h.shape[0]
                h_in = F.cat([h, h0[b - grow:b]], 0) if grow else h
                c_in = (F.cat([c, c0[b - grow:b]], 0) if grow else c) if is_lstm else None
            else:                          # fewer sequences go on
                h_in, c_in = h[:b], (c[:b] if is_lstm else None)
            res = FR.rnn_layer(self.mode, x, h_in, c_in, weights, reverse=reverse,
                               fused=self.fused)
            outs[k] = F.reshape(res[0], (n * b, res[0].shape[2]))
            h, c = res[1], (res[2] if is_lstm else None)
            if not reverse:
                b_next = segments[k + 1][2] if k + 1 < len(segments) else 0
                done_h.append(h[b_next:])
                if is_lstm:
                    done_c.append(c[b_next:])
        if not reverse:                    # sequences finished shortest first: reverse order
            h = F.cat(done_h[::-1], 0)
            c = F.cat(done_c[::-1], 0) if is_lstm else None
        return F.cat(outs, 0), h, c

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        for name, default in _REPR_DEFAULTS:
            value = getattr(self, name)
            if (value is not default) if isinstance(default, bool) else value != default:
                s += f", {name}={value}"
        return s


def _no_proj_size(name: str, kwargs: dict) -> None:
    """PyTorch's refusal of ``proj_size`` (any value) by RNN and GRU; other names are unknown."""
    if "proj_size" in kwargs:
        raise ValueError(f"proj_size argument is only supported for LSTM, not RNN or GRU "
                         f"({name}); use nn.LSTM(..., proj_size=...) for a projected state")
    if kwargs:
        raise TypeError(f"{name}.__init__() got an unexpected keyword argument "
                        f"'{next(iter(kwargs))}'")


class RNN(RNNBase):
    """Elman RNN: :math:`h_t = \\tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})`.

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden state.
        num_layers: stacked layers. Default: 1.
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.
        bias, batch_first, dropout, bidirectional: see :class:`RNNBase`.

    Shape:
        See :meth:`RNNBase.forward`.

    Examples:
        >>> rnn = gradkit.nn.RNN(10, 20, 2)
        >>> output, h_n = rnn(gradkit.randn(5, 3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None, **kwargs) -> None:
        _no_proj_size("RNN", kwargs)
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"RNN: unknown nonlinearity '{nonlinearity}'; use 'tanh' or 'relu'")
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (gate order i, f, g, o as in PyTorch).

    .. math::
        i, f, g, o = \\sigma, \\sigma, \\tanh, \\sigma\\,(x_t W_{ih}^T + b_{ih} + h_{t-1}
        W_{hh}^T + b_{hh}); \\quad c_t = f c_{t-1} + i g; \\quad h_t = o \\tanh(c_t)

    With ``proj_size > 0``, :math:`h_t = W_{hr}(o \\tanh(c_t))`.

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
        proj_size: see :class:`RNNBase`.

    Shape:
        See :meth:`RNNBase.forward`; returns ``(output, (h_n, c_n))``.

    Examples:
        >>> lstm = gradkit.nn.LSTM(10, 20, batch_first=True)
        >>> output, (h_n, c_n) = lstm(gradkit.randn(3, 5, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gate order r, z, n as in PyTorch).

    .. math::
        r, z = \\sigma(x_t W_{i\\{r,z\\}}^T + b + h_{t-1} W_{h\\{r,z\\}}^T + b); \\quad
        n = \\tanh(x_t W_{in}^T + b_{in} + r (h_{t-1} W_{hn}^T + b_{hn})); \\quad
        h_t = (1 - z) n + z h_{t-1}

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: see
        :class:`RNNBase`.

    Shape:
        See :meth:`RNNBase.forward`.

    Examples:
        >>> gru = gradkit.nn.GRU(10, 20, 2)
        >>> output, h_n = gru(gradkit.randn(5, 3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None, **kwargs) -> None:
        _no_proj_size("GRU", kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)


# --------------------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Shared parameters of the cells: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        if hidden_size < 0 or input_size < 0:  # PyTorch: torch.empty's RuntimeError
            raise RuntimeError(f"{name}: Trying to create tensor with negative dimension: "
                               f"input_size={input_size}, hidden_size={hidden_size}")
        dtype = _dtype.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.bias = bool(bias)
        self.weight_ih = _new_param((num_chunks * hidden_size, input_size), dtype)
        self.weight_hh = _new_param((num_chunks * hidden_size, hidden_size), dtype)
        if bias:
            self.bias_ih = _new_param((num_chunks * hidden_size,), dtype)
            self.bias_hh = _new_param((num_chunks * hidden_size,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        _init_uniform(self.parameters(), self.hidden_size)

    def _prepare(self, input, states):
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead "
                             f"(shape {_shape(input)})")
        # PyTorch's order: the ranks of the input and of every state (ValueError), then the
        # kernel's sizes (RuntimeError)
        for s, what in states:
            if s is None:
                continue
            if not isinstance(s, Tensor):  # PyTorch reads hx.dim() (an AttributeError)
                from ...functions._args import NotATensorError

                raise NotATensorError(f"{name}: {what} must be a Tensor, got "
                                      f"{type(s).__name__}; make one with gradkit.tensor(...)")
            if s.ndim not in (1, 2):
                raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {s.ndim}D instead "
                                 f"(shape {_shape(s)})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input has inconsistent input_size: got {input.shape[-1]} features "
                f"(input of shape {_shape(input)}), expected input_size={self.input_size}"
            )
        batched = input.ndim == 2
        x = input if batched else F.unsqueeze(input, 0)
        B = x.shape[0]
        out = []
        for s, what in states:
            if s is None:
                out.append(_make(namespace_of(x._data).zeros((B, self.hidden_size),
                                                             dtype=x.dtype), False, None))
                continue
            s2 = s if batched else F.unsqueeze(s, 0)
            if s2.ndim in (1, 2) and s2.shape[0] != B:
                raise RuntimeError(f"{name}: Input batch size {B} doesn't match {what} batch "
                                   f"size {s2.shape[0]} (input {_shape(input)}, {what} "
                                   f"{_shape(s)})")
            if s2.ndim == 1:  # a 1-D state beside a batched input: PyTorch reads its dim 1
                raise IndexError(f"{name}: Dimension out of range (expected to be in range of "
                                 f"[-1, 0], but got 1): {what} of shape {_shape(s)} beside a "
                                 f"batched input {_shape(input)}; pass {what} of shape "
                                 f"{(B, self.hidden_size)}")
            if _shape(s2) != (B, self.hidden_size):
                raise RuntimeError(f"{name}: expected {what} of shape "
                                   f"{(B, self.hidden_size) if batched else (self.hidden_size,)}"
                                   f", got {_shape(s)}")
            out.append(s2)
        return x, batched, out

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += f", bias={self.bias}"
        nl = getattr(self, "nonlinearity", "tanh")
        if nl != "tanh":  # (unquoted, as PyTorch prints it; an RNN's repr leaves it out)
            s += f", nonlinearity={nl}"
        return s


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: :math:`h' = \\tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})`.

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden state.
        bias: use biases. Default: True.
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`; hx and output: :math:`(N, H)` or
          :math:`(H)`.

    Examples:
        >>> cell = gradkit.nn.RNNCell(10, 20)
        >>> h = cell(gradkit.randn(3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity  # (checked by the forward, as PyTorch)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, batched, (h,) = self._prepare(input, [(hx, "hx")])
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"RNNCell: Unknown nonlinearity: {self.nonlinearity!r}; use "
                               f"'tanh' or 'relu'")
        h = FR.rnn_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                        nonlinearity=self.nonlinearity)
        return h if batched else F.squeeze(h, 0)


class LSTMCell(RNNCellBase):
    """One LSTM step; returns ``(h', c')``.

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden and cell state.
        bias: use biases. Default: True.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`; h, c: :math:`(N, H)` or :math:`(H)`.

    Examples:
        >>> cell = gradkit.nn.LSTMCell(10, 20)
        >>> h, c = cell(gradkit.randn(3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx=None):
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError("LSTMCell: hx must be a tuple (h, c) of Tensors")
        x, batched, (h, c) = self._prepare(input, [(hx[0], "h"), (hx[1], "c")])
        h, c = FR.fused_lstm_cell(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih,
                                  self.bias_hh)
        if not batched:
            return F.squeeze(h, 0), F.squeeze(c, 0)
        return h, c


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n; ``b_hn`` inside the ``r *`` term).

    Args:
        input_size: features of the input.
        hidden_size: features of the hidden state.
        bias: use biases. Default: True.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`; hx and output: :math:`(N, H)` or
          :math:`(H)`.

    Examples:
        >>> cell = gradkit.nn.GRUCell(10, 20)
        >>> h = cell(gradkit.randn(3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, batched, (h,) = self._prepare(input, [(hx, "hx")])
        h = FR.fused_gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else F.squeeze(h, 0)
