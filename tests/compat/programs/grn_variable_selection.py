"""The Temporal Fusion Transformer's building blocks as its reference implementations write
them: a gated linear unit (F.glu and a hand-written sigmoid gate), the gated residual network
(ELU, dropout, GLU, skip projection when sizes differ, LayerNorm of residual + gated), optional
static context added before the ELU, variable selection networks producing softmax weights over
per-variable GRNs (torch.stack then weighted sum), an LSTM encoder, interpretable multi-head
attention that averages its heads' attention, and quantile (pinball) loss for P10/P50/P90."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(4)


class GLU(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.fc = nn.Linear(d_in, d_out * 2)

    def forward(self, x):
        return F.glu(self.fc(x), dim=-1)


class GatedResidualNetwork(nn.Module):
    def __init__(self, d_in, d_hidden, d_out, d_context=None, dropout=0.1):
        super().__init__()
        self.skip = nn.Linear(d_in, d_out) if d_in != d_out else None
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.context = nn.Linear(d_context, d_hidden, bias=False) if d_context else None
        self.elu = nn.ELU()
        self.fc2 = nn.Linear(d_hidden, d_hidden)
        self.dropout = nn.Dropout(dropout)
        self.gate = GLU(d_hidden, d_out)
        self.norm = nn.LayerNorm(d_out)

    def forward(self, x, c=None):
        residual = self.skip(x) if self.skip is not None else x
        h = self.fc1(x)
        if c is not None:
            h = h + self.context(c)
        h = self.fc2(self.elu(h))
        h = self.gate(self.dropout(h))
        return self.norm(residual + h)


class VariableSelectionNetwork(nn.Module):
    def __init__(self, n_vars, d_model, d_context=None):
        super().__init__()
        self.flat_grn = GatedResidualNetwork(n_vars * d_model, d_model, n_vars, d_context)
        self.var_grns = nn.ModuleList([GatedResidualNetwork(d_model, d_model, d_model)
                                       for _ in range(n_vars)])

    def forward(self, embs, c=None):
        # embs: [..., n_vars, d_model]
        flat = embs.flatten(-2)
        weights = torch.softmax(self.flat_grn(flat, c), dim=-1).unsqueeze(-1)
        processed = torch.stack([g(embs[..., i, :]) for i, g in enumerate(self.var_grns)], dim=-2)
        return (weights * processed).sum(-2), weights.squeeze(-1)


class InterpretableMultiHeadAttention(nn.Module):
    def __init__(self, d_model, n_head):
        super().__init__()
        self.d_k = d_model // n_head
        self.n_head = n_head
        self.q = nn.ModuleList([nn.Linear(d_model, self.d_k) for _ in range(n_head)])
        self.k = nn.ModuleList([nn.Linear(d_model, self.d_k) for _ in range(n_head)])
        self.v = nn.Linear(d_model, self.d_k)   # shared across heads
        self.out = nn.Linear(self.d_k, d_model)

    def forward(self, q, k, v, mask=None):
        heads, attns = [], []
        vs = self.v(v)
        for i in range(self.n_head):
            scores = self.q[i](q) @ self.k[i](k).transpose(-2, -1) / self.d_k ** 0.5
            if mask is not None:
                scores = scores.masked_fill(mask == 0, -1e9)
            attn = F.softmax(scores, dim=-1)
            heads.append(attn @ vs)
            attns.append(attn)
        return self.out(torch.stack(heads).mean(0)), torch.stack(attns).mean(0)


class TFTLite(nn.Module):
    def __init__(self, n_vars=3, d=16, horizon=4, quantiles=(0.1, 0.5, 0.9)):
        super().__init__()
        self.var_proj = nn.ModuleList([nn.Linear(1, d) for _ in range(n_vars)])
        self.static_emb = nn.Embedding(5, d)
        self.static_ctx = GatedResidualNetwork(d, d, d)
        self.vsn = VariableSelectionNetwork(n_vars, d, d_context=d)
        self.lstm = nn.LSTM(d, d, batch_first=True)
        self.post_lstm = GatedResidualNetwork(d, d, d)
        self.attn = InterpretableMultiHeadAttention(d, 4)
        self.post_attn = GatedResidualNetwork(d, d, d)
        self.head = nn.Linear(d, horizon * len(quantiles))
        self.horizon, self.nq = horizon, len(quantiles)

    def forward(self, x, sid):
        B, T, V = x.shape
        embs = torch.stack([p(x[..., i:i + 1]) for i, p in enumerate(self.var_proj)], dim=-2)
        c = self.static_ctx(self.static_emb(sid))
        sel, w = self.vsn(embs, c.unsqueeze(1).expand(-1, T, -1))
        h0 = c.unsqueeze(0)
        out, _ = self.lstm(sel, (h0, torch.zeros_like(h0)))
        out = self.post_lstm(out + sel)
        causal = torch.tril(torch.ones(T, T))
        a, attn = self.attn(out, out, out, mask=causal)
        z = self.post_attn(a + out)
        return self.head(z[:, -1]).view(B, self.horizon, self.nq), w, attn


def quantile_loss(pred, target, quantiles=(0.1, 0.5, 0.9)):
    losses = []
    for i, q in enumerate(quantiles):
        errors = target - pred[..., i]
        losses.append(torch.max((q - 1) * errors, q * errors).unsqueeze(-1))
    return torch.mean(torch.sum(torch.cat(losses, dim=-1), dim=-1))


grn = GatedResidualNetwork(4, 8, 6)
print(grn)
print("glu matches gate", torch.allclose(F.glu(torch.arange(6.).view(1, 6)),
                                         torch.arange(3.) * torch.sigmoid(torch.arange(3., 6.))))

# series: target depends on var 0 (lagged) and the static id; var 2 is noise
N, T, H = 128, 12, 4
sid = torch.randint(0, 5, (N,))
t = torch.arange(T + H).float()
base = torch.sin(t / 2 + sid[:, None].float()) + 0.3 * sid[:, None]
drivers = torch.stack([base, torch.cos(t / 3).expand(N, -1), torch.randn(N, T + H)], -1)
x, y = drivers[:, :T], base[:, T:] + 0.1 * torch.randn(N, H)
model = TFTLite()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(15):
    model.train()
    pred, w, _ = model(x, sid)
    loss = quantile_loss(pred, y)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 0.1 * 10)
    opt.step()
    if epoch % 3 == 0:
        print(f"epoch {epoch} quantile loss {loss.item():.4f}")
model.eval()
with torch.no_grad():
    pred, w, attn = model(x, sid)
    coverage = ((y >= pred[..., 0]) & (y <= pred[..., 2])).float().mean()
print("P10-P90 coverage", coverage.item())
print("mean variable weights", w.mean((0, 1)))
print("attention row 5", attn[0, 5, :7])
print("quantiles ordered", (pred[..., 0] <= pred[..., 2]).float().mean().item())
