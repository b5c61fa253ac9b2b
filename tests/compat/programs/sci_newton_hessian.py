"""Newton's method driven by torch.autograd.functional: damped Newton with a backtracking line
search on the Rosenbrock function using hessian() and jacobian(), the same with
vhp/hvp-based conjugate gradient (Newton-CG), Gauss-Newton for a nonlinear least-squares curve
fit using jacobian of the residuals, and a check that the Hessian is symmetric."""
import torch
from torch.autograd.functional import hessian, hvp, jacobian

torch.set_default_dtype(torch.float64)


def rosenbrock(x):
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


x = torch.tensor([-1.2, 1.0])
for it in range(25):
    g = jacobian(rosenbrock, x)
    H = hessian(rosenbrock, x)
    step = torch.linalg.solve(H + 1e-6 * torch.eye(len(x)), g)
    t = 1.0
    while rosenbrock(x - t * step) > rosenbrock(x) - 1e-4 * t * g @ step and t > 1e-8:
        t *= 0.5
    x = x - t * step
    if it % 5 == 4:
        print(f"newton iter {it + 1} f {rosenbrock(x).item():.6e} |g| {g.norm().item():.3e}")
print("solution", [round(v, 4) for v in x.tolist()])
print("hessian symmetric", torch.allclose(H, H.T))


def newton_cg(f, x, iters=10, cg_iters=10):
    for _ in range(iters):
        g = jacobian(f, x)
        d, r = torch.zeros_like(x), -g.clone()
        p = r.clone()
        for _ in range(cg_iters):
            _, Hp = hvp(f, x, p)
            curv = p @ Hp
            if curv <= 0:
                break
            a = (r @ r) / curv
            d = d + a * p
            r_new = r - a * Hp
            if r_new.norm() < 1e-10:
                break
            p = r_new + (r_new @ r_new) / (r @ r) * p
            r = r_new
        x = x + d
    return x


quad_A = torch.tensor([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])
quad_b = torch.tensor([1.0, -2.0, 0.5])
xq = newton_cg(lambda z: 0.5 * z @ quad_A @ z - quad_b @ z + 0.1 * (z ** 4).sum(),
               torch.zeros(3))
print("newton-cg", [round(v, 6) for v in xq.tolist()])

torch.manual_seed(0)
t = torch.linspace(0, 4, 30)
obs = 2.5 * torch.exp(-1.3 * t) + 0.4 + 0.01 * torch.randn(30)


def residuals(theta):
    a, k, c = theta
    return a * torch.exp(-k * t) + c - obs


theta = torch.tensor([2.0, 1.0, 0.5])
for it in range(8):
    J = jacobian(residuals, theta)
    r = residuals(theta)
    delta = torch.linalg.lstsq(J, -r.unsqueeze(1)).solution.squeeze(1)
    theta = theta + delta
    print(f"gauss-newton {it + 1} sse {r.pow(2).sum().item():.6e}")
print("fit", [round(v, 4) for v in theta.tolist()])
