"""``GraphPicture``: the drawn graph as dot text, SVG (Jupyter shows it inline) and files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ._layout import STYLE, layout, render_png_matplotlib, render_svg

__all__ = ["GraphPicture", "dot_available"]

_ENGINES = ("auto", "dot", "builtin")


def dot_available() -> bool:
    """True when the ``graphviz`` Python package and Graphviz's ``dot`` program are installed."""
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class GraphPicture:
    """A drawn backward graph.

    Attributes:
        nodes: ``{id: VNode}`` (``kind``, ``title``, ``lines``): what the picture shows.
        edges: ``VEdge(src, dst, label)`` in the forward direction, labelled with the shape and
            dtype of the value that flows along them.
        engine: ``"dot"`` (Graphviz) or ``"builtin"`` (gradkit's own layout), as resolved.

    ``_repr_svg_()`` makes Jupyter show it inline; :meth:`save` writes ``.svg``, ``.png`` or
    ``.dot``; :attr:`source` is the Graphviz dot text.
    """

    def __init__(self, graph, *, title: str = "", engine: str = "auto"):
        if engine not in _ENGINES:
            raise ValueError(f"draw_graph: engine must be one of {_ENGINES}, got {engine!r}")
        if engine == "dot" and not dot_available():
            raise RuntimeError("draw_graph: engine='dot' needs the graphviz Python package and "
                               "Graphviz's dot program (pip install graphviz; apt-get install "
                               "graphviz or brew install graphviz); engine='builtin' needs "
                               "neither")
        self.graph = graph
        self.nodes = graph.nodes
        self.edges = graph.edges
        self.title = title
        self.engine = ("dot" if dot_available() else "builtin") if engine == "auto" else engine
        self._svg = None
        self._layout = None

    def __repr__(self) -> str:
        return (f"<GraphPicture: {len(self.nodes)} nodes, {len(self.edges)} edges, "
                f"engine={self.engine!r}>")

    # -------------------------------------------------------------------------- outputs
    @property
    def source(self) -> str:
        """The graph in Graphviz's dot language (no Graphviz needed to produce it)."""
        lines = ["digraph gradkit {",
                 '  graph [rankdir=TB, nodesep=0.25, ranksep=0.45, fontname="monospace"'
                 + (f", label={_quote(self.title)}, labelloc=t" if self.title else "") + "];",
                 '  node [shape=box, style="rounded,filled", fontname="monospace", '
                 'fontsize=11, margin="0.12,0.06"];',
                 '  edge [fontname="monospace", fontsize=9, fontcolor="#666666", '
                 'color="#555555"];']
        for node in self.nodes.values():
            fill, stroke, dashed = STYLE.get(node.kind, STYLE["op"])
            label = "\\n".join(t.replace("\\", "\\\\").replace('"', '\\"')
                               for t in [node.title, *node.lines] if t)
            style = ', style="rounded,filled,dashed"' if dashed else ""
            lines.append(f'  {node.id} [label="{label}", fillcolor="{fill}", '
                         f'color="{stroke}"{style}];')
        for e in self.edges:
            label = f" [label={_quote(' ' + e.label)}]" if e.label else ""
            lines.append(f"  {e.src} -> {e.dst}{label};")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _pipe(self, fmt: str) -> bytes:
        import graphviz

        return graphviz.Source(self.source).pipe(format=fmt)

    def svg(self) -> str:
        """The picture as SVG text."""
        if self._svg is None:
            if self.engine == "dot":
                self._svg = self._pipe("svg").decode("utf-8")
            else:
                self._svg = render_svg(self.layout())
        return self._svg

    def layout(self):
        """gradkit's own layout (boxes with centres and sizes, edge polylines)."""
        if self._layout is None:
            self._layout = layout(self.graph, self.title)
        return self._layout

    def _repr_svg_(self) -> str:
        return self.svg()

    def save(self, path: str | os.PathLike) -> Path:
        """Write the picture; the suffix picks the format: ``.svg``, ``.png`` or ``.dot``/``.gv``.

        PNG goes through Graphviz when it is installed, otherwise through matplotlib
        (``pip install gradkit[train]``); SVG and dot need neither.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".svg":
            path.write_text(self.svg(), encoding="utf-8")
        elif suffix in (".dot", ".gv"):
            path.write_text(self.source, encoding="utf-8")
        elif suffix == ".png":
            if self.engine == "dot":
                path.write_bytes(self._pipe("png"))
            else:
                try:
                    import matplotlib  # noqa: F401
                except ImportError:
                    raise ImportError(
                        f"GraphPicture.save({str(path)!r}): a PNG needs Graphviz (pip install "
                        f"graphviz, and its dot program) or matplotlib (pip install "
                        f"gradkit[train]); .svg and .dot need neither") from None
                render_png_matplotlib(self.layout(), path)
        else:
            raise ValueError(f"GraphPicture.save: unknown file type {path.suffix!r} for "
                             f"{str(path)!r}; use .svg, .png or .dot")
        return path
