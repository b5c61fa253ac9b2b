"""A small layered layout (Sugiyama style) and its SVG and matplotlib renderers.

Used when Graphviz's ``dot`` is not installed. Steps: rank every node by its longest path to an
output (outputs at the bottom, each input just above its first use), put dummy points on edges
that skip ranks, order each rank by the barycenter of its neighbours (a few sweeps up and
down), then place nodes horizontally near their neighbours' mean without overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Layout", "layout", "render_png_matplotlib", "render_svg"]

def escape(text: str) -> str:
    """Text for SVG content and attribute values."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


FONT = 12
CHAR_W = 7.3  # monospace advance at 12px
LINE_H = 15
PAD_X, PAD_Y = 10, 7
GAP_X, GAP_Y = 22, 46
MARGIN = 16

STYLE = {  # kind -> (fill, stroke, dashed)
    "op": ("#e8e8e8", "#777777", False),
    "param": ("#add8e6", "#3a7ca5", False),
    "leaf": ("#c7f0c2", "#3c8d40", False),
    "constant": ("#ffffff", "#999999", True),
    "output": ("#caff70", "#556b2f", False),
    "module": ("#fde9c9", "#c98a2b", False),
}


@dataclass
class Box:
    id: str
    x: float
    y: float  # centre
    w: float
    h: float
    kind: str
    lines: list


@dataclass
class Layout:
    boxes: dict
    edges: list  # (points, label, src, dst)
    width: float
    height: float
    title: str


def _size(lines):
    width = max((len(t) for t in lines), default=4) * CHAR_W + 2 * PAD_X
    return max(width, 40.0), len(lines) * LINE_H + 2 * PAD_Y


def layout(graph, title: str = "") -> Layout:
    nodes = graph.nodes
    ids = list(nodes)
    succ = {i: [] for i in ids}
    pred = {i: [] for i in ids}
    for e in graph.edges:
        succ[e.src].append(e.dst)
        pred[e.dst].append(e.src)
    # rank: longest path to a sink (0 = sinks), computed in reverse topological order
    order, state = [], {}
    for root in ids:
        if root in state:
            continue
        work = [(root, iter(succ[root]))]
        state[root] = 1
        while work:
            v, it = work[-1]
            for w in it:
                if w not in state:
                    state[w] = 1
                    work.append((w, iter(succ[w])))
                    break
            else:
                work.pop()
                order.append(v)  # post-order: every successor first
    rank = {}
    for v in order:
        rank[v] = max((rank[w] + 1 for w in succ[v] if w in rank), default=0)
    top = max(rank.values(), default=0)
    level = {v: top - r for v, r in rank.items()}  # 0 = top row
    # dummy points on long edges
    vsucc: dict = {i: [] for i in ids}
    chains = []
    width = {}
    for v in ids:
        text = [nodes[v].title] + [t for t in nodes[v].lines if t]
        width[v] = _size(text)
    for k, e in enumerate(graph.edges):
        chain = [e.src]
        for lv in range(level[e.src] + 1, level[e.dst]):
            d = f"_d{k}_{lv}"
            level[d] = lv
            width[d] = (8.0, 0.0)
            vsucc[d] = []
            chain.append(d)
        chain.append(e.dst)
        for a, b in zip(chain, chain[1:]):
            vsucc[a].append(b)
        chains.append((chain, e.label, e.src, e.dst))
    vpred: dict = {v: [] for v in vsucc}
    for a, bs in vsucc.items():
        for b in bs:
            vpred[b].append(a)
    rows: list = [[] for _ in range(top + 1)]
    seen = set()
    # initial order: depth-first from the outputs upwards keeps related nodes together
    sinks = [v for v in ids if not succ[v]]
    for s in sinks + ids:
        work = [s]
        while work:
            v = work.pop()
            if v in seen:
                continue
            seen.add(v)
            rows[level[v]].append(v)
            work.extend(reversed(vpred[v]))
    for v in vsucc:
        if v not in seen:
            rows[level[v]].append(v)
    pos = {v: i for row in rows for i, v in enumerate(row)}
    for sweep in range(8):
        rng = range(1, len(rows)) if sweep % 2 == 0 else range(len(rows) - 2, -1, -1)
        for r in rng:
            nbrs = vpred if sweep % 2 == 0 else vsucc
            def key(v, nbrs=nbrs):
                ns = nbrs[v]
                return sum(pos[n] for n in ns) / len(ns) if ns else pos[v]
            rows[r].sort(key=key)
            for i, v in enumerate(rows[r]):
                pos[v] = i
    # x coordinates
    x = {}
    for row in rows:
        cur = 0.0
        for v in row:
            w = width[v][0]
            x[v] = cur + w / 2
            cur += w + GAP_X
    def place(row, want):
        """x for ``row`` (in its order, ``GAP_X`` apart) nearest to ``want`` in the weighted
        least-squares sense: an isotonic regression (pool adjacent violators) on the wanted
        positions less each node's minimal offset from the row's first."""
        if not row:
            return
        off = [0.0]
        for a, b in zip(row, row[1:]):
            off.append(off[-1] + (width[a][0] + width[b][0]) / 2 + GAP_X)
        blocks = []  # [value, weight, count]
        for v, o in zip(row, off):
            blocks.append([want[v] - o, weight[v], 1])
            while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
                v2, w2, c2 = blocks.pop()
                v1, w1, c1 = blocks.pop()
                blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
        ys = [value for value, _, count in blocks for _ in range(count)]
        for v, yv, o in zip(row, ys, off):
            x[v] = yv + o
    weight = {v: 0.15 if v not in nodes or nodes[v].kind in ("param", "leaf", "constant")
              else 1.0 for v in x}
    for it in range(12):
        down = it % 2 == 0
        rng = range(len(rows)) if down else range(len(rows) - 1, -1, -1)
        for r in rng:
            want = {}
            for v in rows[r]:
                ns = (vpred[v] + vsucc[v]) if it >= 10 else (vpred[v] if down else vsucc[v])
                ns = ns or vpred[v] or vsucc[v]
                # a long edge's bend points and the leaves pull weakly: a skip connection
                # bends around the main path, and a layer's weights sit beside it, instead of
                # dragging it sideways block after block
                wts = [weight[n] for n in ns]
                want[v] = (sum(x[n] * w for n, w in zip(ns, wts)) / sum(wts)) if ns else x[v]
            place(rows[r], want)
    # y coordinates
    y, cur = {}, MARGIN + (LINE_H + 10 if title else 0)
    for row in rows:
        h = max((width[v][1] for v in row), default=0.0)
        for v in row:
            y[v] = cur + h / 2
        cur += h + GAP_Y
    left = min((x[v] - width[v][0] / 2 for v in x), default=0.0)
    for v in x:
        x[v] += MARGIN - left
    right = max((x[v] + width[v][0] / 2 for v in x), default=0.0) + MARGIN
    if title:
        right = max(right, len(title) * CHAR_W * 1.1 + 2 * MARGIN)
    boxes = {}
    for v in ids:
        w, h = width[v]
        node = nodes[v]
        boxes[v] = Box(v, x[v], y[v], w, h, node.kind, [node.title] + list(node.lines))
    edges = []
    for chain, label, src, dst in chains:
        pts = [[x[v], y[v]] for v in chain]
        pts[0][1] += width[chain[0]][1] / 2
        pts[-1][1] -= width[chain[-1]][1] / 2
        edges.append((pts, label, src, dst))
    # spread the ends of several edges at one box over its side, in the order of the far ends
    ins, outs = {}, {}
    for e in edges:
        outs.setdefault(e[2], []).append(e)
        ins.setdefault(e[3], []).append(e)
    for groups, end, other in ((ins, -1, -2), (outs, 0, 1)):
        for v, es in groups.items():
            if len(es) < 2:
                continue
            es.sort(key=lambda e: e[0][other][0])
            span = width[v][0] * 0.7
            for k, e in enumerate(es):
                e[0][end][0] = x[v] - span / 2 + span * k / (len(es) - 1)
    edges = [([tuple(p) for p in pts], label, src, dst) for pts, label, src, dst in edges]
    for pts, label, _, _ in edges:
        if label:
            right = max(right, pts[0][0] + 5 + len(label) * 6.1 + MARGIN)
    return Layout(boxes, edges, right, cur - GAP_Y + MARGIN, title)


def _path_d(pts) -> str:
    d = [f"M{pts[0][0]:.1f},{pts[0][1]:.1f}"]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        dy = (y1 - y0) / 2
        d.append(f"C{x0:.1f},{y0 + dy:.1f} {x1:.1f},{y1 - dy:.1f} {x1:.1f},{y1:.1f}")
    return " ".join(d)


def render_svg(lay: Layout) -> str:
    """The layout as a standalone SVG document."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.0f}" '
        f'height="{lay.height:.0f}" viewBox="0 0 {lay.width:.1f} {lay.height:.1f}" '
        f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#555"/></marker></defs>',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    if lay.title:
        out.append(f'<text x="{MARGIN}" y="{MARGIN + LINE_H - 3}" font-weight="bold">'
                   f'{escape(lay.title)}</text>')
    labelled = set()
    for pts, label, src, dst in lay.edges:
        if (src, label) in labelled:  # one node's outputs share a label: write it once
            label = ""
        labelled.add((src, label))
        out.append(f'<path class="edge" data-src="{escape(src)}" data-dst="{escape(dst)}" '
                   f'd="{_path_d(pts)}" fill="none" stroke="#555" stroke-width="1.2" '
                   f'marker-end="url(#arrow)"/>')
        if label:
            xa, ya = pts[0]
            out.append(f'<text x="{xa + 5:.1f}" y="{ya + 14:.1f}" '
                       f'font-size="10" fill="#666">{escape(label)}</text>')
    for b in lay.boxes.values():
        fill, stroke, dashed = STYLE.get(b.kind, STYLE["op"])
        dash = ' stroke-dasharray="4,3"' if dashed else ""
        out.append(f'<g class="node {b.kind}" id="{escape(b.id)}"><rect x="{b.x - b.w / 2:.1f}" '
                   f'y="{b.y - b.h / 2:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" rx="5" '
                   f'fill="{fill}" stroke="{stroke}"{dash}/>')
        top = b.y - b.h / 2 + PAD_Y + LINE_H - 4
        for i, text in enumerate(b.lines):
            weight = ' font-weight="bold"' if i == 0 else ' fill="#333"'
            out.append(f'<text x="{b.x:.1f}" y="{top + i * LINE_H:.1f}" text-anchor="middle"'
                       f'{weight}>{escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render_png_matplotlib(lay: Layout, path, dpi: int = 110) -> None:
    """Draw the same layout with matplotlib and save it as PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch, PathPatch, Polygon
    from matplotlib.path import Path as MPath

    scale = 1 / 72  # layout pixels are points
    fig = plt.figure(figsize=(max(lay.width, 50) * scale, max(lay.height, 50) * scale))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, lay.width)
    ax.set_ylim(lay.height, 0)
    ax.axis("off")
    if lay.title:
        ax.text(MARGIN, MARGIN + LINE_H - 3, lay.title, fontsize=FONT, fontweight="bold",
                family="monospace")
    labelled = set()
    for pts, label, src, _ in lay.edges:
        if (src, label) in labelled:
            label = ""
        labelled.add((src, label))
        verts, codes = [pts[0]], [MPath.MOVETO]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            dy = (y1 - y0) / 2
            verts += [(x0, y0 + dy), (x1, y1 - dy), (x1, y1)]
            codes += [MPath.CURVE4] * 3
        ax.add_patch(PathPatch(MPath(verts, codes), fill=False, edgecolor="#555", lw=1.0))
        xe, ye = pts[-1]
        ax.add_patch(Polygon([(xe, ye), (xe - 3.5, ye - 7), (xe + 3.5, ye - 7)],
                             closed=True, color="#555"))
        if label:
            xa, ya = pts[0]
            ax.text(xa + 5, ya + 14, label, fontsize=10, color="#666",
                    family="monospace")
    for b in lay.boxes.values():
        fill, stroke, dashed = STYLE.get(b.kind, STYLE["op"])
        ax.add_patch(FancyBboxPatch((b.x - b.w / 2, b.y - b.h / 2), b.w, b.h,
                                    boxstyle="round,pad=0,rounding_size=5", facecolor=fill,
                                    edgecolor=stroke, linestyle="--" if dashed else "-", lw=1))
        top = b.y - b.h / 2 + PAD_Y + LINE_H - 4
        for i, text in enumerate(b.lines):
            ax.text(b.x, top + i * LINE_H, text, ha="center", fontsize=FONT,
                    family="monospace", fontweight="bold" if i == 0 else "normal",
                    color="black" if i == 0 else "#333")
    fig.savefig(str(path), dpi=dpi, facecolor="white")
    plt.close(fig)
