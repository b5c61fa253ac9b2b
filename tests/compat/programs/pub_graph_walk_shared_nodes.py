"""Graph-drawing tools (torchviz's make_dot and its imitations) walk ``grad_fn`` and
``next_functions`` and draw one box per node object, keeping the nodes they have seen. The
double-backward tutorial's Sinh returns its intermediate results as extra outputs, so three
tensors share one node; ``chunk`` and ``unbind`` pieces and an LSTM's final states do too. The walk
prints each node once, reads a custom Function's node as its ctx (``saved_tensors``,
``needs_input_grad``, attributes forward set), and a hook on the shared node sees every
output's gradient."""
import torch


class Sinh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ex, enx = torch.exp(x), torch.exp(-x)
        ctx.save_for_backward(ex, enx)
        ctx.note = "sinh from two exponentials"
        return (ex - enx) / 2, ex, enx

    @staticmethod
    def backward(ctx, g, g_ex, g_enx):
        ex, enx = ctx.saved_tensors
        return g * (ex + enx) / 2 + g_ex * ex - g_enx * enx


def draw(roots, names):
    seen, lines = set(), []

    def visit(fn, depth):
        if fn is None or fn in seen:
            return
        seen.add(fn)
        var = getattr(fn, "variable", None)
        label = type(fn).__name__ + (" (" + names[id(var)] + ")" if var is not None else "")
        lines.append("  " * depth + label)
        for nxt, _ in fn.next_functions:
            visit(nxt, depth + 1)

    for name, t in roots:
        lines.append(f"{name} {tuple(t.shape)}")
        visit(t.grad_fn, 1)
    print("\n".join(lines))
    return len(seen)


torch.manual_seed(0)
x = torch.rand(3, 2, dtype=torch.double, requires_grad=True)
out, ex, enx = Sinh.apply(x)
print("outputs share a node:", out.grad_fn is ex.grad_fn is enx.grad_fn)
node = out.grad_fn
print("ctx through the node:", node.note, node.needs_input_grad,
      [tuple(t.shape) for t in node.saved_tensors])
grad_x, = torch.autograd.grad(out.sum(), x, create_graph=True)
print("nodes drawn:", draw([("grad_x", grad_x), ("x", x), ("out", out)],
                           {id(x): "x"}))
print("gradgradcheck:", torch.autograd.gradgradcheck(lambda t: Sinh.apply(t)[0], x))

torch.manual_seed(1)  # (gradgradcheck draws its random grad_outputs from the global generator)
h = torch.randn(4, 6, requires_grad=True) * 1.0
a, b, c = h.chunk(3, dim=1)
rows = h.unbind(0)
print("chunk pieces share a node:", a.grad_fn is b.grad_fn is c.grad_fn, type(a.grad_fn).__name__)
print("unbind rows share a node:", all(r.grad_fn is rows[0].grad_fn for r in rows))
y = a * 2 + c.sin()
print("consumer sees the shared node:",
      y.grad_fn.next_functions[0][0].next_functions[0][0] is a.grad_fn)
seen = []
a.grad_fn.register_prehook(
    lambda go: seen.append([None if g is None else round(g.sum().item(), 4) for g in go]))
y.sum().backward()
print("prehook saw every piece's gradient:", seen)

lstm = torch.nn.LSTM(3, 4)
seq, (last, cell) = lstm(torch.randn(5, 1, 3))
print("LSTM state pieces share a node:", last.grad_fn is cell.grad_fn)
