"""What torchode, roma and geoopt ask of the autograd engine, with none of them installed:
a batched Runge-Kutta step (torchode's) that fills a stage buffer ``k`` in place after each
``einsum`` of a constant tableau row with ``k[:i]`` (PyTorch keeps ``k`` out of the version
check, as the tableau needs no gradient), trained a few Adam steps; a special-Procrustes
Function (roma's) whose ``jvp`` reads ``ctx.saved_for_forward`` under forward-mode AD; and a
Riemannian SGD step on the sphere that writes the retracted point with ``p.set_(...)``
(geoopt's)."""
import torch
import torch.autograd.forward_ad as fwAD

torch.manual_seed(0)

# ---------------------------------------------------------------- Runge-Kutta stages (Bogacki)
A = torch.tensor([[0.0, 0.0, 0.0], [0.5, 0.0, 0.0], [0.0, 0.75, 0.0]])
B = torch.tensor([2 / 9, 1 / 3, 4 / 9])
net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
opt = torch.optim.Adam(net.parameters(), lr=0.01)
y0 = torch.randn(4, 2)
target = torch.randn(4, 2)


def rk_step(y, dt):
    k = y.new_empty((3,) + tuple(y.shape))
    k[0] = net(y)
    for i in range(1, 3):
        yi = y + dt * torch.einsum("j,jbf->bf", A[i, :i], k[:i])
        k[i] = net(yi)
    return y + dt * torch.einsum("s,sbf->bf", B, k)


for step in range(4):
    opt.zero_grad()
    y = y0
    for _ in range(5):
        y = rk_step(y, 0.1)
    loss = ((y - target) ** 2).mean()
    loss.backward()
    opt.step()
    print("rk", step, round(loss.item(), 5))


# ------------------------------------------------------- special Procrustes with a custom jvp
class Procrustes(torch.autograd.Function):
    @staticmethod
    def forward(M):
        U, S, Vh = torch.linalg.svd(M)
        d = torch.sign(torch.linalg.det(U @ Vh))
        U = torch.cat([U[..., :, :-1], U[..., :, -1:] * d[..., None, None]], dim=-1)
        S = torch.cat([S[..., :-1], S[..., -1:] * d[..., None]], dim=-1)
        return U @ Vh, S, U, Vh.transpose(-1, -2)

    @staticmethod
    def setup_context(ctx, inputs, output):
        R, S, U, V = output
        ctx.save_for_backward(U, S, V)
        ctx.save_for_forward(U, S, V)
        ctx.mark_non_differentiable(U, V)

    @staticmethod
    def backward(ctx, gR, gS, gU, gV):
        U, S, V = ctx.saved_tensors
        A_ = U.transpose(-1, -2) @ gR @ V
        W = (A_ - A_.transpose(-1, -2)) / (S[..., :, None] + S[..., None, :])
        return U @ W @ V.transpose(-1, -2)

    @staticmethod
    def jvp(ctx, dM):
        U, S, V = ctx.saved_for_forward
        A_ = U.transpose(-1, -2) @ dM @ V
        Z = (A_ - A_.transpose(-1, -2)) / (S[..., :, None] + S[..., None, :])
        return U @ Z @ V.transpose(-1, -2), torch.diagonal(A_, dim1=-2, dim2=-1), None, None


M = torch.randn(2, 3, 3, dtype=torch.float64)
T = torch.randn(2, 3, 3, dtype=torch.float64)
with fwAD.dual_level():
    R, S, _, _ = Procrustes.apply(fwAD.make_dual(M, T))
    tangent = fwAD.unpack_dual(R).tangent
print("procrustes det", [round(v, 6) for v in torch.linalg.det(fwAD.unpack_dual(R).primal).tolist()])
print("procrustes jvp", [round(v, 5) for v in tangent.flatten()[:6].tolist()])
Mg = M.clone().requires_grad_(True)
Procrustes.apply(Mg)[0].pow(2).mul(T).sum().backward()
print("procrustes vjp", [round(v, 5) for v in Mg.grad.flatten()[:6].tolist()])

# ---------------------------------------------------------- sphere SGD writing with set_()
p = torch.nn.Parameter(torch.nn.functional.normalize(torch.randn(5), dim=0))
goal = torch.nn.functional.normalize(torch.ones(5), dim=0)
for step in range(5):
    loss = -(p * goal).sum()
    p.grad = None
    loss.backward()
    with torch.no_grad():
        rgrad = p.grad - (p.grad * p).sum() * p
        p.set_(torch.nn.functional.normalize(p - 0.5 * rgrad, dim=0))
    print("sphere", step, round(loss.item(), 6), round(p.norm().item(), 6), p._version)
