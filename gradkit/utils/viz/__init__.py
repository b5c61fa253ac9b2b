"""``gradkit.utils.viz``: pictures of the graph that ``backward()`` walks.

Examples:
    >>> from gradkit.utils.viz import draw_graph, draw_model
    >>> loss = model(x).sum()
    >>> draw_graph(loss, params=dict(model.named_parameters()))   # shows inline in Jupyter
    >>> draw_model(resnet18(), gradkit.randn(1, 3, 64, 64)).save("resnet18.svg")

Pictures are drawn with Graphviz (the ``graphviz`` Python package and the ``dot`` program,
``pip install gradkit[viz]``) when it is installed, otherwise with gradkit's own layered layout
(SVG without any dependency; PNG through matplotlib).
"""

from __future__ import annotations

from ._picture import GraphPicture, dot_available
from ._walk import ModuleTrace, build_graph, collapse_graph

__all__ = ["GraphPicture", "ModuleTrace", "dot_available", "draw_graph", "draw_model"]


def draw_graph(output, params=None, *, modules: ModuleTrace | None = None,
               collapse: str | None = None, depth: int | None = None,
               show_saved: bool = True, show_constants: bool = False, title: str = "",
               engine: str = "auto") -> GraphPicture:
    """Draw the backward graph from ``output`` down to its leaves.

    Each backward node is a grey box named by its ``grad_fn`` name (``name()``), with the
    shapes and dtypes of the values it saved for backward; each edge carries the shape and dtype
    of the value that flows along it (forward direction: leaves at the top, the output at the
    bottom). Leaves that require grad are highlighted: parameters named in ``params`` in blue,
    other Tensors with ``requires_grad=True`` in green; with ``show_constants=True`` the inputs
    that do not require grad are drawn too (dashed).

    Args:
        output: a Tensor with a ``grad_fn`` (e.g. a loss), or a list of them.
        params: ``{name: tensor}`` (``dict(model.named_parameters())``) to label leaves.
        modules: a :class:`ModuleTrace` recorded around the forward pass (``draw_model``
            does this for you); needed for ``collapse="module"``.
        collapse: ``None`` (every op) or ``"module"``: each module call becomes one box.
        depth: with ``collapse="module"``: ``None`` boxes the leaf modules (Linear, Conv2d,
            ...); ``d`` boxes whole module calls nested ``d`` calls inside the model's (1: the
            modules its forward calls; a ModuleList is never called itself, so its items are
            1 too).
        show_saved: list the saved tensors' shapes and dtypes in each node.
        show_constants: also draw the inputs that do not require grad.
        title: a caption above the picture.
        engine: ``"auto"`` (Graphviz when installed, else built in), ``"dot"`` or ``"builtin"``.

    Returns:
        A :class:`GraphPicture` (``_repr_svg_``, ``.source``, ``save(path)``).

    Draw before ``backward()``: it frees what the nodes saved (unless ``retain_graph=True``),
    and the picture then shows the nodes without their saved tensors and edge shapes. Works on
    PyTorch tensors too (the same walk over ``grad_fn.next_functions``; PyTorch's
    ``_saved_*`` attributes are listed by name).
    """
    if collapse not in (None, "module"):
        raise ValueError(f"draw_graph: collapse must be None or 'module', got {collapse!r}")
    if depth is not None and (int(depth) != depth or depth < 1):
        raise ValueError(f"draw_graph: depth must be a positive integer or None, got {depth!r}")
    if collapse == "module" and modules is None:
        raise ValueError("draw_graph: collapse='module' needs to know which module made each "
                         "node: use draw_model(model, example_input, collapse='module'), or run "
                         "the forward pass inside `with ModuleTrace(model) as trace:` and pass "
                         "modules=trace")
    outputs = output if isinstance(output, (list, tuple)) else [output]
    if not any(getattr(o, "grad_fn", None) is not None or getattr(o, "requires_grad", False)
               for o in outputs):
        raise ValueError("draw_graph: the output has no grad_fn and does not require grad, so "
                         "there is no backward graph to draw; compute it from tensors with "
                         "requires_grad=True outside gradkit.no_grad()")
    graph = build_graph(outputs, params, show_saved=show_saved, show_constants=show_constants,
                        trace=modules)
    if collapse == "module":
        graph = collapse_graph(graph, depth)
    return GraphPicture(graph, title=title, engine=engine)


def _no_grad():
    import gradkit

    return gradkit.no_grad()


def _count(graph) -> int:
    return len(graph.nodes)


def draw_model(model, example_input, *, collapse: str | None = "auto",
               depth: int | None = None, max_nodes: int = 60, show_saved: bool = True,
               title: str | None = None, engine: str = "auto") -> GraphPicture:
    """Run ``model(example_input)`` and draw its graph with parameter names.

    Args:
        model: a ``gradkit.nn.Module``.
        example_input: a Tensor (or a tuple of positional inputs) for one forward pass, run
            in the model's current mode (train or eval); its buffers (BatchNorm's running
            statistics) are restored afterwards.
        collapse: ``"auto"`` (every op up to ``max_nodes`` boxes; beyond that, one box per
            leaf-module call, then per module at smaller depths until it fits), ``"module"``
            (``depth`` as in :func:`draw_graph`) or ``None`` (every op).
        max_nodes: the box budget of ``"auto"``.
        title: the caption (default: the model's class name and parameter count).

    Returns:
        A :class:`GraphPicture`.
    """
    if collapse not in (None, "module", "auto"):
        raise ValueError(f"draw_model: collapse must be 'auto', 'module' or None, "
                         f"got {collapse!r}")
    args = example_input if isinstance(example_input, tuple) else (example_input,)
    # the forward pass must not change the model: BatchNorm's running statistics are put back
    buffers = [(b, b.detach().clone()) for b in model.buffers()]
    try:
        with ModuleTrace(model) as trace:
            out = model(*args)
    finally:
        with _no_grad():
            for b, saved in buffers:
                b.copy_(saved)
    outputs = [o for o in (out if isinstance(out, (list, tuple)) else [out])
               if getattr(o, "grad_fn", None) is not None]
    if not outputs:
        raise ValueError(f"draw_model: {type(model).__name__}'s output has no grad_fn (are "
                         f"its parameters frozen, or is grad mode off?)")
    params = dict(model.named_parameters())
    if title is None:
        n = sum(int(p.numel()) for p in params.values())
        title = f"{type(model).__name__}: {n:,} parameters"
    graph = build_graph(outputs, params, show_saved=show_saved, trace=trace)
    if collapse == "module":
        graph = collapse_graph(graph, depth)
    elif collapse == "auto" and _count(graph) > max_nodes:
        best = collapse_graph(graph, None)
        d = trace.max_depth
        while _count(best) > max_nodes and d >= 1:
            best = collapse_graph(graph, d)
            d -= 1
        graph = best
    return GraphPicture(graph, title=title, engine=engine)
