"""The backward engine: propagate gradients from the roots of a recorded graph to its leaves.

``run_backward`` runs in named steps:

1. ``_plan``: how many consumers will send each reachable vertex (Node or leaf Tensor) a gradient
   (``_collect``); with ``capture`` (autograd.grad, backward(inputs=...)) only the part of the
   graph that leads to a captured vertex is kept (``_prune``).
2. ``_seed``: the roots' gradients; the roots nothing else feeds are ready to run.
3. ``_propagate``: the loop. It pops a vertex whose gradient is complete (leaves first, then the
   node created last, as PyTorch's engine orders them), runs its rule and sends each input its
   share; an input whose last consumer has run becomes ready. A leaf Tensor
   reached with its total gradient goes to ``_reach_leaf`` (tensor hooks, capture, ``.grad``).

The loop is the engine's hot path (one iteration per recorded op), so it is flat code on local
variables: a function call per node costs ~50-80 ns against ~1 us of engine work per op. The
fast path is the usual node (a single-output ``Node``, its rule given arrays: no create_graph),
prepared inline in one place, the first branch of the loop; what create_graph and multi-output
nodes need is prepared by ``_prepare_general``, called only for them. The rest of a node's step
(in-place checks, running the rule, sending the input gradients, releasing what it saved) is
one code path for every node.
"""

from __future__ import annotations

import heapq as _heapq
import itertools as _itertools
import warnings

import numpy as _np

from .._backend import namespace_of
from .._backend import numpy_ns as _numpy_ns
from .._options import allocation_error
from . import grad_mode
from .graph import (
    FORWARD,
    MULTI_TYPES,
    NEEDS_ONE,
    NEEDS_SCALAR_SECOND,
    NODE_TYPES,
    PLAIN_TYPES,
    SAVES_INPUTS,
    SAVES_OUTPUT,
    VERSIONS_0,
    VERSIONS_0_NONE,
    VERSIONS_00,
    Node,
    PostAccumulateHook,
    _hooks,
    _NodeHook,
    anomaly_state,
    connect,
    connected,
)

__all__ = ["run_backward"]

_np_generic = _np.generic
_LEAF_KEY = float("-inf")  # leaves (PyTorch's AccumulateGrad) before any node
_ndarray = _np.ndarray
# > 0 while vmap runs a function entry by entry with more entries to come: a backward inside it
# keeps the graph for the next entry, as PyTorch's one batched backward would still have it
KEEP_GRAPH = [0]


def run_backward(roots, root_grads, *, retain_graph=False, create_graph=False, capture=None,
                 accumulate=True):
    """Propagate ``root_grads`` from ``roots`` (Nodes or leaf Tensors) to the leaves.

    Args:
        roots: vertices to start from (a tensor's grad_fn, or the tensor itself if a leaf).
        root_grads: the gradient for each root (arrays, or Tensors when ``create_graph``).
        retain_graph: keep saved values so the graph can be walked again.
        create_graph: record the backward computation itself (higher-order gradients).
        capture: vertices whose total incoming gradient should be returned (autograd.grad).
        accumulate: write into leaves' ``.grad`` (False for autograd.grad).

    Returns:
        dict vertex -> gradient for the vertices in ``capture`` (empty when None).
    """
    leaf_filter = None
    retain_graph = retain_graph or KEEP_GRAPH[0] > 0
    if capture is not None:
        capture = set(capture)
        if accumulate:  # backward(inputs=...): only those leaves accumulate
            leaf_filter = capture
    deps, walk, leads = _plan(roots, capture)
    handed = set()  # ids of arrays a leaf may not keep without copying
    grads, ready = _seed(roots, root_grads, deps, leads, handed)
    prev_mode = grad_mode.STATE[0]
    grad_mode.STATE[0] = create_graph
    try:
        return _propagate(ready, grads, deps, walk, leads, capture, leaf_filter, accumulate,
                          retain_graph, create_graph, handed)
    except (MemoryError, ValueError) as e:  # a gradient no memory holds: PyTorch's error
        err = allocation_error("backward()", e)
        if err is None:
            raise
        raise err from None
    finally:
        grad_mode.STATE[0] = prev_mode


def _plan(roots, capture):
    """``(deps, walk, leads)``: dependency counts; with ``capture``, the Nodes whose backward
    must run and every vertex that is, or leads to, a captured one (both None without)."""
    deps = _collect(roots)
    if capture is None:
        return deps, None, None
    return _prune(roots, deps, capture)  # only walk the part of the graph that leads to the inputs


def _collect(roots):
    """Dependency counts for every vertex (Node or leaf Tensor) reachable from ``roots``."""
    # roots start at 0, so reaching one from another root only counts it (it is walked as a root)
    deps = {}
    for r in roots:
        if type(r) is Node or type(r) in NODE_TYPES:
            deps[r] = 0
    stack = list(deps)  # a root given twice is still walked once
    pop = stack.pop
    push = stack.append
    get = deps.get
    while stack:
        v = pop()
        while v is not None:  # follow the first new input directly (chains need no stack)
            needs = v.needs
            if needs is NEEDS_SCALAR_SECOND or needs is NEEDS_ONE:  # one input edge, never None
                n = v.next[0]
                d = get(n)
                if d is None:
                    deps[n] = 1
                    tn = type(n)
                    if tn is Node or tn in NODE_TYPES:
                        v = n
                        continue
                else:
                    deps[n] = d + 1
                break
            follow = None
            for n in v.next:
                if n is not None:
                    d = get(n)
                    if d is None:
                        deps[n] = 1
                        tn = type(n)
                        if tn is Node or tn in NODE_TYPES:  # first visit: walk its inputs once
                            if follow is None:
                                follow = n
                            else:
                                push(n)
                    else:
                        deps[n] = d + 1
            v = follow
    return deps


def _prune(roots, deps, capture):
    """Restrict the walk to vertices from which a ``capture`` vertex can be reached.

    Returns ``(deps, walk, leads)``: dependency counts over the kept edges only, the Nodes whose
    backward must run (those with a kept input edge), and every kept vertex (``walk`` plus the
    capture vertices).
    """
    # reverse topological order (roots first) by Kahn's algorithm over a copy of the counts
    left = dict(deps)
    order = []
    stack = [r for r in {id(r): r for r in roots}.values() if left.get(r, 0) == 0]
    while stack:
        v = stack.pop()
        order.append(v)
        tv = type(v)
        if tv is Node or tv in NODE_TYPES:
            for n in v.next:
                if n is not None:
                    k = left[n] - 1
                    left[n] = k
                    if k == 0:
                        stack.append(n)
    leads = set()  # vertices that are, or lead to, a capture vertex
    walk = set()
    for v in reversed(order):
        tv = type(v)
        if (tv is Node or tv in NODE_TYPES) and any(
                n is not None and n in leads for n in v.next):
            walk.add(v)
            leads.add(v)
        elif v in capture:
            leads.add(v)
    kept = {}
    for v in walk:
        for n in v.next:
            if n is not None and n in leads:
                kept[n] = kept.get(n, 0) + 1
    return kept, walk, leads


def _seed(roots, root_grads, deps, leads, handed):
    """The roots' gradients: ``(grads, ready)``.

    ``grads`` holds the partial sums of vertices still waiting for some of their consumers; a
    vertex whose last consumer has run moves to ``ready`` together with its total gradient.
    """
    grads = {}
    for r, g in zip(roots, root_grads):
        handed.add(id(g))
        if leads is not None and r not in leads:
            continue
        grads[r] = g if r not in grads else grads[r] + g
    ready = []
    for r in list(grads):
        if deps.get(r, 0) == 0:
            ready.append((r, grads.pop(r)))
    return grads, ready


def _propagate(ready, grads, deps, walk, leads, capture, leaf_filter, accumulate, retain_graph,
               create_graph, handed):
    """Run every ready vertex until none is left; returns the captured gradients."""
    wrap = _hooks["wrap"]
    captured = {}
    # ``ready`` is a heap: of the vertices whose gradient is complete, leaves first, then the
    # node created last (PyTorch's order; module backward hooks depend on it). Entries are
    # ``(key, tie, vertex, grad)``; ``tie`` keeps equal keys last-in first-out and the heap from
    # ever comparing vertices.
    heap = []
    tick = _itertools.count().__next__
    heappush = _heapq.heappush

    def push_ready(item, heap=heap, node_types=NODE_TYPES, leaf_key=_LEAF_KEY):
        n = item[0]
        tn = type(n)
        heappush(heap, (-n.seq if tn is Node or tn in node_types else leaf_key, -tick(), n,
                        item[1]))

    for item in ready:
        push_ready(item)
    ready = heap
    heappop = _heapq.heappop
    pop_grad = grads.pop
    get_grad = grads.get
    anomaly = anomaly_state[2]
    ndarray = _ndarray
    plain = not create_graph and capture is None and not anomaly  # (the fast path's test)
    # a vertex whose gradient became complete at the last step's single input edge runs next
    # (what pushing it onto ``ready`` and popping it again would do) without the round trip
    fv = fg = None
    while True:
        if fv is not None:
            v = fv
            g = fg
            fv = None
        elif ready:
            _, _, v, g = heappop(ready)
        else:
            break
        # the chain's nodes, one after the other while each completes the next one's gradient:
        # a plain node with one input edge whose gradient has the input's shape (``x op
        # number``, a one-input elementwise op) and nothing attached (no hooks, packed values,
        # anomaly mode or capture). The general steps below, with only what applies to it.
        while plain and type(v) is Node and type(g) is ndarray:
            needs = v.needs
            op = v.op
            if v.meta is not None or v.pre_hooks is not None or v.released or not (
                    needs is NEEDS_SCALAR_SECOND or (needs is NEEDS_ONE and not op.broadcasts)):
                break
            vs = v.versions
            if vs is not None:
                if vs is VERSIONS_0 or vs is VERSIONS_0_NONE:
                    vl = v.inputs[0]._vcl
                    if vl is not None and vl[0]:
                        _check_versions(v)
                else:
                    for t, ver in zip(v.inputs, vs):
                        if ver is not None and t._vc[0] != ver:
                            _check_versions(v)
            vc = v.out_vc
            if vc is not None and vc[0]:
                _check_versions(v)
            if needs is NEEDS_SCALAR_SECOND and op.passes_first:
                gi = g  # x + 2, x - 2: what the rule returns for x, without its call
            elif needs is NEEDS_SCALAR_SECOND and op.scales_first:
                gi = g * v.saved[1]  # x * 2: the rule's g * 2, without its call
            else:
                gi = op.backward(_numpy_ns, g, v.saved, v.out, v.aux, needs)[0]
                if gi is None:
                    gi = _zero_grad_for(v, 0, _numpy_ns, False)
            n = v.next[0]
            if not retain_graph:
                saves = op.saves
                if saves:
                    v.saved = None
                    if saves & SAVES_OUTPUT:
                        v.out = None
                    v.released = True
                    v.inputs = None
                if op.release is not None:
                    op.release(v)
            d = deps[n]
            tn = type(n)
            if tn is not Node and tn in MULTI_TYPES:
                _add_to_multi(n, d, gi, v.aux, grads, deps, push_ready)
            elif d == 1:  # its last consumer: the gradient is complete; it runs next
                v = n
                g = gi
                if grads:
                    prev = pop_grad(n, None)
                    if prev is not None:
                        try:
                            g = prev + gi
                        except RuntimeError:  # sparse + dense is refused: dense + sparse
                            g = gi + prev
                if ready and (tn is Node or tn in NODE_TYPES) and ready[0][0] < -n.seq:
                    push_ready((v, g))  # a node created later is ready too: it runs first
                    v = None
                    break
                continue
            else:
                deps[n] = d - 1
                prev = get_grad(n)
                try:
                    grads[n] = gi if prev is None else prev + gi
                except RuntimeError:  # a sparse gradient, then a dense one
                    grads[n] = gi + prev
            v = None
            break
        if v is None:
            continue
        tv = type(v)
        # the usual node (its rule gets arrays)
        if (tv is Node or tv in PLAIN_TYPES) and not create_graph:
            if type(g) is ndarray:
                xp = _numpy_ns
            else:
                if isinstance(g, _np_generic):
                    g = _np.asarray(g)  # NumPy turns 0-d results into scalars
                xp = namespace_of(g) if g is not None else _numpy_ns
            if v.pre_hooks is not None:  # the tensor's hooks: they also shape a captured grad
                g = _run_prehooks(v, g, False, wrap, handed)
                xp = _numpy_ns if type(g) is ndarray or g is None else namespace_of(g)
            if capture is not None:
                if v in capture:
                    captured[v] = g
                if v not in walk:
                    continue  # nothing upstream of this node is wanted
            multi = False
            ins = v.saved
            out = v.out
        elif tv is Node or tv in NODE_TYPES:
            multi = tv in MULTI_TYPES
            rule_args = _prepare_general(v, g, multi, capture, captured, walk, create_graph, wrap,
                                         handed)
            if rule_args is None:
                continue  # nothing upstream of this node is wanted
            g, xp, ins, out = rule_args
        else:  # a leaf Tensor
            _reach_leaf(v, g, capture, captured, accumulate, leaf_filter, create_graph, wrap,
                        handed)
            continue
        if g is None and not v.op.undefined_grads:  # no gradient reached it: it passes none on
            _pass_nothing(v, create_graph, leads, grads, deps, push_ready, wrap, retain_graph)
            continue
        if v.released:
            raise _released_error(v)
        vs = v.versions
        if vs is not None:  # inline fast path; _check_versions builds the error
            if vs is VERSIONS_0 or vs is VERSIONS_0_NONE:  # the usual node
                vl = v.inputs[0]._vcl  # (None: never modified)
                if vl is not None and vl[0]:
                    _check_versions(v)
            elif vs is VERSIONS_00:
                vins = v.inputs
                v0 = vins[0]._vcl
                v1 = vins[1]._vcl
                if (v0 is not None and v0[0]) or (v1 is not None and v1[0]):
                    _check_versions(v)
            else:
                for t, ver in zip(v.inputs, vs):
                    if ver is not None and t._vc[0] != ver:
                        _check_versions(v)
        if v.meta is not None or (v.out_vc is not None and v.out_vc[0]):
            _check_versions(v)
            if v.meta is not None and "packed" in v.meta:  # saved_tensors_hooks
                ins, out = _unpacked(v, ins, out, create_graph)
        op = v.op
        needs = v.needs
        if needs is NEEDS_SCALAR_SECOND and op.passes_first and not anomaly:
            in_grads = (g, None)  # x + 2, x - 2: what the rule returns for x, without its call
        elif (needs is NEEDS_SCALAR_SECOND and op.scales_first and not anomaly
              and not create_graph):
            in_grads = (g * ins[1], None)  # x * 2: the rule's g * 2, without its call
        else:
            try:
                in_grads = op.backward(xp, g, ins, out, v.aux, needs)
            except Exception:
                if anomaly:
                    _warn_forward_trace(v)
                raise
            if create_graph and connected(v):
                in_grads = connect(v, in_grads)
            if anomaly and anomaly_state[1]:
                _anomaly_check(v, in_grads, create_graph)
        if v.meta is not None and "hooks" in v.meta:  # Node.register_hook
            in_grads = _run_node_hooks(v, in_grads, g, create_graph, wrap)
        if leads is None and (needs is NEEDS_SCALAR_SECOND or (
                needs is NEEDS_ONE and not op.broadcasts)):
            # one input edge, its gradient of the input's shape: ``x op number``
            # (record.scalar_result), or a one-input op (record.apply1)
            n = v.next[0]
            gi = in_grads[0]
            if gi is None:  # (never a custom Function's node: its ``needs`` is its own tuple)
                gi = _zero_grad_for(v, 0, xp, create_graph)
            d = deps[n]
            tn = type(n)
            if tn is not Node and tn in MULTI_TYPES:
                _add_to_multi(n, d, gi, v.aux, grads, deps, push_ready)
            elif d == 1:  # its last consumer: the gradient is complete; it runs next
                prev = pop_grad(n, None)
                if prev is None:
                    fg = gi
                else:
                    try:
                        fg = prev + gi
                    except RuntimeError:  # sparse + dense is refused: dense + sparse
                        fg = gi + prev
                if ready and (tn is Node or tn in NODE_TYPES) and ready[0][0] < -n.seq:
                    push_ready((n, fg))  # a node created later is ready too: it runs first
                else:
                    fv = n
            else:
                deps[n] = d - 1
                prev = get_grad(n)
                try:
                    grads[n] = gi if prev is None else prev + gi
                except RuntimeError:  # a sparse gradient, then a dense one (an embedding
                    grads[n] = gi + prev  # weight tied to a dense layer): dense + sparse
        else:
            broadcasts = op.broadcasts
            i = -1
            for n in v.next:
                i += 1
                if n is None or (leads is not None and n not in leads):
                    continue
                gi = in_grads[i]
                if gi is None:
                    gi = _zero_grad_for(v, i, xp, create_graph)
                    if gi is None:  # no gradient (a custom Function's None)
                        _send_nothing(n, grads, deps, push_ready)
                        continue
                elif broadcasts:
                    shape = v.inputs[i]._data.shape
                    if gi.shape != shape:
                        gi = xp.sum_to(gi, shape)
                d = deps[n]
                if type(n) is not Node and type(n) in MULTI_TYPES:
                    _add_to_multi(n, d, gi, v.aux, grads, deps, push_ready)
                elif d == 1:  # its last consumer: the gradient is complete
                    prev = pop_grad(n, None)
                    try:
                        push_ready((n, gi if prev is None else prev + gi))
                    except RuntimeError:  # sparse + dense is refused: dense + sparse
                        push_ready((n, gi + prev))
                else:
                    deps[n] = d - 1
                    prev = get_grad(n)
                    try:
                        grads[n] = gi if prev is None else prev + gi
                    except RuntimeError:  # a sparse gradient, then a dense one (an embedding
                        grads[n] = gi + prev  # weight tied to a dense layer): dense + sparse
        if not retain_graph:
            v.saved = None
            saves = op.saves
            if saves or multi:
                if saves & SAVES_OUTPUT or multi:
                    v.out = None
                v.released = True
                # a released node is never run again: let its input tensors (and their
                # arrays) go even while the output tensor is still referenced
                v.inputs = None
            if op.release is not None:
                op.release(v)
    return captured


def _prepare_general(v, g, multi, capture, captured, walk, create_graph, wrap, handed):
    """A node walked under create_graph, or one with several outputs: run its tensor hooks,
    capture its gradient, and return its rule's ``(g, xp, ins, out)``, or None when nothing
    upstream of it is wanted."""
    if not multi and type(g) is not _ndarray and isinstance(g, _np_generic):
        g = _np.asarray(g)  # NumPy turns 0-d results into scalars
    if v.pre_hooks is not None:  # the tensor's hooks: they also shape a captured grad
        g = _run_prehooks(v, g, create_graph, wrap, handed)
    if capture is not None:
        if v in capture:
            captured[v] = g
        if v not in walk:
            return None
    op = v.op
    if multi and not op.undefined_grads and all(x is None for x in g):
        return None, None, None, None  # no output received a gradient: it passes none on
    if multi and (create_graph or not op.none_grads):
        g = [x if x is not None else _zeros_for(v, i, create_graph, wrap)
             for i, x in enumerate(g)]
    if create_graph:
        if multi:
            out = v.out
        elif op.saves & SAVES_OUTPUT:
            out = _hooks["wrap_node"](v.out, v) if v.out is not None else None
            if FORWARD[0] is not None and out is not None:  # forward AD: the output's tangent
                FORWARD[3](v, out)
        else:
            out = None
        return g, _hooks["tensor_ns"], v.inputs, out
    g0 = g
    if multi:  # an op taking None grads (Op.none_grads): any output's grad
        g0 = next((x for x in g if x is not None), None)
    return g, (_numpy_ns if type(g0) is _ndarray or g0 is None else namespace_of(g0)), v.saved, \
        v.out


def _reach_leaf(v, g, capture, captured, accumulate, leaf_filter, create_graph, wrap, handed):
    """Leaf Tensor ``v`` with its total gradient: its hooks, capture, and ``.grad``."""
    if isinstance(g, _np_generic):
        g = _np.asarray(g)
    cap = capture is not None and v in capture
    acc = accumulate and (leaf_filter is None or v in leaf_filter)
    if not (cap or acc):
        return
    if v._hooks:  # tensor hooks run for autograd.grad() too, as in PyTorch
        g = _run_leaf_hooks(v, g, create_graph, wrap, handed)
    if cap:
        captured[v] = g
    if acc:
        if g is None:  # no gradient reached it (a custom Function's None): .grad stays as it
            for hook in v._hooks or ():  # is; the post-accumulate hooks still run, as PyTorch's
                if type(hook) is PostAccumulateHook:
                    hook.fn(v)
            return
        _accumulate_leaf(v, g, create_graph, wrap, handed)


def _check_versions(node):
    inputs = node.inputs
    for i, v in enumerate(node.versions or ()):
        if v is not None and inputs[i]._vc[0] != v:
            t = inputs[i]
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: input {i} of {node.name()} (a tensor of shape "
                f"{tuple(t.shape)}) is at version {t._version}; expected version {v}. Hint: "
                f"replace the in-place operation (e.g. x.add_(...), x[...] = ...) on it with an "
                f"out-of-place one (x = x + ...), or clone() it before modifying."
            )
    if node.meta is not None and node.meta.get("output_modified"):
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: the output of {node.name()} was changed in place by "
            f"{node.meta['output_modified']}. Hint: use the out-of-place form, or clone() the "
            f"output before modifying it."
        )
    if node.out_vc is not None and node.out_vc[0] != 0:
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: the output of {node.name()} is at version {node.out_vc[0]}; "
            f"expected version 0. Hint: use the out-of-place form, or clone() the output before "
            f"modifying it."
        )


def _unpacked(node, ins, out, create_graph):
    """The node's saved values through the ``unpack_hook`` of the ``saved_tensors_hooks`` that
    packed them when it was recorded (``graph.pack_saved``)."""
    unpack, packed_in, packed_out = node.meta["packed"]
    if not packed_in:
        return ins, _unpacked_out(node, unpack, packed_out, create_graph, out)
    ins = list(ins)
    for i, p in packed_in:
        t = _unpack_one(unpack, p)
        ins[i] = t if create_graph else t._data
    return tuple(ins), _unpacked_out(node, unpack, packed_out, create_graph, out)


def _unpacked_out(node, unpack, packed_out, create_graph, out):
    if packed_out is None:
        return out
    t = _unpack_one(unpack, packed_out)
    return _hooks["wrap_node"](t._data, node) if create_graph else t._data


def _unpack_one(unpack, packed):
    t = unpack(packed)
    if not hasattr(t, "_data"):
        raise TypeError(f"Output of saved tensor unpack_hook expected to be a Tensor but got "
                        f"result of type {type(t).__name__}")
    return t


_SAVED_INPUT = {"_saved_self": 0, "_saved_other": 1}


def has_saved(node, name) -> bool:
    """Whether ``saved_attribute(node, name)`` is more than an AttributeError (a freed value is
    still listed, as PyTorch's); reads no saved value."""
    op = node.op
    if name == "_saved_result":
        return bool(op.saves & SAVES_OUTPUT) and (node.out is not None or node.released)
    i = _SAVED_INPUT.get(name)
    if i is None or not op.saves & SAVES_INPUTS:
        return False
    if node.released:
        return True
    saved, inputs = node.saved, node.inputs
    return not (saved is None or i >= len(saved) or saved[i] is None or i >= len(inputs)
                or not hasattr(inputs[i], "_data"))


def saved_attribute(node, name):
    """``grad_fn._saved_self`` / ``_saved_other`` (the input the node saved for backward, the
    same Tensor) and ``_saved_result`` (its saved output, with the node as grad_fn), as PyTorch
    shows them: through the ``unpack_hook`` of the ``saved_tensors_hooks`` that packed them,
    RuntimeError once backward freed them or after an in-place change, AttributeError for a
    value the node does not save."""
    op = node.op
    if name == "_saved_result":
        if not op.saves & SAVES_OUTPUT or (node.out is None and not node.released):
            raise AttributeError(f"'{node.name()}' object has no attribute '{name}'")
        if node.released:
            raise _released_error(node)
        packed = node.meta.get("packed") if node.meta is not None else None
        if packed is not None and packed[2] is not None:
            return _unpack_one(packed[0], packed[2])
        if (node.meta is not None and node.meta.get("output_modified")) or (
                node.out_vc is not None and node.out_vc[0] != 0):
            _check_versions(node)
        return _hooks["wrap_node"](node.out, node)
    i = _SAVED_INPUT.get(name)
    if i is None or not op.saves & SAVES_INPUTS:
        raise AttributeError(f"'{node.name()}' object has no attribute '{name}'")
    if node.released:
        raise _released_error(node)
    saved, inputs = node.saved, node.inputs
    if saved is None or i >= len(saved) or saved[i] is None or i >= len(inputs) or not hasattr(
            inputs[i], "_data"):
        raise AttributeError(f"'{node.name()}' object has no attribute '{name}'")
    packed = node.meta.get("packed") if node.meta is not None else None
    if packed is not None:
        for j, p in packed[1]:
            if j == i:
                return _unpack_one(packed[0], p)
    versions = node.versions
    if versions is not None and i < len(versions) and versions[i] is not None and \
            inputs[i]._vc[0] != versions[i]:
        _check_versions(node)
    return inputs[i]


def _released_error(node):
    return RuntimeError(
        f"Trying to backward through the graph a second time (or directly access saved tensors "
        f"after they have already been freed): {node.name()} already released what it saved. "
        f"Specify retain_graph=True in the first backward() (or autograd.grad()) call if you need "
        f"to backward through the graph again."
    )


def _warn_forward_trace(node):
    """detect_anomaly's warning when ``node``'s backward fails: where in user code its forward
    op was called (PyTorch's "Error detected in ..." warning)."""
    trace = "".join(node.meta["trace"]) if node.meta is not None and "trace" in node.meta else ""
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the "
                  f"error:\n{trace}", UserWarning, stacklevel=4)


def _anomaly_check(node, grads, create_graph):
    """detect_anomaly's check of a backward's results: NaN (not inf, as PyTorch) raises, naming
    the node and which of its outputs; the warning before it shows the forward call."""
    for i, g in enumerate(grads):
        if g is None:
            continue
        a = g._data if create_graph else g
        if a.dtype.kind in "fc" and bool(namespace_of(a).isnan(a).any()):
            _warn_forward_trace(node)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th "
                               f"output.")


def _add_to_multi(n, d, gi, k, grads, deps, push_ready):
    """Put ``gi``, the gradient of output ``k`` of MultiNode ``n``, into its list of output
    gradients (``d`` consumers of ``n`` left, this one included)."""
    slot = grads.get(n)
    if slot is None:
        slot = grads[n] = [None] * n.n_out
    slot[k] = gi if slot[k] is None else slot[k] + gi
    if d == 1:
        push_ready((n, grads.pop(n)))
    else:
        deps[n] = d - 1


def _zero_grad_for(node, i, xp, create_graph):
    """What the engine sends input ``i`` for the rule's None: zeros of its shape, or None (no
    gradient) for an op whose None means that (``Op.undefined_grads``)."""
    if node.op.undefined_grads:
        return None
    t = node.inputs[i]
    return xp.zeros(t.shape, dtype=t.dtype)


def _send_nothing(n, grads, deps, push_ready):
    """One consumer of vertex ``n`` sent it no gradient: one consumer fewer to wait for; when
    it was the last one, ``n`` is ready with what the others sent (None if none did)."""
    d = deps[n]
    if d != 1:
        deps[n] = d - 1
        return
    prev = grads.pop(n, None)
    if prev is None and type(n) is not Node and type(n) in MULTI_TYPES:
        prev = [None] * n.n_out
    push_ready((n, prev))


def _pass_nothing(v, create_graph, leads, grads, deps, push_ready, wrap, retain_graph):
    """Node ``v`` received no gradient (PyTorch's undefined gradient): its rule does not run and
    its inputs receive none, unless its hooks (``Node.register_hook``) return some."""
    in_grads = (None,) * len(v.next)
    if v.meta is not None and "hooks" in v.meta:
        in_grads = _run_node_hooks(v, in_grads, [None] * v.n_out if type(v) in MULTI_TYPES
                                   else None, create_graph, wrap)
    for i, n in enumerate(v.next):
        if n is None or (leads is not None and n not in leads):
            continue
        gi = in_grads[i]
        if gi is None:
            _send_nothing(n, grads, deps, push_ready)
            continue
        d = deps[n]
        if type(n) is not Node and type(n) in MULTI_TYPES:
            _add_to_multi(n, d, gi, v.aux, grads, deps, push_ready)
            continue
        prev = grads.pop(n, None)
        gi = gi if prev is None else prev + gi
        if d == 1:
            push_ready((n, gi))
        else:
            deps[n] = d - 1
            grads[n] = gi
    if not retain_graph:  # (what the loop releases after running a node)
        v.saved = None
        if v.op.saves or type(v) in MULTI_TYPES:
            v.out = None
            v.released = True
            v.inputs = None
        if v.op.release is not None:
            v.op.release(v)


def _zeros_for(node, i, create_graph, wrap):
    if node.out_meta[i] is None:
        return None
    shape, dtype, ns = node.out_meta[i]
    z = ns.zeros(shape, dtype=dtype)
    return wrap(z) if create_graph else z


def _run_prehooks(node, g, create_graph, wrap, handed):
    """A non-leaf tensor's hooks, then retain_grad's (last, as PyTorch's: ``.grad`` holds the
    gradient the hooks returned). Arrays they saw may be kept by them, so no leaf may later take
    them over as its ``.grad`` storage (``handed``)."""
    if type(g) is list:  # a node with several outputs: only Node.register_prehook's hooks
        return _run_multi_prehooks(node, g, create_graph, wrap, handed)
    if not create_graph and id(g) in handed:  # a leaf already reached may own it as its .grad
        g = g.copy()
    gt = g if create_graph or g is None else wrap(g)
    retain = None
    for hook in node.pre_hooks:
        if getattr(hook, "_retain", False):
            retain = hook
            continue
        if type(hook) is _NodeHook:
            r = hook.fn((gt,))
            if r is not None:
                gt = hook.check(r, 1)[0]
            continue
        r = hook(gt)
        if r is not None:
            if gt is None:
                raise _replaced_none_error(hook)
            gt = r
    if retain is not None and gt is not None:
        retain(gt)
    if create_graph or gt is None:
        return gt
    if type(g) is not list:
        handed.add(id(g))
        handed.add(id(gt._data))
    return gt._data


def _replaced_none_error(hook):
    name = getattr(hook, "__name__", type(hook).__name__)
    return RuntimeError(
        f"can't replace a None gradient with a non-None value: the tensor hook '{name}' "
        f"returned a tensor for a gradient that is None (no gradient reached the tensor, e.g. "
        f"a custom Function's backward returned None for it); return None from the hook there")


def _run_multi_prehooks(node, g, create_graph, wrap, handed):
    if not create_graph:  # (an array a leaf already took as its .grad: the hooks get a copy)
        g = [x.copy() if x is not None and id(x) in handed else x for x in g]
    gt = tuple(x if create_graph or x is None else wrap(x) for x in g)
    for hook in node.pre_hooks:
        r = hook.fn(gt)
        if r is not None:
            gt = hook.check(r, len(gt))
    if create_graph:
        return list(gt)
    for x in g:
        handed.add(id(x))
    return [None if x is None else x._data for x in gt]


def _run_node_hooks(node, in_grads, g, create_graph, wrap):
    """``Node.register_hook`` hooks: ``fn(grad_inputs, grad_outputs)``, over the node's Tensor
    inputs; a returned tuple replaces ``grad_inputs``."""
    pos = range(len(node.inputs))
    if len(node.next_functions) != len(node.inputs):  # a Python number PyTorch does not show
        pos = [i for i, t in enumerate(node.inputs) if hasattr(t, "_data")]

    def tensor(x):
        return x if x is None or create_graph else wrap(x)

    gin = tuple(tensor(in_grads[i]) for i in pos)
    gout = tuple(tensor(x) for x in g) if type(g) is list else (tensor(g),)
    for hook in list(node.meta["hooks"]):
        r = hook.fn(gin, gout)
        if r is not None:
            gin = hook.check(r, len(pos))
    res = list(in_grads)
    for i, x in zip(pos, gin):
        res[i] = x if x is None or create_graph else x._data
    return tuple(res)


def _run_leaf_hooks(t, g, create_graph, wrap, handed):
    """Tensor hooks of leaf ``t`` (not the post-accumulate ones); a returned tensor replaces g.
    An array a hook saw may be kept by it: ``.grad`` then gets a copy (``handed``)."""
    if not create_graph and id(g) in handed and any(
            type(h) is not PostAccumulateHook for h in t._hooks):
        g = g.copy()  # another leaf, already reached, may own it as its .grad
    gt = g if create_graph or g is None else wrap(g)
    ran = False
    for hook in t._hooks:
        if type(hook) is PostAccumulateHook:
            continue
        ran = True
        r = hook(gt)
        if r is not None:
            if gt is None:
                raise _replaced_none_error(hook)
            gt = r
    if create_graph or gt is None:
        return gt
    if ran:
        handed.add(id(g))
        handed.add(id(gt._data))
    return gt._data


def _accumulate_leaf(t, g, create_graph, wrap, handed):
    """Add ``g`` (already through the tensor hooks) into ``t.grad``, then post-accumulate hooks."""
    hooks = t._hooks
    _accumulate_into(t, g, create_graph, wrap, handed)
    if hooks:
        for hook in hooks:
            if type(hook) is PostAccumulateHook:
                hook.fn(t)


def _accumulate_into(t, g, create_graph, wrap, handed):
    if create_graph:
        if g.dtype != t.dtype:
            g = g.to(t.dtype)
        t.grad = g if t.grad is None else t.grad + g
        return
    if g.dtype != t._data.dtype:
        g = g.astype(t._data.dtype)
    if isinstance(g, _np_generic):
        g = _np.array(g)
    if t.grad is None:
        # Take ownership of a freshly computed array; copy anything that may be shared
        # (a view, the user's gradient, or an array another leaf also received).
        if g.base is not None or not g.flags.owndata or g.shape != t._data.shape:
            g = g.copy() if g.shape == t._data.shape else _broadcast_copy(g, t._data.shape)
        else:
            if id(g) in handed:
                g = g.copy()
            handed.add(id(g))
        if (type(g) is _np.ndarray and type(t._data) is _np.ndarray
                and not _obeys_layout(g, t._data)):
            g = _copy_laid_out(g, t._data)
        t.grad = wrap(g)
    else:
        acc = t.grad._data
        if acc.shape == g.shape and not t.grad.requires_grad:
            try:
                acc += g  # dense += dense or sparse; sparse += sparse (concatenated)
            except RuntimeError:  # a sparse .grad and a dense gradient: dense, as PyTorch
                t.grad = wrap(g + acc)
        else:  # a .grad that is part of a graph (create_graph earlier) is not changed in place
            t.grad = wrap(acc + g)


def _obeys_layout(g, v) -> bool:
    """PyTorch's layout contract of a new ``.grad``: the variable's strides where the variable
    is dense (no overlap, no gap), else row-major; size-1 dims' strides do not count."""
    if v.flags.c_contiguous or not _dense(v):
        return g.flags.c_contiguous
    return all(a == b or n == 1 for a, b, n in zip(g.strides, v.strides, v.shape))


def _dense(v) -> bool:
    """Whether ``v``'s elements fill one block of memory without overlap (any dim order)."""
    expected = v.itemsize
    for st, n in sorted((abs(st), n) for st, n in zip(v.strides, v.shape) if n != 1):
        if st != expected:
            return False
        expected *= n
    return all(st >= 0 or n == 1 for st, n in zip(v.strides, v.shape))


def _copy_laid_out(g, v):
    """A copy of ``g`` laid out as ``.grad`` of ``v`` must be (see :func:`_obeys_layout`)."""
    if v.flags.c_contiguous or not _dense(v):
        return _np.ascontiguousarray(g)
    out = _np.empty_like(v, dtype=g.dtype)  # (order "K": a dense array's strides)
    _np.copyto(out, g)
    return out


def _broadcast_copy(g, shape):
    return namespace_of(g).broadcast_to(g, shape).copy()
