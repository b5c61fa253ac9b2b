"""``torch.fx.GraphModule``: an ``nn.Module`` whose ``forward`` is Python generated from a
``Graph``.

It holds the submodules, parameters and buffers its graph refers to (copied by reference from
the root it was built from, under the same dotted paths), so it trains, saves and loads through
``state_dict`` like the original model. Each instance gets its own subclass, named after the
traced class, so that editing one graph and calling ``recompile()`` changes only that
instance's ``forward``.
"""

from __future__ import annotations

import copy
import linecache

from ..nn import Module
from .graph import Graph

__all__ = ["GraphModule"]

_SOURCE_COUNT = [0]


def _copy_attr(from_module, to_module, target: str) -> None:
    *prefix, field = target.split(".")
    for item in prefix:
        f = getattr(from_module, item)
        t = getattr(to_module, item, None)
        if f is t:  # a parent already copied whole brings this attribute with it
            return
        if t is None:
            t = Module()
            setattr(to_module, item, t)
        from_module, to_module = f, t
    orig = getattr(from_module, field)
    _set_attr(to_module, field, orig)


def _set_attr(to_module, field, orig):
    from .. import Tensor
    from ..nn import Parameter

    if isinstance(orig, Tensor) and not isinstance(orig, Parameter):
        to_module.register_buffer(field, orig)
    else:
        setattr(to_module, field, orig)


def _assign_attr(from_obj, to_module, target: str) -> None:
    *prefix, field = target.split(".")
    for item in prefix:
        t = getattr(to_module, item, None)
        if t is None:
            t = Module()
            setattr(to_module, item, t)
        to_module = t
    _set_attr(to_module, field, from_obj)


class GraphModule(Module):
    """A Module running ``graph``, with the attributes it needs taken from ``root``.

    Args:
        root: an ``nn.Module`` (attributes are copied from it by path) or a dict from dotted
            path to module/parameter/tensor.
        graph: the ``Graph`` to run.
        class_name: the name ``print(gm)`` shows.
    """

    def __new__(cls, *args, **kwargs):
        # one subclass per instance: recompile() sets forward on it, not on every GraphModule
        while cls.__dict__.get("_fx_instance_class"):
            cls = cls.__bases__[0]
        impl = type("GraphModuleImpl", (cls,), {"_fx_instance_class": True})
        return super().__new__(impl)

    def __init__(self, root, graph: Graph, class_name: str = "GraphModule"):
        super().__init__()
        self.__class__.__name__ = class_name
        self.__class__.__qualname__ = class_name
        if isinstance(root, Module):
            if hasattr(root, "training"):
                self.training = root.training
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    if not isinstance(node.target, str):
                        raise TypeError(f"GraphModule(): node {node} target must be a str")
                    _copy_attr(root, self, node.target)
        elif isinstance(root, dict):
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    if node.target not in root:
                        raise RuntimeError(f"Node {node} referenced target {node.target} but "
                                           f"that target was not provided in ``root``!")
                    _assign_attr(root[node.target], self, node.target)
        else:
            raise RuntimeError(f"Unsupported type {root} passed for root!")
        self.meta = getattr(root, "meta", {}) if isinstance(root, Module) else {}
        self._tracer_cls = getattr(graph, "_tracer_cls", None)
        self.graph = graph

    # ------------------------------------------------------------------ the graph and its code
    @property
    def graph(self) -> Graph:
        return self.__dict__["_graph"]

    @graph.setter
    def graph(self, g: Graph) -> None:
        if not isinstance(g, Graph):
            raise TypeError(f"GraphModule.graph must be a torch.fx.Graph, got "
                            f"{type(g).__name__}")
        self.__dict__["_graph"] = g
        g.owning_module = self
        self.recompile()

    @property
    def code(self) -> str:
        """The Python source of this module's ``forward``."""
        return self._code

    def recompile(self):
        """Regenerate ``forward`` from ``self.graph`` (call after editing the graph)."""
        pc = self.graph.python_code(root_module="self")
        self.__dict__["_code"] = pc.src
        _SOURCE_COUNT[0] += 1
        filename = f"<eval_with_key>.{_SOURCE_COUNT[0]}"
        # registered with linecache so tracebacks through forward show the generated line
        linecache.cache[filename] = (len(pc.src), None, pc.src.splitlines(True), filename)
        namespace = dict(pc.globals)
        exec(compile(pc.src, filename, "exec", dont_inherit=True), namespace)
        cls = type(self)
        cls.forward = namespace["forward"]
        return pc

    # ------------------------------------------------------------------ submodules
    def add_submodule(self, target: str, m: Module) -> bool:
        """Install ``m`` at dotted path ``target`` (making empty parents as needed)."""
        *prefix, field = target.split(".")
        mod = self
        for item in prefix:
            sub = getattr(mod, item, None)
            if sub is None:
                sub = Module()
                setattr(mod, item, sub)
            if not isinstance(sub, Module):
                return False
            mod = sub
        mod.add_module(field, m)
        return True

    def delete_submodule(self, target: str) -> bool:
        """Remove the submodule at dotted path ``target``; False where there is none."""
        *prefix, field = target.split(".")
        mod = self
        for item in prefix:
            mod = getattr(mod, item, None)
            if not isinstance(mod, Module):
                return False
        if not isinstance(getattr(mod, field, None), Module):
            return False
        delattr(mod, field)
        return True

    def delete_all_unused_submodules(self) -> None:
        """Remove the submodules no ``call_module``/``get_attr`` node refers to."""
        used = set()
        for node in self.graph.nodes:
            if node.op in ("call_module", "get_attr"):
                parts = node.target.split(".")
                for i in range(1, len(parts) + 1):
                    used.add(".".join(parts[:i]))
                if node.op == "call_module":
                    sub = self.get_submodule(node.target)
                    for name, _ in sub.named_modules():
                        if name:
                            used.add(node.target + "." + name)
        for name, _ in list(self.named_modules()):
            if name and name not in used:
                self.delete_submodule(name)

    # ------------------------------------------------------------------ printing and copying
    def print_readable(self, print_output: bool = True, **kwargs) -> str:
        name = type(self).__name__
        lines = self.code.strip("\n").split("\n")
        at = next((i for i, ln in enumerate(lines) if ln.startswith("def forward(")), None)
        if at is not None:  # (gradkit records no stack traces on nodes)
            lines.insert(at + 1, "    # No stacktrace found for following nodes")
        body = "\n".join("    " + ln if ln else ln for ln in lines)
        text = f"class {name}(torch.nn.Module):\n{body.rstrip()}\n"
        if print_output:
            print(text)
        return text

    def __str__(self) -> str:
        return "\n".join([Module.__repr__(self), self._code,
                          "# To see more debug info, please use `graph_module.print_readable()`"])

    def __deepcopy__(self, memo):
        res = GraphModule.__new__(type(self))
        memo[id(self)] = res
        holder = Module()
        state = {k: v for k, v in self.__dict__.items() if k not in ("_graph", "_code")}
        holder.__dict__.update(copy.deepcopy(state, memo))
        graph = copy.deepcopy(self.graph, memo)
        GraphModule.__init__(res, holder, graph, type(self).__name__)
        for k in ("training", "meta"):
            if k in holder.__dict__:
                res.__dict__[k] = holder.__dict__[k]
        return res

    def __copy__(self):
        res = GraphModule(self, self.graph, type(self).__name__)
        res.meta = dict(self.meta)
        return res

    def __reduce__(self):
        # pickled as its attributes and generated code; unpickling traces that code again
        # (every submodule a leaf), which gives back the same graph
        pc = self.graph.python_code(root_module="self")
        from ._codegen import _base_globals

        base = _base_globals()
        extra = {k: v for k, v in pc.globals.items() if k not in base}
        state = {k: v for k, v in self.__dict__.items() if k not in ("_graph", "_code")}
        return (_rebuild_graph_module, (state, pc.src, extra, type(self).__name__))


def _rebuild_graph_module(state: dict, src: str, extra_globals: dict, class_name: str):
    from ._codegen import _base_globals
    from ._symbolic_trace import Tracer

    namespace = _base_globals()
    namespace.update(extra_globals)
    exec(compile(src, f"<reloaded {class_name}>", "exec", dont_inherit=True), namespace)
    cls = type(class_name, (Module,), {"forward": namespace["forward"]})
    root = cls.__new__(cls)
    root.__dict__.update(state)

    class _KeepModules(Tracer):
        def is_leaf_module(self, m, module_qualified_name) -> bool:
            return True

    graph = _KeepModules().trace(root)
    gm = GraphModule(root, graph, class_name)
    gm.__dict__.update({k: v for k, v in state.items()
                        if k not in ("_parameters", "_buffers", "_modules")})
    return gm
