"""``torch.export.save`` / ``load`` in gradkit's own format.

The file is a zip archive: ``program.json`` (the graph as data: each node's op, name, target
written as ``module:qualified_name``, and arguments; the signature; the input checks) and one
``.npy`` file per tensor (written with ``allow_pickle=False``). Loading runs no code from the
file: a target is looked up by name, and only in gradkit's own modules and Python's
``operator``/``math``; anything else is refused. PyTorch's ``.pt2`` files are not read.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import operator
import zipfile

__all__ = ["save", "load"]

_FORMAT = "gradkit-export-v1"
_ALLOWED_ROOTS = ("gradkit", "operator", "math")


def _target_name(fn) -> str:
    import builtins

    if fn is getattr:
        return "builtins:getattr"
    mod = getattr(fn, "__module__", None) or ""
    qual = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "")
    if mod.startswith("torch"):
        mod = "gradkit" + mod[len("torch"):]
    name = f"{mod}:{qual}"
    try:
        if _resolve(name) is fn:
            return name
    except (ImportError, AttributeError, RuntimeError):
        pass
    for space in ("", ".nn.functional", ".special", ".linalg", ".fft"):
        m = importlib.import_module("gradkit" + space)
        for k, v in vars(m).items():
            if v is fn:
                return f"gradkit{space}:{k}"
    if getattr(operator, getattr(fn, "__name__", ""), None) is fn:
        return f"operator:{fn.__name__}"
    del builtins
    raise TypeError(f"torch.export.save(): the graph calls {fn!r}, which is not a gradkit, "
                    f"operator or math function; only those can be saved")


def _resolve(name: str):
    mod, _, qual = name.partition(":")
    if name == "builtins:getattr":
        return getattr
    if mod.split(".")[0] not in _ALLOWED_ROOTS:
        raise RuntimeError(f"torch.export.load(): refusing target {name!r}: only gradkit, "
                           f"operator and math functions are loaded")
    obj = importlib.import_module(mod)
    for part in qual.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise RuntimeError(f"torch.export.load(): target {name!r} is not callable")
    return obj


def _encode(a):
    from .. import _dtype, device

    if hasattr(a, "op") and hasattr(a, "users"):
        return {"__node__": a.name}
    if a is None or isinstance(a, (bool, int, str)):
        return a
    if isinstance(a, float):
        return {"__float__": repr(a)}
    if isinstance(a, complex):
        return {"__complex__": [repr(a.real), repr(a.imag)]}
    if isinstance(a, tuple):
        return {"__tuple__": [_encode(v) for v in a]}
    if isinstance(a, list):
        return [_encode(v) for v in a]
    if isinstance(a, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in a.items()]}
    if isinstance(a, slice):
        return {"__slice__": [_encode(a.start), _encode(a.stop), _encode(a.step)]}
    if a is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(a, _dtype.dtype):
        return {"__dtype__": str(a).rpartition(".")[2]}
    if isinstance(a, device):
        return {"__device__": str(a)}
    import gradkit

    for k in ("contiguous_format", "channels_last", "preserve_format", "channels_last_3d",
              "strided"):
        if getattr(gradkit, k, None) is a:
            return {"__attr__": k}
    raise TypeError(f"torch.export.save(): cannot store a graph argument of type "
                    f"{type(a).__name__} ({a!r})")


def _decode(a, nodes):
    import gradkit

    if isinstance(a, list):
        return [_decode(v, nodes) for v in a]
    if not isinstance(a, dict):
        return a
    (key, v), = a.items()
    if key == "__node__":
        return nodes[v]
    if key == "__float__":
        return float(v)
    if key == "__complex__":
        return complex(float(v[0]), float(v[1]))
    if key == "__tuple__":
        return tuple(_decode(x, nodes) for x in v)
    if key == "__dict__":
        return {_decode(k, nodes): _decode(x, nodes) for k, x in v}
    if key == "__slice__":
        return slice(*(_decode(x, nodes) for x in v))
    if key == "__ellipsis__":
        return Ellipsis
    if key == "__dtype__":
        got = getattr(gradkit, v, None)
        if not isinstance(got, gradkit.dtype):
            raise RuntimeError(f"torch.export.load(): unknown dtype {v!r}")
        return got
    if key == "__device__":
        return gradkit.device(v)
    if key == "__attr__" and v in ("contiguous_format", "channels_last", "preserve_format",
                                   "channels_last_3d", "strided"):
        return getattr(gradkit, v)
    raise RuntimeError(f"torch.export.load(): unknown entry {key!r} in the program")


def save(ep, f, *, extra_files=None, opset_version=None, pickle_protocol=None) -> None:
    """Write ``ep`` to ``f`` (a path or a binary file) in gradkit's zip format."""
    import numpy as np

    from .exported_program import ExportedProgram

    if not isinstance(ep, ExportedProgram):
        raise TypeError(f"The 'ep' parameter must be an instance of 'ExportedProgram', got "
                        f"'{type(ep).__name__}' instead.")
    nodes = []
    for n in ep.graph.nodes:
        target = n.target if n.op != "call_function" else _target_name(n.target)
        nodes.append({"op": n.op, "name": n.name, "target": target,
                      "args": _encode(n.args), "kwargs": _encode(n.kwargs),
                      "type_text": n.meta.get("type_text")})
    sig = ep.graph_signature
    tensors = []
    for kind, table in (("state_dict", ep.state_dict), ("constants", ep.constants)):
        for name, t in table.items():
            tensors.append({"table": kind, "name": name, "file": f"tensors/{len(tensors)}.npy",
                            "parameter": type(t).__name__ == "Parameter",
                            "requires_grad": bool(t.requires_grad)})
    program = {
        "format": _FORMAT, "nodes": nodes,
        "input_specs": [[s.kind.name, s.arg.name, s.target, s.persistent]
                        for s in sig.input_specs],
        "output_specs": [[s.kind.name, s.arg.name, _encode(getattr(s.arg, "value", None)),
                          s.target, type(s.arg).__name__] for s in sig.output_specs],
        "guards": _encode(ep._guards), "in_spec": _encode(ep._in_spec),
        "out_spec": _encode(ep._out_spec), "arg_names": ep._arg_names,
        "ranges": {k: [lo, None if hi == math.inf else hi]
                   for k, (lo, hi) in ep.range_constraints.items()},
        "tensors": tensors}
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("program.json", json.dumps(program))
        z.writestr("archive_format", _FORMAT)
        tables = {"state_dict": ep.state_dict, "constants": ep.constants}
        for entry in tensors:
            buf = io.BytesIO()
            np.save(buf, tables[entry["table"]][entry["name"]].detach().numpy(),
                    allow_pickle=False)
            z.writestr(entry["file"], buf.getvalue())
        for name, content in (extra_files or {}).items():
            z.writestr(f"extra/{name}", content)


def load(f, *, extra_files=None, expected_opset_version=None):
    """Read a program written by ``save``. Runs no code from the file."""
    import numpy as np

    import gradkit

    from ..fx.graph import Graph
    from ..fx.graph_module import GraphModule
    from .exported_program import ExportedProgram
    from .graph_signature import (
        ConstantArgument,
        ExportGraphSignature,
        InputKind,
        InputSpec,
        OutputKind,
        OutputSpec,
        TensorArgument,
    )

    try:
        z = zipfile.ZipFile(f)
    except zipfile.BadZipFile:
        raise RuntimeError("torch.export.load(): not a program saved by gradkit's "
                           "torch.export.save (not a zip archive)") from None
    with z:
        names = set(z.namelist())
        ours = "archive_format" in names and "program.json" in names and \
            z.read("archive_format").decode() == _FORMAT
        if not ours:
            raise RuntimeError("torch.export.load(): not a program saved by gradkit's "
                               "torch.export.save (PyTorch's .pt2 files are not read); "
                               "export the model again with gradkit")
        program = json.loads(z.read("program.json"))
        tables = {"state_dict": {}, "constants": {}}
        for entry in program["tensors"]:
            arr = np.load(io.BytesIO(z.read(entry["file"])), allow_pickle=False)
            t = gradkit.from_numpy(arr.copy())
            if entry["parameter"]:
                t = gradkit.nn.Parameter(t, requires_grad=entry["requires_grad"])
            tables[entry["table"]][entry["name"]] = t
        if extra_files is not None:
            for k in list(extra_files):
                if f"extra/{k}" in names:
                    extra_files[k] = z.read(f"extra/{k}").decode()
    g = Graph()
    nodes = {}
    for e in program["nodes"]:
        args = _decode(e["args"], nodes)
        kwargs = _decode(e["kwargs"], nodes)
        target = _resolve(e["target"]) if e["op"] == "call_function" else e["target"]
        if e["op"] not in ("placeholder", "call_function", "call_method", "output"):
            raise RuntimeError(f"torch.export.load(): unexpected node kind {e['op']!r}")
        node = g.create_node(e["op"], target, args, kwargs, e["name"] if e["op"] != "output"
                             else None)
        if e["type_text"] is not None:
            node.meta["type_text"] = e["type_text"]
        nodes[e["name"]] = node
    ins = [InputSpec(InputKind[k], TensorArgument(n), t, p)
           for k, n, t, p in program["input_specs"]]
    outs = [OutputSpec(OutputKind[k], TensorArgument(n) if cls == "TensorArgument" else
                       ConstantArgument(n, _decode(v, nodes)), t)
            for k, n, v, t, cls in program["output_specs"]]
    ranges = {k: (lo, math.inf if hi is None else hi) for k, (lo, hi) in
              program["ranges"].items()}
    return ExportedProgram(GraphModule({}, g, "GraphModule"), ExportGraphSignature(ins, outs),
                           tables["state_dict"], tables["constants"], ranges,
                           _decode(program["guards"], nodes), _decode(program["in_spec"], nodes),
                           _decode(program["out_spec"], nodes), program["arg_names"])
