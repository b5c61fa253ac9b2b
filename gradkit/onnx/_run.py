"""Running a model once under the tracer: the traced graph, its inputs and its outputs."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from .errors import OnnxExporterError


@dataclass
class Traced:
    graph: object
    input_names: list
    input_tensors: list
    output_names: list
    output_tensors: list


def _flatten(value, what: str):
    from gradkit import Tensor

    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flatten(v, what)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _flatten(v, what)]
    if value is None:
        return []
    raise OnnxExporterError(f"gradkit.onnx.export: the model's {what} hold a "
                            f"{type(value).__name__}; only tensors (in tuples, lists or dicts) "
                            f"can be inputs or outputs of an ONNX model")

def _names(given, count: int, defaults: list, what: str) -> list:
    given = list(given or [])
    if len(set(given)) != len(given):
        raise ValueError(f"gradkit.onnx.export: {what}_names repeat a name: {given}")
    if len(given) > count:
        raise ValueError(f"gradkit.onnx.export: {len(given)} {what}_names given for {count} "
                         f"{what}s: {given}")
    return given + defaults[len(given):count]


def trace_model(model, args, kwargs, input_names, output_names, opset: int) -> Traced:
    """Run ``model`` (in eval mode, restored after) on ``args``/``kwargs`` under the tracer."""
    from gradkit import Tensor

    from ._graph import Graph, Node

    if isinstance(args, (Tensor,)) or not isinstance(args, (tuple, list)):
        args = (args,)
    args = tuple(args)
    call_kwargs = dict(kwargs or {})
    if args and isinstance(args[-1], dict):
        call_kwargs.update(args[-1])
        args = args[:-1]

    # inputs: fresh leaves (floats require grad, so untracked operations show in grad_fn)
    def fresh(t):
        c = t.detach().clone()
        if c.is_floating_point():
            c.requires_grad_(True)
        return c

    run_args = [fresh(a) if isinstance(a, Tensor) else a for a in args]
    run_kwargs = {k: fresh(v) if isinstance(v, Tensor) else v for k, v in call_kwargs.items()}
    in_tensors = [a for a in run_args if isinstance(a, Tensor)] + \
        [v for v in run_kwargs.values() if isinstance(v, Tensor)]
    try:
        params = list(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):  # pragma: no cover
        params = []
    default_in = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            default_in.append(params[i] if i < len(params) and params[i] not in ("args",)
                              else f"input_{i}")
    default_in += [k for k, v in call_kwargs.items() if isinstance(v, Tensor)]
    in_names = _names(input_names, len(in_tensors), default_in, "input")

    param_names = {}
    for name, p in model.named_parameters():
        param_names.setdefault(id(p), name)
    for name, b in model.named_buffers():
        if b is not None:
            param_names.setdefault(id(b), name)
    g = Graph(opset, param_names)
    for t, name in zip(in_tensors, in_names):
        g._used.add(name)
        g.bind(t, name)

    was_training = model.training
    grads = [(p, p.requires_grad) for p in model.parameters()]
    try:
        model.eval()
        for p, _ in grads:
            if p.is_floating_point():
                p.requires_grad_(True)
        out_tensors = _run_once(g, model, run_args, run_kwargs)
        if not out_tensors:
            raise OnnxExporterError("gradkit.onnx.export: the model returned no tensor")
        # a second run on other input values: every tensor taken as a constant must come out
        # the same, else an operation without translation computed it from the inputs
        g2 = Graph(opset, param_names)
        args2 = [_other_values(a) if isinstance(a, Tensor) else a for a in run_args]
        kwargs2 = {k: _other_values(v) if isinstance(v, Tensor) else v
                   for k, v in run_kwargs.items()}
        for t, name in zip([a for a in args2 if isinstance(a, Tensor)] +
                           [v for v in kwargs2.values() if isinstance(v, Tensor)], in_names):
            g2._used.add(name)
            g2.bind(t, name)
        _run_once(g2, model, args2, kwargs2)
        _compare_frozen(g, g2)
        default_out = ["output"] if len(out_tensors) == 1 else \
            [f"output_{i}" for i in range(len(out_tensors))]
        out_names = _names(output_names, len(out_tensors), default_out, "output")
        clash = set(out_names) & set(in_names)
        if clash:
            raise ValueError(f"gradkit.onnx.export: {sorted(clash)} name both an input and an "
                             f"output")
        produced = {}
        for n in g.nodes:
            for o in n.outputs:
                produced[o] = n
        renamed = {}
        for t, name in zip(out_tensors, out_names):
            value = g.value(t)
            if value in produced and value not in renamed and value not in in_names:
                renamed[value] = name
            else:
                g.nodes.append(Node("Identity", [renamed.get(value, value)], [name]))
        for n in g.nodes:
            n.inputs = [renamed.get(v, v) for v in n.inputs]
            n.outputs = [renamed.get(v, v) for v in n.outputs]
    finally:
        for p, flag in grads:
            p.requires_grad_(flag)
        model.train(was_training)
    return Traced(g, in_names, in_tensors, out_names, out_tensors)


def _run_once(g, model, args, kwargs) -> list:
    """One forward under the tracer; the outputs' values resolved (and checked) in ``g``."""
    import gradkit

    from ._trace import Tracer

    with gradkit.enable_grad(), Tracer(g, model):
        result = model(*args, **kwargs)
    out_tensors = _flatten(result, "outputs")
    g.scope, g.scope_type = "", ""
    for t in out_tensors:
        g.value(t)
    return out_tensors


def _other_values(t):
    """``t`` with its values moved around (and floats nudged): same shape, dtype and range."""
    import gradkit

    arr = t.detach().cpu().numpy()
    rng = np.random.default_rng(1234)
    flat = rng.permutation(arr.reshape(-1))
    if np.array_equal(flat, arr.reshape(-1)):
        flat = np.roll(flat, flat.size // 2 + 1)
    flat = flat.reshape(arr.shape)
    if arr.dtype.kind == "f" and arr.size:
        scale = float(np.abs(arr).max()) or 1.0
        flat = (flat + rng.standard_normal(arr.shape) * 0.05 * scale).astype(arr.dtype)
    out = gradkit.tensor(flat)
    if out.is_floating_point():
        out.requires_grad_(True)
    return out


def _compare_frozen(g, g2) -> None:
    from .errors import UnsupportedOperatorError

    if len(g.frozen_log) != len(g2.frozen_log) or \
            [n.op_type for n in g.nodes] != [n.op_type for n in g2.nodes]:
        raise UnsupportedOperatorError(
            "gradkit.onnx.export: the forward records other operations for other input values "
            "(its Python control flow depends on the values, e.g. `if x.sum() > 0`); ONNX "
            "export records one path: move the decision out of the model")
    for (where, a), (_, b) in zip(g.frozen_log, g2.frozen_log):
        if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
            raise UnsupportedOperatorError(
                f"gradkit.onnx.export: cannot export a value that is computed from the inputs by "
                f"an operation gradkit.onnx has no translation for (one without gradient, e.g. "
                f"`|`/`&` on masks, `argsort`, `nonzero`, or a random draw) and used {where}; "
                f"rewrite it with the operations listed in README's 'Exporting to ONNX'")
