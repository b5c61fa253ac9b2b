"""A traced :class:`~gradkit.onnx._graph.Graph` as an ONNX ``ModelProto`` (needs ``onnx``)."""

from __future__ import annotations

import numpy as np

from .errors import OnnxExporterError


def import_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "gradkit.onnx.export builds the model with the onnx package, which is not installed; "
            "install it with pip install 'gradkit[onnx]' (and onnxruntime to run the file)"
        ) from None
    return onnx


def _attr(value):
    if isinstance(value, np.dtype):
        from onnx import helper

        return helper.np_dtype_to_tensor_dtype(value)
    return value


def _value_info(onnx, name, dtype, shape, dyn: dict):
    from onnx import helper

    dims = None
    if shape is not None:
        dims = [dyn.get(i, int(s)) for i, s in enumerate(shape)]
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)),
                                         dims)


def build_model(g, inputs, outputs, dynamic: dict, producer: str, keep_initializers: bool):
    """``inputs``/``outputs``: (name, dtype, shape) triples of the graph's inputs/outputs.

    Shape inference and the checker run on a skeleton whose weights are typed graph inputs
    without data (fast for large models); the weights are then added once, as raw bytes."""
    onnx = import_onnx()
    from onnx import helper

    nodes = []
    for i, n in enumerate(g.nodes):
        attrs = {k: _attr(v) for k, v in n.attrs.items()}
        nodes.append(helper.make_node(n.op_type, n.inputs, n.outputs,
                                      name=f"{n.scope or 'model'}/{n.op_type}_{i}", **attrs))
    graph_inputs = [_value_info(onnx, n, d, s, dynamic.get(n, {})) for n, d, s in inputs]
    weight_inputs = [_value_info(onnx, name, arr.dtype, arr.shape, {})
                     for name, arr in g.initializers.items()]
    graph_outputs = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(
        np.dtype(d)), None) for n, d, _ in outputs]
    opset = [helper.make_opsetid("", g.opset)]
    model = helper.make_model(
        helper.make_graph(nodes, "main_graph", graph_inputs + weight_inputs, graph_outputs),
        opset_imports=opset, producer_name=producer)
    model.ir_version = min(onnx.IR_VERSION, helper.find_min_ir_version_for(opset))
    # output shapes: ONNX's own shape inference over the dynamic inputs, else the traced ones
    try:
        inferred = onnx.shape_inference.infer_shapes(model).graph.output
    except Exception:  # pragma: no cover (inference is best effort)
        inferred = []
    by_name = {o.name: o for o in inferred}
    for out, (name, dtype, shape) in zip(model.graph.output, outputs):
        dyn = dynamic.get(name, {})
        got = by_name.get(name)
        dims = None
        if got is not None and got.type.tensor_type.HasField("shape"):
            dims = [d.dim_param or (d.dim_value if d.HasField("dim_value") else None)
                    for d in got.type.tensor_type.shape.dim]
            if len(dims) != len(shape):
                dims = None
        if dims is None:
            dims = list(shape)
        dims = [dyn.get(i, d) for i, d in enumerate(dims)]
        out.CopyFrom(helper.make_tensor_value_info(
            name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), dims))
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:  # pragma: no cover (a bug in a translation)
        raise OnnxExporterError(f"gradkit.onnx.export: the ONNX model fails onnx's checker: "
                                f"{exc}") from None
    # the weights: initializers, no longer inputs (unless keep_initializers_as_inputs)
    if not keep_initializers:
        del model.graph.input[len(graph_inputs):]
    for name, arr in g.initializers.items():
        t = model.graph.initializer.add()
        t.name = name
        t.data_type = helper.np_dtype_to_tensor_dtype(arr.dtype)
        t.dims.extend(int(d) for d in arr.shape)
        t.raw_data = np.asarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes(order="C")
    return model
