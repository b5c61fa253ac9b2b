"""A Kolmogorov-Arnold network in the style of pykan: each edge a learnable B-spline plus a
SiLU base, fitted with LBFGS (no line search, float64), then one edge snapped to a symbolic
form whose fitted affine parameters (0-d tensors) build a formula with a small expression
class, as pykan's symbolic_formula does with SymPy: ``c * fun(a * x + b) + d`` where the
parameters are tensors and ``x`` a symbol, so the tensor operators must give way."""
import math
import numbers
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


class Expr(numbers.Number):
    """A tiny symbolic expression: a symbol, a constant, or an operation on two of them."""

    def __init__(self, text):
        self.text = text

    @staticmethod
    def lift(v):
        if isinstance(v, Expr):
            return v
        return Expr(f"{float(v):.4f}")  # (a one-element tensor through __float__)

    def _op(self, other, sym, reverse=False):
        a, b = (Expr.lift(other), self) if reverse else (self, Expr.lift(other))
        return Expr(f"({a.text} {sym} {b.text})")

    def __add__(self, o): return self._op(o, "+")
    def __radd__(self, o): return self._op(o, "+", True)
    def __mul__(self, o): return self._op(o, "*")
    def __rmul__(self, o): return self._op(o, "*", True)
    def __sub__(self, o): return self._op(o, "-")
    def __rsub__(self, o): return self._op(o, "-", True)
    def __hash__(self): return hash(self.text)
    def __eq__(self, o): return isinstance(o, Expr) and o.text == self.text
    def __repr__(self): return self.text


def sin(e):
    return Expr(f"sin({e.text})")


def b_splines(x, grid, k):
    """B-spline bases of order k for x (batch, in) on grid (in, G + 2k + 1)."""
    x = x.unsqueeze(-1)
    bases = ((x >= grid[:, :-1]) & (x < grid[:, 1:])).to(x.dtype)
    for j in range(1, k + 1):
        left = (x - grid[:, :-(j + 1)]) / (grid[:, j:-1] - grid[:, :-(j + 1)])
        right = (grid[:, j + 1:] - x) / (grid[:, j + 1:] - grid[:, 1:-j])
        bases = left * bases[..., :-1] + right * bases[..., 1:]
    return torch.nan_to_num(bases)


class KANLayer(nn.Module):
    def __init__(self, n_in, n_out, grid=5, k=3):
        super().__init__()
        h = 2.0 / grid
        g = torch.arange(-k, grid + k + 1) * h - 1.0
        self.register_buffer("grid", g.expand(n_in, -1).contiguous())
        self.k = k
        self.coef = nn.Parameter(torch.randn(n_in, n_out, grid + k) * 0.1)
        self.scale_base = nn.Parameter(torch.ones(n_in, n_out) / math.sqrt(n_in))
        self.scale_sp = nn.Parameter(torch.ones(n_in, n_out) / math.sqrt(n_in))

    def forward(self, x):
        spl = torch.einsum("bik,iok->bio", b_splines(x, self.grid, self.k), self.coef)
        act = self.scale_base[None] * F.silu(x)[:, :, None] + self.scale_sp[None] * spl
        return act.sum(1), act


torch.manual_seed(0)
x = torch.rand(128, 2) * 2 - 1
y = torch.sin(math.pi * x[:, :1]) + x[:, 1:] ** 2
layers = nn.ModuleList([KANLayer(2, 3), KANLayer(3, 1)])


def model(inp):
    for layer in layers:
        inp, _ = layer(inp)
    return inp


opt = torch.optim.LBFGS(layers.parameters(), lr=1.0, max_iter=5, history_size=10)
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    for step in range(4):
        def closure():
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            return loss
        loss = opt.step(closure)
        print(f"step {step} loss {loss.item():.8f}")
print("scalar-conversion warnings:", sum("to a scalar" in str(w.message) for w in seen))

# snap edge (0, 0) -> 0 to c * sin(a * x + b) + d by least squares over a small grid of a, b
with torch.no_grad():
    _, act = layers[0](x)
    xs, ys = x[:, 0], act[:, 0, 0]
    best = None
    for a in torch.linspace(1.0, 4.0, 13):
        for b in torch.linspace(-1.0, 1.0, 9):
            f = torch.sin(a * xs + b)
            A = torch.stack([f, torch.ones_like(f)], 1)
            sol = torch.linalg.pinv(A) @ ys
            r2 = 1 - ((A @ sol - ys) ** 2).sum() / ((ys - ys.mean()) ** 2).sum()
            if best is None or r2 > best[0]:
                best = (r2, a, b, sol[0], sol[1])
r2, a, b, c, d = best
print(f"r2 {r2.item():.6f} a {a.item():.4f} b {b.item():.4f}")
x1 = Expr("x1")
formula = c * sin(a * x1 + b) + d
print("type:", type(formula).__name__)
print("formula:", formula)
print("0-d tensor times symbol:", type(torch.tensor(2.0) * x1).__name__,
      type(x1 * torch.tensor(2.0)).__name__)
