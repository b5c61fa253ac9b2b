"""A model's graph for TensorBoard's GRAPHS tab, from the same trace as ``gradkit.onnx.export``
(no onnx package needed): one node per ONNX-style operation, named ``Model/module/path/Op_i`` so
that TensorBoard folds each module into a box, plus the inputs, outputs and weights."""

from __future__ import annotations


def graph_def(model, input_to_model, verbose: bool = False):
    from tensorboardX.proto.attr_value_pb2 import AttrValue
    from tensorboardX.proto.graph_pb2 import GraphDef
    from tensorboardX.proto.node_def_pb2 import NodeDef
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboardX.proto.versions_pb2 import VersionDef

    from gradkit.nn import Module
    from gradkit.onnx import DEFAULT_OPSET
    from gradkit.onnx._run import trace_model

    if not isinstance(model, Module):
        raise TypeError(f"SummaryWriter.add_graph: model must be a gradkit.nn.Module, got "
                        f"{type(model).__name__}")
    args = input_to_model if isinstance(input_to_model, (tuple, list)) else (input_to_model,)
    traced = trace_model(model, tuple(args), None, None, None, DEFAULT_OPSET)
    g = traced.graph
    root = type(model).__name__

    def shape_attr(name):
        shape = g.shapes.get(name)
        if shape is None:
            return {}
        proto = TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(s)) for s in shape])
        return {"_output_shapes": AttrValue(list=AttrValue.ListValue(shape=[proto]))}

    def scoped(scope, leaf):
        return "/".join([root] + ([p for p in scope.split(".")] if scope else []) + [leaf])

    producer = {}  # value name -> node name
    nodes = []
    for name in traced.input_names:
        producer[name] = f"input/{name}"
        nodes.append(NodeDef(name=producer[name], op="IO Node", input=[], attr=shape_attr(name)))
    for name, arr in g.initializers.items():
        parts = name.rsplit(".", 1)
        node_name = scoped(parts[0] if len(parts) == 2 else "", parts[-1])
        producer[name] = node_name
        attr = {"dtype": AttrValue(s=str(arr.dtype).encode())}
        attr.update(shape_attr(name))
        nodes.append(NodeDef(name=node_name, op="Parameter", input=[], attr=attr))
    for i, n in enumerate(g.nodes):
        node_name = scoped(n.scope, f"{n.op_type}_{i}")
        for o in n.outputs:
            producer[o] = node_name
        text = ", ".join(f"{k}={v}" for k, v in n.attrs.items())
        attr = {"attr": AttrValue(s=text.encode())}
        if n.outputs:
            attr.update(shape_attr(n.outputs[0]))
        nodes.append(NodeDef(name=node_name, op=n.op_type,
                             input=[producer[v] for v in n.inputs if v in producer], attr=attr))
    for name, t in zip(traced.output_names, traced.output_tensors):
        src = producer.get(name) or producer.get(g.value(t))
        attr = {"_output_shapes": shape_attr(g.value(t)).get("_output_shapes")} \
            if g.shapes.get(g.value(t)) is not None else {}
        nodes.append(NodeDef(name=f"output/{name}", op="IO Node",
                             input=[src] if src else [], attr=attr))
    if verbose:
        for node in nodes:
            print(node.name, node.op, list(node.input))
    return GraphDef(node=nodes, versions=VersionDef(producer=22))
