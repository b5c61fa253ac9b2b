"""The graph: what a recorded computation is made of.

An ``Op`` is a primitive: an array-level ``forward`` and one ``backward`` rule that returns the
vector-Jacobian product for every input. A ``Node`` is one application of an op, recorded when any
input requires grad (``make_node`` on the per-op hot path). ``engine.py`` walks nodes in reverse
topological order without recursion (``run_backward``).

Backward rules are written once against a namespace ``xp``. Normally the engine hands them raw
arrays and the array library (NumPy or CuPy); under ``create_graph=True`` it hands them Tensors and
gradkit's Tensor namespace, so the rule's own computation is recorded and can be differentiated
again. The autograd package knows nothing about Tensor: ``tensor.py`` installs the hooks the engine
needs (``configure``).

Rule signature::

    backward(xp, g, ins, out, aux, needs) -> tuple of gradients (None where not needed)

``ins`` are the input values (arrays, or Tensors under create_graph; Python scalars stay scalars),
``out`` the output value, ``aux`` what forward stored (its static arguments unless it returned its
own), ``needs`` a tuple of bools: True when input i needs a gradient.
"""

from __future__ import annotations

import os
import traceback

__all__ = [
    "SELECT",
    "MultiNode",
    "Node",
    "Op",
    "PostAccumulateHook",
    "anomaly_state",
    "configure",
    "make_node",
    "record_trace",
]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
SAVES_INPUTS = 1
SAVES_OUTPUT = 2
SCALAR_KEEPS_NUMBER_ONLY = 4
# Shared ``versions`` tuples for the usual nodes (every input at version 0 when recorded; None
# for a Python-scalar input): no allocation when recording, an identity test in the engine.
VERSIONS_0 = (0,)
VERSIONS_0_NONE = (0, None)
VERSIONS_00 = (0, 0)
# ``needs`` of a node recorded for ``tensor op python_number`` (an elementwise op): the output,
# and so the first input's gradient, has the first input's shape; the engine skips its
# broadcast check.
NEEDS_SCALAR_SECOND = (True, False)

# Filled in by tensor.py: wrap(array) -> leaf Tensor; wrap_node(array, node) -> Tensor with
# grad_fn=node; tensor_ns: the Tensor namespace used under create_graph; is_tensor(x).
_hooks = {}
# anomaly_state[0]: detect_anomaly on; [1]: check_nan.
anomaly_state = [False, True]


def configure(**kwargs) -> None:
    _hooks.update(kwargs)


class Op:
    """A primitive: ``forward(xp, *arrays, *params)`` and ``backward(xp, g, ins, out, aux, needs)``.

    Args:
        name: shown in errors and as ``grad_fn`` (``<MulBackward>``).
        forward: computes the output array; returns ``(out, aux)`` when ``returns_aux``.
        backward: the rule described in the module docstring.
        saves: ``SAVES_INPUTS | SAVES_OUTPUT`` bits: which values backward reads. Drives the
            in-place checks and what is kept alive. ``SCALAR_KEEPS_NUMBER_ONLY`` (with
            ``SAVES_INPUTS``): when the second operand is a Python number the rule reads only
            that number (``x * 2``, ``x / 2``), so the tensor is neither kept nor version-checked
            (as PyTorch, which saves only the scalar there).
        broadcasts: the engine sums each gradient back to its input's shape.
        returns_aux: forward returns ``(out, aux)``; otherwise aux is the params tuple.
        release: optional ``release(node)`` called when backward frees the node's saved state
            (custom Functions drop their ``ctx`` saved tensors here).
        none_grads: a multi-output op whose rule takes None for an output that received no
            gradient (otherwise the engine hands it zeros; with ``create_graph`` it always does).
    """

    __slots__ = ("backward", "broadcasts", "forward", "name", "none_grads", "release",
                 "returns_aux", "saves")

    def __init__(self, name, forward, backward, *, saves=SAVES_INPUTS, broadcasts=False,
                 returns_aux=False, release=None, none_grads=False):
        self.name = name
        self.none_grads = none_grads
        self.forward = forward
        self.backward = backward
        self.saves = saves
        self.broadcasts = broadcasts
        self.returns_aux = returns_aux
        self.release = release

    def __repr__(self):
        return f"Op({self.name})"


class Node:
    """One recorded op application (what ``Tensor.grad_fn`` holds).

    ``next`` holds, per input, the Node that produced it, the leaf Tensor that accumulates its
    gradient, or None. ``saved`` holds the input arrays the rule reads; ``inputs`` the input
    Tensors (for create_graph and version checks); ``versions`` their versions at forward time.
    """

    __slots__ = (
        "__weakref__",
        "aux",
        "inputs",
        "meta",
        "needs",
        "next",
        "op",
        "out",
        "out_vc",
        "pre_hooks",
        "released",
        "saved",
        "versions",
    )

    def __init__(self, op, inputs, next_, saved, out, aux, versions, needs=None):
        self.op = op
        self.inputs = inputs
        self.next = next_
        self.needs = needs if needs is not None else tuple(n is not None for n in next_)
        self.saved = saved
        self.out = out
        self.aux = aux
        self.versions = versions
        self.pre_hooks = None
        self.released = False
        self.meta = None
        # the output Tensor's version counter when ``out`` is saved (set by tensor.py); the
        # output is created at version 0, so any other value means it was changed in place
        self.out_vc = None

    def name(self) -> str:
        return self.op.name + "Backward"

    @property
    def next_functions(self):
        """PyTorch-style ``((node_or_accumulate, 0), ...)``."""
        return tuple((n, 0) for n in self.next)

    def register_prehook(self, fn):
        if self.pre_hooks is None:
            self.pre_hooks = []
        self.pre_hooks.append(fn)

    def __repr__(self):
        return f"<{self.name()}>"


_new = object.__new__


def make_node(op, inputs, next_, saved, out, aux, versions, needs):
    """``Node(...)`` for the per-op hot path: a plain call with ``needs`` given is ~25 ns cheaper
    than calling the class (which goes through ``__init__``). Sets every slot ``__init__`` sets."""
    n = _new(Node)
    n.op = op
    n.inputs = inputs
    n.next = next_
    n.needs = needs
    n.saved = saved
    n.out = out
    n.aux = aux
    n.versions = versions
    n.pre_hooks = None
    n.released = False
    n.meta = None
    n.out_vc = None
    return n


class MultiNode(Node):
    """A node with several outputs (custom Functions, fused layers). Each output Tensor's
    grad_fn is a select Node (op ``SELECT``) whose ``aux`` is the output index; the engine
    gathers their gradients into one list for this node's rule."""

    __slots__ = ("n_out", "out_meta")


def _select_backward(xp, g, ins, out, aux, needs):
    return (g,)


SELECT = Op("Select", None, _select_backward, saves=0)


def record_trace(node) -> None:
    """Keep where in user code ``node`` was created (for detect_anomaly)."""
    frames = traceback.extract_stack()[:-1]
    # drop gradkit's own frames at the top (the op method, apply1, Function.apply, ...)
    while len(frames) > 1 and frames[-1].filename.startswith(_PACKAGE_DIR):
        frames.pop()
    if node.meta is None:
        node.meta = {}
    node.meta["trace"] = traceback.format_list(frames[-8:])


class PostAccumulateHook:
    """Wraps ``fn(tensor)`` to run after a leaf's ``.grad`` has been updated
    (``Tensor.register_post_accumulate_grad_hook``)."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn
