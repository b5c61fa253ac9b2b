"""A Fourier-layer operator with complex weights, as neural-operator libraries write it: the
retained modes of rfft2 mixed by a complex einsum with cfloat Parameters, irfft2 back, a
relative Lp loss; an Adam variant that keeps complex moments (exp_avg_sq through addcmul_ with
grad.conj()), checked with torch.testing.assert_close against the closed form, whose default
complex64 tolerances accept float32 rounding."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class SpectralMix(nn.Module):
    def __init__(self, cin, cout, modes):
        super().__init__()
        self.modes = modes
        scale = 1 / (cin * cout)
        self.w_pos = nn.Parameter(scale * torch.randn(cin, cout, modes, modes, dtype=torch.cfloat))
        self.w_neg = nn.Parameter(scale * torch.randn(cin, cout, modes, modes, dtype=torch.cfloat))
        self.bias = nn.Parameter(torch.zeros(cout, 1, 1))

    def forward(self, x):
        b, _, h, w = x.shape
        m = self.modes
        xf = torch.fft.rfft2(x, norm="forward")
        out = torch.zeros(b, self.w_pos.shape[1], h, w // 2 + 1, dtype=torch.cfloat)
        out[:, :, :m, :m] = torch.einsum("bixy,ioxy->boxy", xf[:, :, :m, :m], self.w_pos)
        out[:, :, -m:, :m] = torch.einsum("bixy,ioxy->boxy", xf[:, :, -m:, :m], self.w_neg)
        return torch.fft.irfft2(out, s=(h, w), norm="forward") + self.bias


class TinyFNO(nn.Module):
    def __init__(self, width=8, modes=4):
        super().__init__()
        self.lift = nn.Conv2d(1, width, 1)
        self.spec = nn.ModuleList([SpectralMix(width, width, modes) for _ in range(2)])
        self.skip = nn.ModuleList([nn.Conv2d(width, width, 1) for _ in range(2)])
        self.proj = nn.Conv2d(width, 1, 1)

    def forward(self, x):
        x = self.lift(x)
        for spec, skip in zip(self.spec, self.skip):
            x = F.gelu(spec(x) + skip(x))
        return self.proj(x)


def lp_rel(pred, true, p=2):
    diff = torch.linalg.vector_norm((pred - true).flatten(1), ord=p, dim=1)
    return (diff / torch.linalg.vector_norm(true.flatten(1), ord=p, dim=1)).mean()


class ComplexAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["exp_avg"] = torch.zeros_like(p)
                    st["exp_avg_sq"] = torch.zeros_like(p)
                st["step"] += 1
                g = p.grad
                st["exp_avg"].mul_(b1).add_(g, alpha=1 - b1)
                st["exp_avg_sq"].mul_(b2).addcmul_(g, g.conj(), value=1 - b2)
                denom = (st["exp_avg_sq"].abs() / (1 - b2 ** st["step"])).sqrt().add_(group["eps"])
                p.addcdiv_(st["exp_avg"], denom, value=-group["lr"] / (1 - b1 ** st["step"]))


x0 = torch.randn(3, 3, dtype=torch.float64)
q = nn.Parameter((1j * x0).to(torch.cfloat))
opt = ComplexAdam([q], betas=(0.5, 0.5))
torch.view_as_real(q * q.conj()).sum().backward()
opt.step()
torch.testing.assert_close(opt.state[q]["exp_avg_sq"], (2 * x0 ** 2).to(torch.cfloat))
print("complex moment close", opt.state[q]["exp_avg_sq"].dtype)
try:
    torch.testing.assert_close(opt.state[q]["exp_avg_sq"], (2.01 * x0 ** 2).to(torch.cfloat))
except AssertionError as e:
    print("off by 0.5%:", str(e).splitlines()[0])

grid = torch.linspace(0, 1, 16)
a = torch.randn(4, 1, 16, 16).cumsum(-1).cumsum(-2) / 16
u = torch.sin(3.1 * a) + a * grid
model = TinyFNO()
print("params", sum(p.numel() for p in model.parameters()),
      sorted({str(p.dtype) for p in model.parameters()}))
opt = ComplexAdam(model.parameters(), lr=3e-3)
for step in range(5):
    opt.zero_grad()
    loss = lp_rel(model(a), u)
    loss.backward()
    gn = torch.sqrt(sum((p.grad.abs() ** 2).sum() for p in model.parameters()))
    opt.step()
    print(step, f"{loss.item():.6f}", f"{gn.item():.6f}")
