"""What ODE-solver libraries built on torch (torchdiffeq and its kin) ask of the autograd engine
and the linear-algebra module, with no such library installed: an adjoint solve written as a
custom Function; an event time located in float64 whose gradient is sent back through a second
Function that returns its state gradient in float64 for a float32 state (the engine casts it to
the state's dtype, so the next backward's float32 dot products still agree); an implicit Euler step
whose Newton iteration catches a singular Jacobian as ``torch._C._LinAlgError`` and falls back
to a fixed-point update."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class Field(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor([[-0.2, 1.5], [-1.5, -0.2]]))
            self.lin.bias.zero_()

    def forward(self, t, y):
        return torch.tanh(self.lin(y)) + 0.05 * torch.cos(t)


def rk4_step(f, t, y, h):
    k1 = f(t, y)
    k2 = f(t + h / 2, y + h / 2 * k1)
    k3 = f(t + h / 2, y + h / 2 * k2)
    k4 = f(t + h, y + h * k3)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def solve(f, y0, ts, substeps=4):
    ys, y = [y0], y0
    for t0, t1 in zip(ts[:-1], ts[1:]):
        h = (t1 - t0) / substeps
        for k in range(substeps):
            y = rk4_step(f, t0 + k * h, y, h)
        ys.append(y)
    return torch.stack(ys)


class Adjoint(torch.autograd.Function):
    """Solve forward without a graph; backward integrates the adjoint state back in time."""

    @staticmethod
    def forward(ctx, y0, ts, f, *params):
        with torch.no_grad():
            ys = solve(f, y0, ts)
        ctx.f, ctx.n_params = f, len(params)
        ctx.save_for_backward(ts, ys, *params)
        return ys

    @staticmethod
    def backward(ctx, g):
        ts, ys, *params = ctx.saved_tensors
        f = ctx.f
        adj = g[-1].clone()
        adj_p = [torch.zeros_like(p) for p in params]
        t_grad = torch.zeros_like(ts)
        for i in range(len(ts) - 1, 0, -1):
            t_grad[i] = f(ts[i], ys[i]).reshape(-1).dot(g[i].reshape(-1))
            y = ys[i]
            h = (ts[i - 1] - ts[i]) / 4
            for k in range(4):
                with torch.enable_grad():
                    yv = y.detach().requires_grad_(True)
                    out = f(ts[i] + k * h, yv)
                    vjp = torch.autograd.grad(out, [yv, *params], adj, allow_unused=True)
                adj = adj - h * vjp[0]
                adj_p = [a - h * (v if v is not None else 0) for a, v in zip(adj_p, vjp[1:])]
                with torch.no_grad():
                    y = rk4_step(f, ts[i] + k * h, y, h)
            adj = adj + g[i - 1]
        return (adj, t_grad, None, *adj_p)


field = Field()
y0 = torch.tensor([[1.0, 0.0], [0.3, -0.4]], requires_grad=True)
ts = torch.linspace(0.0, 1.5, 7, requires_grad=True)
params = list(field.parameters())

ys = Adjoint.apply(y0, ts, field, *params)
loss = (ys ** 2).mean()
adj_grads = torch.autograd.grad(loss, [y0, ts, *params])
ys_direct = solve(field, y0, ts)
direct_grads = torch.autograd.grad((ys_direct ** 2).mean(), [y0, ts, *params])
print(f"loss {loss.item():.6f} direct {(ys_direct ** 2).mean().item():.6f}")
for name, a, d in zip(["y0", "weight", "bias"], [adj_grads[0], *adj_grads[2:]],
                      [direct_grads[0], *direct_grads[2:]]):
    print(f"{name:6s} adjoint (Euler-stepped) {a.sum().item():+.5f} direct {d.sum().item():+.5f} "
          f"dtype {a.dtype}")
print(f"d loss / d ts[-1]: adjoint {adj_grads[1][-1].item():+.5f} "
      f"direct {direct_grads[1][-1].item():+.5f}")


# ---- event: the first time y[0] crosses zero, found by bisection in float64 ----------------
class Fall(nn.Module):
    def __init__(self):
        super().__init__()
        self.g = nn.Parameter(torch.tensor(9.81))

    def forward(self, t, state):
        return torch.stack([state[1], -self.g + 0.0 * state[0]])


def event_fn(t, state):
    return state[0]


class Reroute(torch.autograd.Function):
    """Implicit-function gradient of the event time: returns the state gradient in float64."""

    @staticmethod
    def forward(ctx, f, event_t, state_t):
        ctx.f = f
        ctx.save_for_backward(event_t, state_t)
        return event_t.detach(), state_t.detach()

    @staticmethod
    def backward(ctx, grad_t, grad_state):
        event_t, state_t = ctx.saved_tensors
        with torch.enable_grad():
            s = state_t.detach().requires_grad_(True)
            c = event_fn(event_t, s)
            (dstate,) = torch.autograd.grad(c, s)
        f_val = ctx.f(event_t, state_t).detach()
        dcdt = torch.sum(dstate * f_val)
        grad_t = grad_t + torch.sum(grad_state * f_val)
        # event_t is float64, so this factor (and the gradient returned) is float64
        scale = (-grad_t / (dcdt + 1e-12)).reshape(1)
        return None, None, grad_state + dstate * scale


fall = Fall()
state0 = torch.tensor([5.0, 0.0], requires_grad=True)


def state_at(t):
    n = 32
    h = t / n
    s = state0
    for k in range(n):
        s = rk4_step(fall, (k * h).float(), s, h.float())
    return s


lo, hi = torch.tensor(0.0, dtype=torch.float64), torch.tensor(2.0, dtype=torch.float64)
with torch.no_grad():
    for _ in range(40):
        mid = (lo + hi) / 2
        if event_fn(mid, state_at(mid)) > 0:
            lo = mid
        else:
            hi = mid
event_t = hi
state_t = state_at(event_t)
event_t, state_t = Reroute.apply(fall, event_t, state_t)
print(f"event time {event_t.item():.5f} dtype {event_t.dtype} state {state_t.tolist()}")
# a float32 sum that needs state_t's gradient in float32 on the way back
out = state_t.reshape(-1).dot(torch.tensor([0.0, 1.0]))
g_state0, g_g = torch.autograd.grad(out, [state0, fall.g])
print(f"d(velocity at impact)/d(state0) {[round(v, 4) for v in g_state0.tolist()]} "
      f"dtype {g_state0.dtype}; d/dg {g_g.item():.4f}")
exact_t = (2 * 5.0 / 9.81) ** 0.5
print(f"event time vs exact: {abs(event_t.item() - exact_t) < 1e-4}")


# ---- implicit Euler with Newton steps; a singular Jacobian falls back to fixed point -------
def implicit_euler(f, y, t, h, iters=8):
    z = y.clone()
    fallbacks = 0
    for _ in range(iters):
        r = z - y - h * f(t + h, z)
        jac = torch.autograd.functional.jacobian(lambda v: v - y - h * f(t + h, v), z)
        try:
            dz = torch.linalg.solve(jac, r)
        except torch._C._LinAlgError:
            fallbacks += 1
            dz = r
        z = z - dz
    return z, fallbacks


def stiff(t, y):
    return torch.stack([-50.0 * (y[0] - torch.cos(t)), -2.0 * y[1]])


def degenerate(t, y):  # its Jacobian makes I - h*J singular when h = 0.5
    return torch.stack([2.0 * y[0], 2.0 * y[1]])


y = torch.tensor([0.0, 1.0])
total = 0
for step in range(5):
    y, fb = implicit_euler(stiff, y, torch.tensor(0.1 * step), 0.1)
    total += fb
print(f"stiff implicit Euler y {[round(v, 5) for v in y.tolist()]} fallbacks {total}")
y, fb = implicit_euler(degenerate, torch.tensor([1.0, -1.0]), torch.tensor(0.0), 0.5, iters=2)
print(f"degenerate step fallbacks {fb} y {[round(v, 4) for v in y.tolist()]}")
print("LinAlgError is torch.linalg.LinAlgError:", torch._C._LinAlgError is torch.linalg.LinAlgError)
