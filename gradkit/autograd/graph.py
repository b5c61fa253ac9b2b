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

import itertools
import os
import traceback
import weakref
from typing import Any, NamedTuple

from . import grad_mode
from ._versions import VERSIONS_0_NONE, VERSIONS_00, versions_read  # noqa: F401 (re-exported)

__all__ = [
    "FORWARD",
    "MULTI_TYPES",
    "NODE_TYPES",
    "PLAIN_TYPES",
    "SELECT",
    "AccumulateGrad",
    "GradientEdge",
    "MultiNode",
    "Shown",
    "Node",
    "Op",
    "PostAccumulateHook",
    "anomaly_state",
    "configure",
    "disable_saved_tensors_hooks",
    "save_on_cpu",
    "saved_tensors_hooks",
    "connect",
    "connected",
    "INPLACE_NODES",
    "edge_of",
    "get_gradient_edge",
    "full_or_dim",
    "is_scalar_input",
    "observe",
    "make_node",
    "node_class",
    "present",
    "record_trace",
    "rename",
    "versions_read",
]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
SAVES_INPUTS = 1
SAVES_OUTPUT = 2
SCALAR_KEEPS_NUMBER_ONLY = 4
# (with SAVES_INPUTS) each input is read only for the others' gradients (``a * b``, ``a @ b``,
# einsum): an input is version-checked only where another needs a gradient, as PyTorch saves it
# then (the Op's ``saved_for`` says it per input for other ops)
SAVED_FOR_THE_OTHER = 8
# Ops whose rule reads the output where PyTorch's reads other saved values (max pooling reads
# its output where PyTorch keeps the indices): writing the output in place is allowed, and the
# node keeps a copy of it, taken just before the first in-place write (``output_written``).
OUTPUT_COPY_ON_WRITE: set = set()
# Shared ``versions`` tuples for the usual nodes (every input at version 0 when recorded; None
# for a Python-scalar input): no allocation when recording, an identity test in the engine.
VERSIONS_0 = (0,)
# ``needs`` of a node recorded for ``tensor op python_number`` (an elementwise op): the output,
# and so the first input's gradient, has the first input's shape; the engine skips its
# broadcast check.
NEEDS_SCALAR_SECOND = (True, False)
NEEDS_ONE = (True,)  # the ``needs`` of a one-input node (the engine's shortcut checks identity)

# Filled in by tensor.py: wrap(array) -> leaf Tensor; wrap_node(array, node) -> Tensor with
# grad_fn=node; tensor_ns: the Tensor namespace used under create_graph; is_tensor(x).
_hooks = {}
# FORWARD[0]: while a forward AD level is open, ``forward_ad._on_op(op, inputs, out, aux)``,
# called by the recording functions after each op (None otherwise: one test per op);
# FORWARD[1], FORWARD[2]: its wrappers of in-place ops (``forward_ad._inplace``, ``_setitem``);
# FORWARD[3]: ``forward_ad._saved_output`` (the engine's create_graph wrapper of a saved output)
FORWARD = [None, None, None, None]
# anomaly_state[0]: a recording site calls ``record_trace`` for every node (detect_anomaly or
# saved_tensors_hooks on: one flag for the per-op path); [1]: check_nan; [2]: detect_anomaly on.
anomaly_state = [False, True, False]
# saved_tensors_hooks in force, innermost last: (pack_hook, unpack_hook)
_SAVED_HOOKS: list = []
# disable_saved_tensors_hooks in force: its error message, innermost last
_SAVED_HOOKS_DISABLED: list = []


def sync_record_flag() -> None:
    anomaly_state[0] = anomaly_state[2] or bool(_SAVED_HOOKS)


def configure(**kwargs) -> None:
    _hooks.update(kwargs)


# PyTorch nodes whose backward is one differentiable function of the saved values
# (``derivatives.yaml``: ``relu: threshold_backward(grad, result, 0)``, ``max_pool2d_with_indices:
# max_pool2d_with_indices_backward(grad, self, ...)``, ``convolution: convolution_backward(...)``):
# under create_graph their gradients are in the graph whenever an input requires grad, even a
# mask's or a bias's that does not depend on it (zeros as its derivative). gradkit's rules (or
# composites shown under these names) compute such a gradient from the incoming one alone; the
# engine connects it (``connect``). Checked against torch by
# tests/autograd/test_double_backward_*.py.
CONNECTED_NODES = frozenset((
    "ReluBackward0", "ThresholdBackward0", "ThresholdBackward1", "HardtanhBackward0",
    "HardtanhBackward1", "LeakyReluBackward0", "LeakyReluBackward1", "HardshrinkBackward0",
    "SoftshrinkBackward0", "HardsigmoidBackward0", "RreluWithNoiseBackward0",
    "RreluWithNoiseBackward1",
    "MaxPool2DWithIndicesBackward0", "MaxPool3DWithIndicesBackward0", "AvgPool2DBackward0",
    "AvgPool3DBackward0", "AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool3DBackward0",
    "AdaptiveMaxPool2DBackward0", "AdaptiveMaxPool3DBackward0",
    "ConvolutionBackward0", "NativeBatchNormBackward0", "NativeLayerNormBackward0",
    "NllLossBackward0", "NllLoss2DBackward0", "MultiMarginLossBackward0",
    "MultilabelMarginLossBackward0",
    "ReflectionPad1DBackward0", "ReflectionPad2DBackward0", "ReflectionPad3DBackward0",
    "ReplicationPad1DBackward0", "ReplicationPad2DBackward0", "ReplicationPad3DBackward0",
))

# PyTorch's in-place overloads that have their own node (``F.elu(x, inplace=True)`` is
# ``EluBackward1``): the name the written tensor's node takes, from the op's own node name
INPLACE_NODES = {
    "LeakyReluBackward0": "LeakyReluBackward1", "EluBackward0": "EluBackward1",
    "CeluBackward0": "CeluBackward1", "RreluWithNoiseBackward0": "RreluWithNoiseBackward1",
    "AsinhBackward0": "AsinhBackward1", "AcoshBackward0": "AcoshBackward1",
    "AtanhBackward0": "AtanhBackward1",
}
# of those, the ones whose backward reads the result, that is the tensor written in place: a
# later in-place change of it makes backward raise (gradkit's rule reads a copy of the input)
INPLACE_READS_RESULT = frozenset(("LeakyReluBackward1", "EluBackward1", "CeluBackward1",
                                  "RreluWithNoiseBackward1"))

# PyTorch nodes written by hand in C++ rather than generated: ``name()`` is their qualified name
_MANUAL_NODES = frozenset(("CopySlices", "CopyBackwards"))


class Op:
    """A primitive: ``forward(xp, *arrays, *params)`` and ``backward(xp, g, ins, out, aux, needs)``.

    Args:
        name: shown in errors; ``grad_fn``'s class is ``grad_name`` (default ``name +
            "Backward0"``, PyTorch's name for the first overload: ``<MulBackward0>``).
        forward: computes the output array; returns ``(out, aux)`` when ``returns_aux``.
        backward: the rule described in the module docstring.
        saves: ``SAVES_INPUTS | SAVES_OUTPUT`` bits: which values backward reads. Drives the
            in-place checks and what is kept alive. ``SCALAR_KEEPS_NUMBER_ONLY`` (with
            ``SAVES_INPUTS``): when the second operand is a Python number the rule reads only
            that number (``x * 2``, ``x / 2``), so the tensor is neither kept nor version-checked
            (as PyTorch, which saves only the scalar there).
        broadcasts: the engine sums each gradient back to its input's shape.
        undefined_grads: a None the rule returns for an input is no gradient at all (PyTorch's
            undefined gradient, as a custom Function's backward returns it): nothing reaches
            that input, whose ``.grad`` stays None when no other path leads to it; and the rule
            runs on a node that received no gradient (otherwise None stands for zeros, and a
            node that received no gradient passes none on without running its rule).
        own_layout: the forward returns PyTorch's memory layout itself (matmul: row-major
            whatever its operands'), so the elementwise layout rule of a broadcasting op is
            not applied to it (square operands look elementwise by shape).
        returns_aux: forward returns ``(out, aux)``; otherwise aux is the params tuple.
        release: optional ``release(node)`` called when backward frees the node's saved state
            (custom Functions drop their ``ctx`` saved tensors here).
        none_grads: a multi-output op whose rule takes None for an output that received no
            gradient (otherwise the engine hands it zeros; with ``create_graph`` it always does).
        grad_name: the ``grad_fn`` class name, as PyTorch's ``derivatives.yaml`` names it
            (``SumBackward0``; custom Functions: ``MyFnBackward``).
        namer: optional ``namer(node) -> node class or None`` (see ``node_class``) for an op
            whose PyTorch overload, and so name, depends on its inputs (linear's rank); called
            once when the node is recorded.
        aux_namer: the same for a name that depends on ``aux`` only (``SumBackward0`` full,
            ``SumBackward1`` with dim; which basic index): called when the node is first
            named, not on the per-op path.
        shown: optional ``shown(node) -> entries`` (Node, leaf Tensor or None per entry) for
            ``next_functions`` where PyTorch's inputs differ from the rule's
            (``AddmmBackward0`` reaches the weight through ``TBackward0``). It may read the
            node's ``next``, ``aux`` and its class's ``tag``, not its inputs (released after
            backward).
        scalar_entry: a Python-number operand is an entry None in ``next_functions`` (PyTorch
            wraps the number of ``x + 2`` in a tensor); otherwise it is no entry (``x ** 2``).
        scalar_first, scalar_second: ``(grad name, tag)`` of the node when that operand of a
            two-operand op is a Python number (``2 - x`` is ``RsubBackward1``); by default the
            op's name, tagged so that ``next_functions`` shows the number as above.
        passes_first: the rule's gradient for the first input is ``g`` itself, with the
            shape of the output when the second operand is a Python number (``x + 2``,
            ``x - 2``): the engine skips the rule there.
        scales_first: likewise, the rule's gradient for the first input is ``g`` times the
            number (saved as the node's second saved value: ``x * 2``): the engine computes it
            without the rule's call.
        saved_for: per input, the inputs whose gradients read it (``a / b``: ``((1,), (0,
            1))``) or ``"others"``: it is version-checked only when one of those needs a
            gradient, as PyTorch saves it (torchode: ``k[i] = ...`` after ``einsum(a, k[:i])``).
        connected: PyTorch's backward of the op is one differentiable function of the saved
            values (``threshold_backward(grad, self)``, ``convolution_backward``): under
            ``create_graph`` every gradient it returns is in the graph when an input requires
            grad, even one that does not depend on it (``relu``'s mask, a bias's sum), with
            zeros as its derivative there. The engine connects such a gradient (``connect``).
    """

    __slots__ = ("aux_namer", "backward", "broadcasts", "complex", "default_cls", "forward", "name",
                 "namer", "node_cls", "none_grads", "passes_first", "release", "returns_aux",
                 "saves", "scales_first", "connected", "scalar_first_cls", "scalar_second_cls",
                 "shown", "own_layout", "undefined_grads", "saved_for")

    def __init__(self, name, forward, backward, *, saves=SAVES_INPUTS, broadcasts=False,
                 returns_aux=False, release=None, none_grads=False, grad_name=None, namer=None,
                 shown=None, scalar_entry=False, scalar_first=None, scalar_second=None,
                 aux_namer=None, passes_first=False, scales_first=False, connected=False,
                 own_layout=False, undefined_grads=False, saved_for=None):
        self.name = name
        if saved_for is None and saves & SAVED_FOR_THE_OTHER:
            saved_for = "others"
        self.saved_for = saved_for
        self.undefined_grads = undefined_grads
        self.own_layout = own_layout
        self.connected = connected
        grad_name = grad_name or name + "Backward0"
        self.default_cls = node_class(grad_name)
        # None: the node is named on first use (``aux_namer``)
        self.node_cls = None if aux_namer is not None else self.default_cls
        self.aux_namer = aux_namer
        self.scalar_first_cls = node_class(*(scalar_first or (
            grad_name, "swap" if scalar_entry else "drop1")))
        self.scalar_second_cls = node_class(*(scalar_second or (
            grad_name, None if scalar_entry else "drop2")))
        self.namer = namer
        self.shown = shown
        self.none_grads = none_grads
        self.forward = forward
        self.backward = backward
        self.saves = saves
        self.broadcasts = broadcasts
        self.returns_aux = returns_aux
        self.release = release
        self.passes_first = passes_first
        self.scales_first = scales_first
        # complex data: None refuses it; otherwise the Op that runs on it (gradkit/_complex.py)
        self.complex = None

    def __repr__(self):
        return f"Op({self.name})"


def _saved(node, name):
    from .engine import saved_attribute

    return saved_attribute(node, name)


# every node's creation number (``seq``): the engine runs, of the nodes whose gradient is complete,
# the one created last first, as PyTorch's engine does (its sequence_nr), so that the backward
# hooks of a module called several times fire in the reverse order of its calls
next_seq = itertools.count().__next__


class Node:
    """One recorded op application (what ``Tensor.grad_fn`` holds).

    ``next`` holds, per input, the Node that produced it, the leaf Tensor that accumulates its
    gradient, or None. ``saved`` holds the input arrays the rule reads; ``inputs`` the input
    Tensors (for create_graph and version checks); ``versions`` their versions at forward time.

    ``named`` is the class PyTorch's node has (``MulBackward0``, a subclass of this one made by
    ``node_class``). A node is recorded as a plain ``Node`` (the engine's attribute reads stay
    monomorphic, the fast case of CPython's inline caches) and takes its named class when it is
    first seen from outside (``Tensor.grad_fn``, ``next_functions``: ``observe``).
    """

    __slots__ = (
        "__weakref__",
        "aux",
        "inputs",
        "meta",
        "named",
        "presented",
        "needs",
        "next",
        "op",
        "out",
        "out_vc",
        "pre_hooks",
        "released",
        "saved",
        "seq",
        "versions",
    )

    # no ``__init__``: ``Node()`` (what the hot path calls, then sets every slot) is then a
    # plain allocation, cheaper than ``object.__new__(Node)`` (~300 instructions a node);
    # ``make_node`` builds a complete one

    # grad_fn._saved_self / _saved_other / _saved_result as PyTorch shows them; properties, not a
    # __getattr__, which would turn every failed attribute lookup on a node (the engine's hot
    # path makes some) into a Python call: 0.35 us per op in bench_core's chain
    @property
    def _saved_self(self):
        return _saved(self, "_saved_self")

    @property
    def _saved_other(self):
        return _saved(self, "_saved_other")

    @property
    def _saved_result(self):
        return _saved(self, "_saved_result")

    def __dir__(self):
        """The attributes, less the ``_saved_*`` this node lacks: PyTorch lists only what a node
        saved, and graph printers (torchviz's ``show_saved``) read every ``_saved_`` name."""
        from .engine import has_saved

        names = []
        for name in object.__dir__(self):
            if name in ("_saved_self", "_saved_other", "_saved_result"):
                if not has_saved(self, name):  # (without unpacking: no hook runs)
                    continue
            elif name.startswith("_saved_"):
                try:
                    getattr(self, name)
                except AttributeError:
                    continue
            names.append(name)
        return names

    def name(self) -> str:
        name = (self.named or _name_from_aux(self)).__name__
        # PyTorch's hand-written nodes report their C++ name
        return "torch::autograd::" + name if name in _MANUAL_NODES else name

    @property
    def next_functions(self):
        """PyTorch-style ``((node, 0), (AccumulateGrad, 0), (None, 0), ...)``: per
        differentiable input, the node that made it, the leaf's ``AccumulateGrad`` or None."""
        op = self.op
        if op is SELECT:  # an output of a multi-output node reads as that node
            return self.next[0].next_functions
        ents = getattr(self, "presented", None)  # (set by ``present`` only)
        if ents is None:
            if op.shown is not None:
                ents = op.shown(self)
            else:
                ents = self.next
                tag = (self.named or _name_from_aux(self)).tag
                if tag is not None:  # a Python-number operand (see Op's scalar_first)
                    if tag == "drop1":
                        ents = ents[1:]
                    elif tag == "drop2":
                        ents = ents[:1]
                    elif tag == "swap":
                        ents = (ents[1], ents[0])
                    elif tag == "reciprocal":  # 2 / x: PyTorch's reciprocal(x) * 2
                        ents = (Shown("ReciprocalBackward0", ents[1:]), None)
        return tuple((_vertex(n), 0) for n in ents)

    @property
    def metadata(self) -> dict:
        if self.meta is None:
            self.meta = {}
        return self.meta.setdefault("metadata", {})

    def add_tensor_hook(self, fn):
        """``fn(grad)`` of ``Tensor.register_hook`` on this node's output (run before the
        node's rule; a returned tensor replaces the gradient)."""
        if self.pre_hooks is None:
            self.pre_hooks = []
        self.pre_hooks.append(fn)

    def register_prehook(self, fn):
        """Call ``fn(grad_outputs)`` (a tuple of Tensors) before this node runs; a returned
        tuple replaces ``grad_outputs``. Returns a handle with ``remove()`` (as
        ``torch.autograd.graph.Node.register_prehook``)."""
        hook = _NodeHook(fn, None)
        self.add_tensor_hook(hook)
        return _NodeHookHandle(self.pre_hooks, hook)

    def register_hook(self, fn):
        """Call ``fn(grad_inputs, grad_outputs)`` (tuples of Tensors, None where an input has no
        gradient) after this node has computed the gradients of its inputs; a returned tuple
        replaces ``grad_inputs``. Returns a handle with ``remove()`` (as
        ``torch.autograd.graph.Node.register_hook``)."""
        if self.meta is None:
            self.meta = {}
        hooks = self.meta.setdefault("hooks", [])
        hook = _NodeHook(fn, None)
        hooks.append(hook)
        return _NodeHookHandle(hooks, hook)

    def __repr__(self):
        return f"<{(self.named or _name_from_aux(self)).__name__} object at {id(self):#x}>"


class _NodeHook:
    """A hook of ``Node.register_prehook``/``register_hook`` (the engine tells them from tensor
    hooks by this type)."""

    __slots__ = ("fn", "_retain")

    def __init__(self, fn, _):
        self.fn = fn
        self._retain = False

    def check(self, res, expected):
        """``res``, a hook's replacement of ``expected`` values, as a tuple; PyTorch's error
        when its length differs."""
        res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        if len(res) != expected:
            name = getattr(self.fn, "__name__", type(self.fn).__name__)
            raise RuntimeError(f"hook '{name}' has returned an incorrect number of values (got "
                               f"{len(res)}, but expected {expected})")
        return res


class _NodeHookHandle:
    """What ``register_hook`` returns (on a node or a tensor): ``remove()``, or a ``with``."""

    __slots__ = ("_hook", "_hooks")

    def __init__(self, hooks, hook):
        self._hooks = hooks
        self._hook = hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf: its gradient is accumulated into ``variable``.
    """

    __slots__ = ("__weakref__", "variable")

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    next_functions = ()

    def __eq__(self, other):
        return type(other) is AccumulateGrad and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


_SHOWN_CLASSES: dict = {}


class Shown:
    """A node that PyTorch records and gradkit folds into its neighbour's rule (the weight's
    ``TBackward0`` under ``AddmmBackward0``): shown in ``next_functions``, never run."""

    __slots__ = ("_name", "_next")

    def __new__(cls, name, next_):
        # an instance of a subclass named ``name`` (``type(fn).__name__`` reads as PyTorch's)
        sub = _SHOWN_CLASSES.get(name)
        if sub is None:
            sub = _SHOWN_CLASSES[name] = type(name, (Shown,), {"__slots__": (),
                                                                "__module__": "builtins"})
        return object.__new__(sub)

    def __init__(self, name, next_):
        self._name = name
        self._next = next_

    def name(self) -> str:
        return self._name

    @property
    def next_functions(self):
        return tuple((_vertex(n), 0) for n in self._next)

    def __repr__(self):
        return f"<{self._name} object at {id(self):#x}>"


def observe(node):
    """``node`` as the outside sees it: from now on an instance of its named class. An output
    of a node with several outputs shows that node, as PyTorch's outputs share one (``a.grad_fn
    is b.grad_fn`` for the two halves of a ``chunk``; hooks then see every output's gradient)."""
    if type(node) is Node and node.op is SELECT:
        parent = node.next[0]
        # (not an output given a node of its own name: checkpoint's, use_reentrant=False)
        if node.named.__name__ == (parent.named or _name_from_aux(parent)).__name__:
            node = parent
    if type(node) is Node or type(node) is MultiNode:
        node.__class__ = node.named or _name_from_aux(node)
    return node


def _name_from_aux(node):
    op = node.op
    node.named = cls = op.aux_namer(node) or op.default_cls
    return cls


def _vertex(n):
    if n is None or isinstance(n, (AccumulateGrad, Shown)):
        return n
    if isinstance(n, Node):
        return observe(n)
    acc = _ACCUMULATORS.get(id(n))  # a leaf Tensor: one AccumulateGrad while it is in use
    if acc is None or acc.variable is not n:
        acc = AccumulateGrad(n)
        _ACCUMULATORS[id(n)] = acc
    return acc


_ACCUMULATORS = weakref.WeakValueDictionary()


# Every Node class, for the engine's "is this vertex a node" test (a set lookup by type):
# PLAIN_TYPES one output, MULTI_TYPES several.
PLAIN_TYPES = {Node}
MULTI_TYPES = set()
NODE_TYPES = {Node}
_CLASSES = {}


# PyTorch node name -> {attribute: property}: the non-tensor arguments a node shows as PyTorch's
# does (``grad_fn._saved_dim``, ``_saved_split_sizes``: DepGraph pruning reads them), registered
# by the op that knows its ``aux`` layout (gradkit/ops/) before any node of that name is shown
SAVED_ARGUMENTS: dict = {}


def node_class(name, tag=None, multi=False, ctx=False):
    """The Node subclass named ``name`` (``type(t.grad_fn).__name__`` as PyTorch's), made once
    per ``(name, tag, multi, ctx)``. ``tag`` (a class attribute) tells ``next_functions`` how
    PyTorch's entries differ from the node's inputs (see ``Node.next_functions``, ``Op``).
    ``ctx``: the node of a custom Function, which reads as its context (``grad_fn.saved_tensors``,
    ``grad_fn.needs_input_grad``, what forward set on ``ctx``), PyTorch's node being the ctx."""
    key = (name, tag, multi, ctx)
    cls = _CLASSES.get(key)
    if cls is None:
        base = MultiNode if multi else Node
        body = {"__slots__": (), "__module__": "builtins", "tag": tag,
                "connected": name in CONNECTED_NODES, "reads_ctx": ctx}
        if ctx:
            body["__getattr__"] = _ctx_attribute
        body.update(SAVED_ARGUMENTS.get(name, ()))
        cls = type(name, (base,), body)
        _CLASSES[key] = cls
        (MULTI_TYPES if multi else PLAIN_TYPES).add(cls)
        NODE_TYPES.add(cls)
    return cls


def _ctx_attribute(node, name):
    """(``__getattr__`` of a custom Function's node class: only what the node itself lacks.)"""
    aux = node.aux
    if not name.startswith("__") and type(aux) is tuple and len(aux) > 1:
        try:
            return getattr(aux[1], name)
        except AttributeError:
            pass
    raise AttributeError(f"'{type(node).__name__}' object has no attribute '{name}'")


def _connect_backward(xp, g, ins, out, aux, needs):
    return (None,) * len(needs)  # the engine hands each input zeros of its shape


_CONNECT_OPS = {}


def connected(node) -> bool:
    """Whether ``node``'s gradients stay in the graph under create_graph (``Op``'s
    ``connected``, or a composite shown as such a PyTorch node: ``present(connected=True)``)."""
    return node.op.connected or (node.named or _name_from_aux(node)).connected


def connect(node, grads):
    """``grads`` (Tensors, rule results under create_graph) where each one that is not in the
    graph becomes the output of a node over ``node``'s inputs that require grad, which hands
    them zeros: its ``requires_grad`` and second derivative are PyTorch's (see ``Op``'s
    ``connected``). PyTorch names that node ``<node's name without its digit>Backward0``."""
    deps = tuple(t for t in node.inputs if getattr(t, "requires_grad", False))
    if not deps or all(gi is None or getattr(gi, "requires_grad", True) for gi in grads):
        return grads
    name = node.name().rstrip("0123456789") + "Backward0"
    op = _CONNECT_OPS.get(name)
    if op is None:
        op = _CONNECT_OPS[name] = Op(name[:-len("Backward0")], None, _connect_backward, saves=0)
    nxt = tuple(edge_of(t) for t in deps)
    needs = (True,) * len(deps)
    wrap_node = _hooks["wrap_node"]
    out = []
    for gi in grads:
        # (a gradient batched by vmap, which has no array of its own, is left as it is: the
        # zeros this node hands on change no value)
        if gi is not None and not getattr(gi, "requires_grad", True) and hasattr(gi, "_data"):
            gi = wrap_node(gi._data, make_node(op, deps, nxt, None, None, (), None, needs))
        out.append(gi)
    return tuple(out)


def _set_named(node, cls):
    node.named = cls
    if type(node) is not Node and type(node) is not MultiNode:  # already seen: its class now
        node.__class__ = cls


def rename(t, name, source=None):
    """Give the node just recorded for Tensor ``t`` PyTorch's name ``name`` (for faces that
    share one primitive among several PyTorch ops: ``view``/``squeeze``/``unsqueeze`` are all a
    reshape). ``source``: the face's input; nothing is renamed when ``t`` is it. Returns ``t``."""
    node = t._grad_fn
    if node is not None and t is not source and node.op is not SELECT:
        _set_named(node, node_class(name, None, isinstance(node, MultiNode)))
    return t


def rename_multi(t, name):
    """Give the multi-output node behind output ``t`` (a fused layer) PyTorch's name ``name``:
    every output's ``grad_fn`` reads as it. Returns ``t``."""
    sel = t._grad_fn
    if sel is not None and sel.op is SELECT:
        _set_named(sel.next[0], node_class(name, None, True))
        _set_named(sel, node_class(name, None, False))
    return t


def is_scalar_input(x) -> bool:
    """A Python-number input of a node (a constant: PyTorch shows it as no entry, or None)."""
    return not hasattr(x, "_data")


def full_or_dim(base):
    """A namer for a reduction whose ``aux[0]`` is its axis: ``<base>Backward0`` over every
    element (None), ``<base>Backward1`` with a dim (PyTorch's ``sum``/``sum.dim_IntList``)."""
    with_dim = node_class(base + "Backward1")
    return lambda node: None if node.aux[0] is None else with_dim


def output_written(t, name) -> None:
    """``t`` is about to be overwritten in place by ``name``: a node that saved it as its output
    either keeps a copy (``OUTPUT_COPY_ON_WRITE``) or is marked so that its backward raises."""
    prev = t._grad_fn
    if prev is not None and prev.op.name == "CopyFrom" and not prev.released:
        # ``t`` holds the result of an op written into it in place (``F.relu(x, inplace=True)``,
        # a generated ``x.op_()``): PyTorch's in-place op saved ``t`` itself as its result
        if (prev.named or _name_from_aux(prev)).__name__ in INPLACE_READS_RESULT:
            if prev.meta is None:
                prev.meta = {}
            prev.meta["output_modified"] = name
            return
        src = prev.next[1]
        if type(src) is Node or type(src) in NODE_TYPES:
            prev = src
    if prev is None or not prev.op.saves & SAVES_OUTPUT:
        return
    if prev.op in OUTPUT_COPY_ON_WRITE and prev.out is t._data and not (
            prev.meta and prev.meta.get("output_modified")):
        prev.out = prev.out.copy()
        prev.out_vc = None
        return
    if prev.meta is None:
        prev.meta = {}
    prev.meta["output_modified"] = name


def present(t, name, inputs, source=None, connected=False):
    """Show the node of ``t`` as PyTorch's one node ``name`` over ``inputs`` (Tensors, None
    for an input PyTorch shows as None, or ``Shown`` nodes) where gradkit composes it of
    several (``leaky_relu`` is a ``where``): its class and ``next_functions`` change, the
    recorded graph does not. Nothing changes when ``t`` is ``source`` (a face that returned its
    input). ``connected``: PyTorch's node ``name`` is one differentiable backward function
    (``leaky_relu_backward(grad, self)``): see ``Op``'s ``connected``. Returns ``t``."""
    node = t._grad_fn
    if node is None or t is source or node.op is SELECT:
        return t
    cls = _CLASSES.get((name, None, False))
    if cls is None or type(node) is not Node:
        cls = node_class(name, None, isinstance(node, MultiNode))
    if connected:
        cls.connected = True
    _set_named(node, cls)
    ents = []
    for x in inputs:
        if x is None or isinstance(x, Shown):
            ents.append(x)
        elif getattr(x, "requires_grad", False):
            ents.append(x._grad_fn if x._grad_fn is not None else x)
        else:
            ents.append(None)
    node.presented = ents
    return t


class GradientEdge(NamedTuple):
    """``torch.autograd.graph.GradientEdge``: where a gradient enters the graph, the node that
    takes it (a Node, or a leaf's ``AccumulateGrad``) and which of its outputs. Given to
    ``autograd.grad`` as an input, the gradient flowing into the edge is returned."""

    node: Any
    output_nr: int
    ownership_token: Any = None


def get_gradient_edge(tensor):
    """The ``GradientEdge`` of ``tensor``: its ``grad_fn`` (its ``AccumulateGrad`` for a leaf)."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does "
                           "not require gradients")
    node = tensor._grad_fn
    return GradientEdge(_vertex(tensor) if node is None else observe(node), 0)


def edge_key(edge, where):
    """The engine's capture key for a ``GradientEdge`` input of ``autograd.grad`` (the node, or
    the leaf of an ``AccumulateGrad``), with the leaf (None for a node)."""
    node = edge.node
    if isinstance(node, AccumulateGrad):
        return node.variable, node.variable
    if isinstance(node, Node):
        return node, None
    raise RuntimeError(f"autograd.grad: {where} is a GradientEdge to {node!r}, which is no node "
                       f"that takes a gradient; use get_gradient_edge(tensor) to make one")


def edge_of(x):
    """What a node's ``next`` holds for input ``x``: its node, the leaf itself, or None."""
    if x is None or not getattr(x, "requires_grad", False):
        return None
    return x._grad_fn if x._grad_fn is not None else x


_new = object.__new__


def make_node(op, inputs, next_, saved, out, aux, versions, needs):
    """``Node(...)`` for the per-op hot path: a plain call with ``needs`` given is ~25 ns cheaper
    than ``_init_node``'s call. Sets every slot."""
    n = Node()
    n.seq = next_seq()
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
    n.named = op.node_cls
    if op.namer is not None:
        cls = op.namer(n)
        if cls is not None:
            n.named = cls
    return n


def _init_node(self, op, inputs, next_, saved, out, aux, versions, needs=None):
    """Set every slot of a new Node (the former ``Node.__init__``)."""
    self.seq = next_seq()
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
    self.named = op.node_cls


class MultiNode(Node):
    """A node with several outputs (custom Functions, fused layers). Each output Tensor's
    grad_fn is a select Node (op ``SELECT``) whose ``aux`` is the output index; the engine
    gathers their gradients into one list for this node's rule."""

    __slots__ = ("n_out", "out_meta")

    def __init__(self, op, inputs, next_, saved, out, aux, versions, needs=None):
        _init_node(self, op, inputs, next_, saved, out, aux, versions, needs)
        self.named = node_class(op.default_cls.__name__, None, True,
                                op.default_cls.reads_ctx)


MULTI_TYPES.add(MultiNode)
NODE_TYPES.add(MultiNode)


def _select_backward(xp, g, ins, out, aux, needs):
    return (g,)


SELECT = Op("Select", None, _select_backward, saves=0)


def record_trace(node) -> None:
    """What a recording site does for each node while ``anomaly_state[0]`` is on: keep where in
    user code ``node`` was created (detect_anomaly), pack its saved values
    (saved_tensors_hooks)."""
    if _SAVED_HOOKS:
        pack_saved(node)
    if anomaly_state[2]:
        _keep_trace(node)


def pack_saved(node) -> None:
    """Hand every value ``node`` saved for backward to the innermost ``pack_hook`` (as a
    Tensor); the engine hands the results to its ``unpack_hook`` when it runs the node."""
    hooks = _SAVED_HOOKS.pop()  # the hook's own ops are not packed, and run without grad
    prev = grad_mode.STATE[0]
    grad_mode.STATE[0] = False
    try:
        _pack_saved(node, *hooks)
    finally:
        grad_mode.STATE[0] = prev
        _SAVED_HOOKS.append(hooks)


def _pack_saved(node, pack, unpack):
    packed_in = []
    saved = node.saved
    if saved is not None:
        for i, a in enumerate(saved):
            t = node.inputs[i] if i < len(node.inputs) else None
            if a is None or not hasattr(t, "_data"):
                continue  # a Python number, or a value the rule does not read
            packed_in.append((i, _pack_one(pack, t)))
    packed_out = None
    if node.out is not None and node.op.saves & SAVES_OUTPUT:
        packed_out = _pack_one(pack, _hooks["wrap_node"](node.out, node))
    if not packed_in and packed_out is None:
        return
    if node.meta is None:
        node.meta = {}
    node.meta["packed"] = (unpack, packed_in, packed_out)


def pack_tensors(tensors):
    """A custom Function's ``save_for_backward(*tensors)`` through the innermost
    ``saved_tensors_hooks``: ``(unpack_hook, packed values)`` (None for a None)."""
    hooks = _SAVED_HOOKS.pop()
    prev = grad_mode.STATE[0]
    grad_mode.STATE[0] = False
    try:
        return hooks[1], [None if t is None else _pack_one(hooks[0], t) for t in tensors]
    finally:
        grad_mode.STATE[0] = prev
        _SAVED_HOOKS.append(hooks)


def unpack_tensors(packed):
    unpack, values = packed
    out = []
    for p in values:
        t = None if p is None else unpack(p)
        if p is not None and not hasattr(t, "_data"):
            raise TypeError(f"Output of saved tensor unpack_hook expected to be a Tensor but got "
                            f"result of type {type(t).__name__}")
        out.append(t)
    return tuple(out)


def _pack_one(pack, t):
    version = t._vc[0]
    packed = pack(t)
    if t._vc[0] != version:
        raise RuntimeError(
            "A saved tensor pack hook is modifying its input in place. Tensors provided as input "
            "to pack hook cannot be modified by in-place operations as this can lead to "
            "unexpected side-effects. Please open an issue if you need to perform in-place "
            "operations on the input to a pack hook.")
    return packed


def _keep_trace(node) -> None:
    # the user's frames: not gradkit's own (the op method, apply1, Function.apply, ...; the
    # `gradkit run` launcher below the program) nor the interpreter's frozen launchers
    frames = [f for f in traceback.extract_stack()[:-1]
              if not f.filename.startswith(_PACKAGE_DIR) and not f.filename.startswith("<frozen")]
    if node.meta is None:
        node.meta = {}
    node.meta["trace"] = traceback.format_list(frames[-8:])


class saved_tensors_hooks:
    """Context manager: every tensor saved for backward while it is in force is handed to
    ``pack_hook(tensor) -> packed`` when the op is recorded, and the engine uses
    ``unpack_hook(packed) -> tensor`` in its place when it runs the op's backward (as
    ``torch.autograd.graph.saved_tensors_hooks``). Innermost wins; nodes keep the hooks that
    were in force when they were recorded.

    Examples:
        >>> with gradkit.autograd.graph.saved_tensors_hooks(lambda t: t * 1, lambda t: t):
        ...     y = x.exp()
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _SAVED_HOOKS_DISABLED:
            raise RuntimeError(_SAVED_HOOKS_DISABLED[-1])
        _SAVED_HOOKS.append((self.pack_hook, self.unpack_hook))
        sync_record_flag()
        return self

    def __exit__(self, *exc):
        _SAVED_HOOKS.pop()
        sync_record_flag()
        return False


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU and moved back to their device for backward (as
    ``torch.autograd.graph.save_on_cpu``); ``pin_memory`` is accepted (no pinned memory here).
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        def pack(t):
            return t.device, t.cpu()

        def unpack(packed):
            device, t = packed
            return t.to(device)

        super().__init__(pack, unpack)


class disable_saved_tensors_hooks:
    """Context manager: entering ``saved_tensors_hooks`` (or ``save_on_cpu``) while it is in
    force, or entering it while such hooks are in force, raises ``RuntimeError(error_message)``
    (as ``torch.autograd.graph.disable_saved_tensors_hooks``)."""

    def __init__(self, error_message: str):
        self.error_message = error_message

    def __enter__(self):
        if _SAVED_HOOKS:
            raise RuntimeError(self.error_message)
        _SAVED_HOOKS_DISABLED.append(self.error_message)
        return self

    def __exit__(self, *exc):
        _SAVED_HOOKS_DISABLED.pop()
        return False


class PostAccumulateHook:
    """Wraps ``fn(tensor)`` to run after a leaf's ``.grad`` has been updated
    (``Tensor.register_post_accumulate_grad_hook``)."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn
