"""A TabNet-like model written from the paper: sparsemax as a custom autograd.Function (sort,
cumsum, support size, threshold tau; backward through the support), checked against its
definition and with gradcheck, ghost batch normalisation by torch.chunk of the batch, GLU blocks
(F.glu), an attentive transformer with the prior scale gamma, feature masks across decision
steps, the sparsity regulariser (entropy of the masks), and feature importances from the masks."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class SparsemaxFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, dim=-1):
        ctx.dim = dim
        max_val, _ = input.max(dim=dim, keepdim=True)
        input = input - max_val
        tau, supp_size = SparsemaxFunction._threshold_and_support(input, dim=dim)
        output = torch.clamp(input - tau, min=0)
        ctx.save_for_backward(supp_size, output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        supp_size, output = ctx.saved_tensors
        dim = ctx.dim
        grad_input = grad_output.clone()
        grad_input[output == 0] = 0
        v_hat = grad_input.sum(dim=dim) / supp_size.to(output.dtype).squeeze()
        v_hat = v_hat.unsqueeze(dim)
        grad_input = torch.where(output != 0, grad_input - v_hat, grad_input)
        return grad_input, None

    @staticmethod
    def _threshold_and_support(input, dim=-1):
        input_srt, _ = torch.sort(input, descending=True, dim=dim)
        input_cumsum = input_srt.cumsum(dim) - 1
        d = input.size(dim)
        rho = torch.arange(1, d + 1, device=input.device, dtype=input.dtype)
        view = [1] * input.dim()
        view[0] = -1
        rhos = rho.view(view).transpose(0, dim)
        support = rhos * input_srt > input_cumsum
        support_size = support.sum(dim=dim).unsqueeze(dim)
        tau = input_cumsum.gather(dim, support_size - 1)
        tau /= support_size.to(input.dtype)
        return tau, support_size


sparsemax = SparsemaxFunction.apply
torch.manual_seed(0)
z = torch.randn(4, 6) * 2
p = sparsemax(z, -1)
print(p, p.sum(-1), (p > 0).sum(-1))
zd = torch.randn(3, 5, dtype=torch.double, requires_grad=True)
print(torch.autograd.gradcheck(lambda t: sparsemax(t, -1), (zd,)))


class GBN(nn.Module):
    def __init__(self, dim, vbs=16, momentum=0.02):
        super().__init__()
        self.vbs = vbs
        self.bn = nn.BatchNorm1d(dim, momentum=momentum)

    def forward(self, x):
        chunks = x.chunk(max(1, x.size(0) // self.vbs), 0)
        return torch.cat([self.bn(c) for c in chunks], dim=0)


class GLUBlock(nn.Module):
    def __init__(self, inp, out, shared=None):
        super().__init__()
        self.fc = shared if shared is not None else nn.Linear(inp, 2 * out, bias=False)
        self.bn = GBN(2 * out)

    def forward(self, x):
        return F.glu(self.bn(self.fc(x)), dim=-1)


class FeatureTransformer(nn.Module):
    def __init__(self, inp, out, shared):
        super().__init__()
        self.b1 = GLUBlock(inp, out, shared)
        self.b2 = GLUBlock(out, out)
        self.scale = torch.sqrt(torch.tensor(0.5))

    def forward(self, x):
        x = self.b1(x)
        return (x + self.b2(x)) * self.scale


class AttentiveTransformer(nn.Module):
    def __init__(self, inp, out):
        super().__init__()
        self.fc = nn.Linear(inp, out, bias=False)
        self.bn = GBN(out)

    def forward(self, a, priors):
        return sparsemax(self.bn(self.fc(a)) * priors, -1)


class TabNet(nn.Module):
    def __init__(self, n_features, n_out, n_d=8, n_a=8, n_steps=3, gamma=1.3):
        super().__init__()
        self.n_d, self.n_steps, self.gamma = n_d, n_steps, gamma
        self.initial_bn = nn.BatchNorm1d(n_features, momentum=0.01)
        shared = nn.Linear(n_features, 2 * (n_d + n_a), bias=False)
        self.first = FeatureTransformer(n_features, n_d + n_a, shared)
        self.steps = nn.ModuleList([FeatureTransformer(n_features, n_d + n_a, shared)
                                    for _ in range(n_steps)])
        self.att = nn.ModuleList([AttentiveTransformer(n_a, n_features)
                                  for _ in range(n_steps)])
        self.head = nn.Linear(n_d, n_out)

    def forward(self, x):
        x = self.initial_bn(x)
        priors = torch.ones_like(x)
        a = self.first(x)[:, self.n_d:]
        out, m_loss, masks = 0, 0.0, []
        for step in range(self.n_steps):
            M = self.att[step](a, priors)
            m_loss = m_loss + torch.mean(torch.sum(-M * torch.log(M + 1e-10), dim=1))
            priors = priors * (self.gamma - M)
            h = self.steps[step](M * x)
            out = out + F.relu(h[:, :self.n_d])
            a = h[:, self.n_d:]
            masks.append(M)
        return self.head(out), m_loss / self.n_steps, masks


X = torch.randn(128, 7)
y = ((X[:, 0] > 0) ^ (X[:, 3] > 0.5)).long()
model = TabNet(7, 2)
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
for epoch in range(4):
    model.train()
    perm = torch.randperm(128)
    for i in range(0, 128, 64):
        idx = perm[i:i + 64]
        logits, m_loss, _ = model(X[idx])
        loss = F.cross_entropy(logits, y[idx]) + 1e-3 * m_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(epoch, f"{loss.item():.5f}", f"{m_loss.item():.5f}")
model.eval()
with torch.no_grad():
    logits, m_loss, masks = model(X)
    acc = (logits.argmax(1) == y).float().mean()
    importance = torch.stack(masks).sum(0).sum(0)
    importance = importance / importance.sum()
print(f"{acc.item():.4f}", importance, (masks[0] == 0).float().mean().item())
