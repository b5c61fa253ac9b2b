"""Running a model once under the tracer: the traced graph, its inputs and its outputs."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

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
    import gradkit
    from gradkit import Tensor

    from ._graph import Graph, Node
    from ._trace import Tracer

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
        with gradkit.enable_grad(), Tracer(g, model):
            result = model(*run_args, **run_kwargs)
        out_tensors = _flatten(result, "outputs")
        if not out_tensors:
            raise OnnxExporterError("gradkit.onnx.export: the model returned no tensor")
        default_out = ["output"] if len(out_tensors) == 1 else \
            [f"output_{i}" for i in range(len(out_tensors))]
        out_names = _names(output_names, len(out_tensors), default_out, "output")
        clash = set(out_names) & set(in_names)
        if clash:
            raise ValueError(f"gradkit.onnx.export: {sorted(clash)} name both an input and an "
                             f"output")
        g.scope, g.scope_type = "", ""
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
