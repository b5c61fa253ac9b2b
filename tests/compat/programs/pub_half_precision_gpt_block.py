"""A GPT-2 style block kept in low precision, as public inference and training scripts run it:
the attention projections as Hugging Face's ``Conv1D`` (``torch.addmm(bias, x, weight)``), the
scores by ``torch.baddbmm`` with ``beta=0`` and a scale, an MLP of ``nn.Linear`` layers with
biases and a 1x1 ``nn.Conv1d``; the model cast to bfloat16 (then float16) with ``.to(dtype)``.
The printed tensors show every last bit of the low-precision results (and of two bias
gradients in bfloat16)."""
# compat: exact
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Conv1D(nn.Module):
    def __init__(self, nf, nx):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(nx, nf) * 0.2)
        self.bias = nn.Parameter(torch.randn(nf) * 0.2)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.weight.size(-1),)
        return torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight).view(size_out)


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.c_attn = Conv1D(3 * d, d)
        self.c_proj = Conv1D(d, d)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)
        self.mix = nn.Conv1d(d, d, 1)
        self.ln = nn.LayerNorm(d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.c_attn(self.ln(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, -1).transpose(1, 2).reshape(b * self.heads, t, -1)
                   for z in (q, k, v))
        empty = torch.empty(b * self.heads, t, t, dtype=q.dtype)
        scores = torch.baddbmm(empty, q, k.transpose(1, 2), beta=0,
                               alpha=1 / math.sqrt(q.size(-1)))
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        att = scores.masked_fill(mask, float("-inf")).softmax(-1)
        y = (att @ v).view(b, self.heads, t, -1).transpose(1, 2).reshape(b, t, d)
        x = x + self.c_proj(y)
        x = x + self.out(F.gelu(self.fc(x), approximate="tanh"))
        return x + self.mix(x.transpose(1, 2)).transpose(1, 2)


torch.manual_seed(0)
template = Block(16, 2)
x32 = torch.randn(2, 5, 16)
torch.set_printoptions(precision=6)
for dtype in (torch.bfloat16, torch.float16):
    block = Block(16, 2)
    block.load_state_dict(template.state_dict())
    block.to(dtype)
    x = x32.to(dtype)
    y = block(x)
    print(dtype, y.dtype, tuple(y.shape))
    print(y[0, :2, :8])
    loss = y.float().square().mean()
    print("loss", round(loss.item(), 5))
    with torch.no_grad():
        print(torch.addmv(block.out.bias, block.out.weight, y[0, 0].repeat(4))[:6])
        print(torch.addmm(block.c_proj.bias, y[1], block.c_proj.weight, beta=0.5, alpha=2)[0, :6])
    if dtype is torch.bfloat16:  # (float16 gradients are not compared here)
        loss.backward()
        print(block.fc.bias.grad[:6])
        print(block.mix.bias.grad[:6])
