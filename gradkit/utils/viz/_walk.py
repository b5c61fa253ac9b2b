"""From an output Tensor to a plain picture model: nodes, edges, and (optionally) module boxes.

The walk reads only what PyTorch's autograd graph also offers: ``grad_fn``, ``name()`` and
``next_functions``; a leaf is a Tensor (gradkit) or an object with ``.variable`` (PyTorch's
AccumulateGrad). Where gradkit's nodes hold more (``inputs``: the input Tensors, ``saved``: the
arrays the backward rule reads) it is shown as shapes and dtypes; PyTorch's ``_saved_*``
attributes are shown the same way, so the same code draws a PyTorch graph too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...autograd.graph import Shown

__all__ = ["ModuleTrace", "VEdge", "VGraph", "VNode", "build_graph", "collapse_graph"]


@dataclass
class VNode:
    """One box of the picture.

    ``kind``: ``"op"`` (a backward node), ``"param"`` (a leaf named in ``params``), ``"leaf"``
    (another Tensor that requires grad), ``"constant"`` (an input that does not require grad),
    ``"output"`` (the Tensor drawn from) or ``"module"`` (collapsed module call).
    """

    id: str
    kind: str
    title: str
    lines: list = field(default_factory=list)
    members: list = field(default_factory=list)  # the op/leaf ids a module box holds
    size: int = 0  # number of values (leaves)


@dataclass
class VEdge:
    """``src -> dst`` in the forward direction (the value flows from src into dst)."""

    src: str
    dst: str
    label: str = ""


@dataclass
class VGraph:
    nodes: dict  # id -> VNode, in discovery order (output first)
    edges: list  # VEdge
    stacks: dict = field(default_factory=dict)  # op id -> module call stack (when traced)
    parents: set = field(default_factory=set)  # (name, call) of calls that called modules

    def node_titles(self, kind: str | None = None) -> list:
        return [n.title for n in self.nodes.values() if kind is None or n.kind == kind]


def _is_tensor_like(obj) -> bool:
    return (hasattr(obj, "requires_grad") and hasattr(obj, "shape")
            and not hasattr(obj, "next_functions"))


def _dtype_name(dtype) -> str:
    text = str(dtype)
    return text.rsplit(".", 1)[-1]


def describe(value) -> str:
    """``(3, 4) float32`` for a Tensor or array; ``""`` for anything else."""
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is None or dtype is None:
        return ""
    return f"{tuple(int(s) for s in shape)} {_dtype_name(dtype)}"


def _node_name(fn) -> str:
    name = getattr(fn, "name", None)
    if callable(name):
        try:
            return str(name())
        except Exception:  # noqa: BLE001 - a foreign node without a usable name()
            pass
    return type(fn).__name__


def _saved_lines(fn, limit: int = 4) -> list:
    """``saved: ...`` lines: gradkit's ``saved``/``out`` arrays or PyTorch's ``_saved_*``."""
    lines = []
    saved = getattr(fn, "saved", None)
    if isinstance(saved, (tuple, list)) and not getattr(fn, "released", False):
        for i, value in enumerate(saved):
            text = describe(value)
            if text:
                lines.append(f"saved[{i}]: {text}")
    out = getattr(fn, "out", None)
    if out is not None and not getattr(fn, "released", False):
        text = describe(out)
        if text:
            lines.append(f"saved result: {text}")
    if not lines and not hasattr(fn, "saved"):  # PyTorch: _saved_self, _saved_other, ...
        for attr in dir(fn):
            if attr.startswith("_saved_") and not attr.startswith("_saved_raw"):
                try:
                    value = getattr(fn, attr)
                except Exception:  # noqa: BLE001 - freed after backward
                    continue
                text = describe(value)
                if text:
                    lines.append(f"{attr[7:]}: {text}")
    if len(lines) > limit:
        lines = lines[:limit] + [f"... {len(lines) - limit} more saved"]
    return lines


class _Ids:
    """Picture ids by object identity; the objects are kept alive, so that an id is never
    reused by another (``next_functions`` makes display-only nodes afresh on each access)."""

    def __init__(self):
        self.ids: dict = {}
        self._alive: list = []

    def __call__(self, obj, prefix: str) -> str:
        key = id(obj)
        if key not in self.ids:
            self.ids[key] = f"{prefix}{len(self.ids)}"
            self._alive.append(obj)
        return self.ids[key]


def build_graph(outputs, params=None, *, show_saved: bool = True,
                show_constants: bool = False, trace: ModuleTrace | None = None) -> VGraph:
    """Walk the backward graph from ``outputs`` (a Tensor or a sequence of Tensors)."""
    if _is_tensor_like(outputs):
        outputs = [outputs]
    outputs = list(outputs)
    names = {}
    if params is not None:
        items = params.items() if hasattr(params, "items") else params
        for name, p in items:
            names[id(p)] = str(name)
    ids = _Ids()
    nodes: dict = {}
    edges: list = []
    stacks: dict = {}
    stack = []

    def leaf_node(t) -> str:
        nid = ids(t, "t")
        if nid not in nodes:
            name = names.get(id(t))
            size = 1
            for s in getattr(t, "shape", ()):
                size *= int(s)
            if name is not None:
                nodes[nid] = VNode(nid, "param", name, [describe(t)], size=size)
            else:
                kind = "leaf" if getattr(t, "requires_grad", False) else "constant"
                title = "Parameter" if type(t).__name__ == "Parameter" else (
                    "leaf (requires_grad)" if kind == "leaf" else "input")
                nodes[nid] = VNode(nid, kind, title, [describe(t)], size=size)
        return nid

    def visit(fn) -> str:
        """The id of ``fn``'s picture node (queued for a walk the first time)."""
        if _is_tensor_like(fn):
            return leaf_node(fn)
        variable = getattr(fn, "variable", None)
        if variable is not None and _is_tensor_like(variable):  # an AccumulateGrad node
            return leaf_node(variable)
        nid = ids(fn, "n")
        if nid not in nodes:
            nodes[nid] = VNode(nid, "op", _node_name(fn),
                               _saved_lines(fn) if show_saved else [])
            stack.append(fn)
            if trace is not None and id(fn) in trace.stacks:
                stacks[nid] = trace.stacks[id(fn)]
        return nid

    for i, out in enumerate(outputs):
        oid = f"out{i}"
        label = "output" if len(outputs) == 1 else f"output {i}"
        nodes[oid] = VNode(oid, "output", label, [describe(out)])
        fn = getattr(out, "grad_fn", None)
        if fn is not None:
            edges.append(VEdge(visit(fn), oid))
        elif getattr(out, "requires_grad", False):
            edges.append(VEdge(leaf_node(out), oid, describe(out)))
    seen_edges = set()
    while stack:
        fn = stack.pop()
        me = ids(fn, "n")
        inputs = getattr(fn, "inputs", None)  # gradkit's nodes keep their input tensors
        inputs = [v for v in inputs if _is_tensor_like(v)] if isinstance(inputs, (tuple, list)) \
            else []
        # next_functions reads as PyTorch's, whose order and entries may differ from the
        # rule's inputs (addmm lists bias, input, weight): values are found by their node
        made_by = {id(v.grad_fn): v for v in inputs if getattr(v, "grad_fn", None) is not None}
        if show_constants:
            for value in inputs:
                if not getattr(value, "requires_grad", False):
                    edges.append(VEdge(leaf_node(value), me))
        nexts = getattr(fn, "next_functions", ()) or ()
        for i, entry in enumerate(nexts):
            prev = entry[0] if isinstance(entry, tuple) else entry
            if prev is None:
                continue
            value = made_by.get(id(prev))
            src = visit(prev)
            if (trace is not None and me in stacks and src not in stacks
                    and isinstance(prev, Shown)):  # display-only (addmm's TBackward0): its
                stacks[src] = stacks[me]              # consumer's module owns it
            key = (src, me, i)
            if key in seen_edges:
                continue
            seen_edges.add(key)
            # a leaf's box shows its shape already
            label = describe(value) if value is not None and src[0] == "n" else ""
            edges.append(VEdge(src, me, label))
    return VGraph(nodes, edges, stacks, set(trace.parents) if trace is not None else set())


# ------------------------------------------------------------------------ module tracing
def _tensors_in(obj, out: list) -> list:
    if _is_tensor_like(obj):
        out.append(obj)
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            _tensors_in(item, out)
    elif isinstance(obj, dict):
        for item in obj.values():
            _tensors_in(item, out)
    return out


class ModuleTrace:
    """Records which module call made each backward node (forward pre-hooks and hooks).

    ``with ModuleTrace(model) as trace: out = model(x)``, then
    ``draw_graph(out, params, modules=trace, collapse="module")``. Each node is tagged with
    the stack of module calls active when it was made: ``((name, type, call, is_leaf), ...)``
    from the model itself (name ``""``) inward.
    """

    def __init__(self, model):
        self.model = model
        self.stacks: dict = {}
        self._keep: list = []  # the tagged nodes, so their ids stay theirs
        self._stack: list = []
        self._entries: list = []
        self._calls: dict = {}
        self.parents: set = set()  # (name, call) of the calls inside which modules were called
        self._handles: list = []
        self.max_depth = 0

    def __enter__(self):
        for name, module in self.model.named_modules():
            is_leaf = next(iter(module.children()), None) is None
            self._handles.append(module.register_forward_pre_hook(
                self._pre(name, type(module).__name__, is_leaf), with_kwargs=True))
            self._handles.append(module.register_forward_hook(self._post, with_kwargs=True,
                                                              always_call=True))
        return self

    def __exit__(self, *exc):
        for h in self._handles:
            h.remove()
        self._handles.clear()
        return False

    def _pre(self, name, type_name, is_leaf):
        def hook(module, args, kwargs):
            call = self._calls.get(name, 0) + 1
            self._calls[name] = call
            if self._stack:
                self.parents.add((self._stack[-1][0], self._stack[-1][2]))
            self._stack.append((name, type_name, call, is_leaf))
            self.max_depth = max(self.max_depth, len(self._stack) - 1)
            entries = set()
            for t in _tensors_in((args, kwargs), []):
                fn = getattr(t, "grad_fn", None)
                if fn is not None:
                    entries.add(id(fn))
            self._entries.append(entries)
        return hook

    def _post(self, module, args, kwargs, output):
        if not self._stack:
            return
        frame = tuple(self._stack)
        entries = self._entries.pop()
        self._stack.pop()
        todo = [t.grad_fn for t in _tensors_in(output, [])
                if getattr(t, "grad_fn", None) is not None]
        seen = set()
        while todo:
            fn = todo.pop()
            key = id(fn)
            if key in seen or key in entries:
                continue
            seen.add(key)
            if key not in self.stacks:
                self.stacks[key] = frame
                self._keep.append(fn)
            for entry in getattr(fn, "next_functions", ()) or ():
                prev = entry[0] if isinstance(entry, tuple) else entry
                if prev is not None and hasattr(prev, "next_functions") and not hasattr(
                        prev, "variable"):
                    todo.append(prev)


# ------------------------------------------------------------------------------ collapse
def _group_of(stack, depth, parents):
    """The module call whose box an op with this stack goes into (None: stays an op).

    A "leaf" call is one inside which no other module was called (a Linear, or a
    MultiheadAttention, whose out_proj is used through its weight only)."""
    if not stack:
        return None
    if depth is not None and len(stack) > depth:
        return stack[depth]
    frame = stack[-1]  # above the depth, a leaf call (a stem's Conv2d) is still one box
    return frame if len(stack) > 1 and (frame[0], frame[2]) not in parents else None


def _sccs(ids: list, succ: dict) -> list:
    """Strongly connected components (iterative Tarjan)."""
    index, low, on, st, out = {}, {}, set(), [], []
    counter = [0]
    for root in ids:
        if root in index:
            continue
        work = [(root, iter(succ.get(root, ())))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        st.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    st.append(w)
                    on.add(w)
                    work.append((w, iter(succ.get(w, ()))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = st.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
    return out


def collapse_graph(graph: VGraph, depth: int | None = None) -> VGraph:
    """Merge the op nodes of each module call into one box.

    ``depth=None``: every call of a module inside which no other module was called (Linear,
    Conv2d, ReLU, MultiheadAttention, ...) becomes a box; ops made directly by a container's
    ``forward`` stay ops. ``depth=d``:
    every call of a module ``d`` levels below the model (1: the model's children) becomes a box
    holding everything made inside it. A parameter used only inside one box goes into it.
    A box that would make the picture cyclic (a module whose call interleaves with others) is
    left expanded.
    """
    expanded: set = set()
    while True:
        owner = {}
        for nid, stack in graph.stacks.items():
            g = _group_of(stack, depth, graph.parents)
            if g is not None and g not in expanded:
                owner[nid] = g
        # leaves used only by one box join it
        consumers: dict = {}
        for e in graph.edges:
            consumers.setdefault(e.src, set()).add(owner.get(e.dst, e.dst))
        for nid, node in graph.nodes.items():
            if node.kind in ("param", "leaf", "constant"):
                users = consumers.get(nid, set())
                if len(users) == 1:
                    (g,) = users
                    if isinstance(g, tuple):
                        owner[nid] = g
        box_id = {}
        for g in dict.fromkeys(owner.values()):
            box_id[g] = f"m{len(box_id)}"
        cid = {nid: box_id[owner[nid]] if nid in owner else nid for nid in graph.nodes}
        succ: dict = {}
        for e in graph.edges:
            a, b = cid[e.src], cid[e.dst]
            if a != b:
                succ.setdefault(a, set()).add(b)
        cyclic = [c for c in _sccs(list(dict.fromkeys(cid.values())), succ) if len(c) > 1]
        if not cyclic:
            break
        bad = {g for g, b in box_id.items() if any(b in c for c in cyclic)}
        if not bad:  # a cycle without boxes: the graph itself has one; draw it as it is
            break
        expanded |= bad
    nodes: dict = {}
    calls_per_name: dict = {}
    for g in box_id:
        calls_per_name[g[0]] = max(calls_per_name.get(g[0], 0), g[2])
    for nid, node in graph.nodes.items():
        c = cid[nid]
        if c == nid:
            nodes[nid] = node
            continue
        if c not in nodes:
            g = owner[nid]
            name = g[0] or "(model)"
            call = f" call {g[2]}" if calls_per_name.get(g[0], 1) > 1 else ""
            nodes[c] = VNode(c, "module", f"{name}: {g[1]}{call}")
        nodes[c].members.append(nid)
    for box in nodes.values():
        if box.kind != "module":
            continue
        ops = [m for m in box.members if graph.nodes[m].kind == "op"]
        params = [graph.nodes[m] for m in box.members if graph.nodes[m].kind == "param"]
        if len(ops) <= 3:  # in forward order (the walk found them output first)
            box.lines.append(" ".join(graph.nodes[m].title for m in reversed(ops)))
        else:
            box.lines.append(f"{len(ops)} ops")
        if params:
            count = sum(p.size for p in params)
            noun = "param" if len(params) == 1 else "params"
            box.lines.append(f"{len(params)} {noun} ({count:,} values)")
    edges: list = []
    seen: dict = {}
    for e in graph.edges:
        a, b = cid[e.src], cid[e.dst]
        if a == b:
            continue
        if (a, b) in seen:
            old = seen[(a, b)]
            if e.label and e.label not in old.label.split(" | ") and old.label.count("|") < 1:
                old.label = f"{old.label} | {e.label}" if old.label else e.label
            continue
        edge = VEdge(a, b, e.label)
        seen[(a, b)] = edge
        edges.append(edge)
    return VGraph(nodes, edges, {})
