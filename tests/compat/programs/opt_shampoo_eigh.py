"""A Shampoo-like preconditioned optimizer for matrix parameters, as second-order optimisation
notes write it: left/right Kronecker statistics L += G G^T and R += G^T G, inverse fourth
roots from torch.linalg.eigh (clamped eigenvalues), the preconditioned gradient
L^{-1/4} G R^{-1/4} refreshed every update_freq steps, diagonal Adagrad for vectors, and a
comparison with plain Adagrad on an ill-conditioned matrix regression."""
import torch


def inv_root(mat, p=4, eps=1e-6):
    vals, vecs = torch.linalg.eigh(mat)
    vals = torch.clamp(vals, min=eps)
    return vecs @ torch.diag(vals.pow(-1.0 / p)) @ vecs.T


class Shampoo(torch.optim.Optimizer):
    def __init__(self, params, lr=0.1, eps=1e-4, update_freq=1):
        super().__init__(params, dict(lr=lr, eps=eps, update_freq=update_freq))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    if p.dim() == 2:
                        st["L"] = group["eps"] * torch.eye(p.shape[0])
                        st["R"] = group["eps"] * torch.eye(p.shape[1])
                    else:
                        st["acc"] = torch.full_like(p, group["eps"])
                st["step"] += 1
                if p.dim() == 2:
                    st["L"].add_(g @ g.T)
                    st["R"].add_(g.T @ g)
                    if (st["step"] - 1) % group["update_freq"] == 0:
                        st["L_inv"] = inv_root(st["L"])
                        st["R_inv"] = inv_root(st["R"])
                    pre = st["L_inv"] @ g @ st["R_inv"]
                else:
                    st["acc"].addcmul_(g, g)
                    pre = g / st["acc"].sqrt()
                p.sub_(group["lr"] * pre)


torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
A = torch.randn(40, 6) @ torch.diag(torch.tensor([10.0, 3.0, 1.0, 0.3, 0.1, 0.03]))
W_true = torch.randn(6, 4)
B = A @ W_true + 0.01 * torch.randn(40, 4)
print("condition number %.1f" % torch.linalg.cond(A).item())


def run(make_opt, steps=60):
    torch.manual_seed(1)
    W = torch.zeros(6, 4, requires_grad=True)
    b = torch.zeros(4, requires_grad=True)
    opt = make_opt([W, b])
    for s in range(steps):
        loss = ((A @ W + b - B) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item(), opt


loss_s, opt = run(lambda ps: Shampoo(ps, lr=0.3, update_freq=2))
loss_a, _ = run(lambda ps: torch.optim.Adagrad(ps, lr=0.5))
print(f"shampoo loss {loss_s:.6f} adagrad loss {loss_a:.6f}")
st = opt.state[opt.param_groups[0]["params"][0]]
ev = torch.linalg.eigvalsh(st["L"])
print("L eigenvalues", [f"{v:.4g}" for v in ev.tolist()])
check = inv_root(st["R"])
print("inverse-root check", torch.allclose(torch.linalg.matrix_power(check, 4) @ st["R"],
                                           torch.eye(4), atol=1e-6))
