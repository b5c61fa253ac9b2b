"""Speculative sampling (Leviathan et al. / Chen et al.) the way the reference snippets write it:
a small draft model proposes gamma tokens with torch.multinomial, the target model scores them in
one forward pass, each token is accepted with probability min(1, p/q) via torch.rand, the first
rejection resamples from the normalised residual clamp(p - q, min=0), and an extra token is
sampled when all are accepted; acceptance counts and outputs under a fixed seed."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(13)
V = 12


class LM(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.emb = nn.Embedding(V, d)
        self.pos = nn.Parameter(torch.randn(32, d) * 0.1)
        layer = nn.TransformerEncoderLayer(d, 2, 2 * d, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.out = nn.Linear(d, V)

    def forward(self, ids):
        T = ids.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(T)
        return self.out(self.enc(self.emb(ids) + self.pos[:T], mask=mask, is_causal=True))


target, draft = LM(24), LM(8)
data = torch.randint(0, V, (16, 10))
data[:, 1::2] = (data[:, 0::2] + 1) % V
for model, lr in ((target, 1e-2), (draft, 1e-2)):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(15):
        loss = F.cross_entropy(model(data[:, :-1]).transpose(1, 2), data[:, 1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"{sum(p.numel() for p in model.parameters())} params, loss {loss.item():.5f}")
target.eval()
draft.eval()


def norm_probs(logits, temperature=1.0):
    return F.softmax(logits / temperature, dim=-1)


@torch.no_grad()
def speculative_generate(prefix, new_tokens, gamma=3):
    seq = prefix.clone()
    accepted_total, drafted_total = 0, 0
    while seq.size(1) < prefix.size(1) + new_tokens:
        draft_seq, qs = seq, []
        for _ in range(gamma):
            q = norm_probs(draft(draft_seq)[:, -1])
            tok = torch.multinomial(q, 1)
            qs.append(q)
            draft_seq = torch.cat([draft_seq, tok], dim=1)
        p_all = norm_probs(target(draft_seq))
        n = seq.size(1)
        accepted = 0
        for i in range(gamma):
            tok = draft_seq[0, n + i]
            p = p_all[0, n + i - 1, tok]
            q = qs[i][0, tok]
            r = torch.rand(1)
            if r < torch.minimum(torch.tensor(1.0), p / q):
                accepted += 1
            else:
                residual = torch.clamp(p_all[:, n + i - 1] - qs[i], min=0)
                residual = residual / residual.sum(dim=-1, keepdim=True)
                t = torch.multinomial(residual, 1)
                seq = torch.cat([draft_seq[:, :n + i], t], dim=1)
                break
        else:
            t = torch.multinomial(p_all[:, -1], 1)
            seq = torch.cat([draft_seq, t], dim=1)
        accepted_total += accepted
        drafted_total += gamma
    return seq[:, :prefix.size(1) + new_tokens], accepted_total, drafted_total


torch.manual_seed(100)
out, acc, drafted = speculative_generate(torch.tensor([[3, 4]]), 12)
print("speculative", out.tolist(), f"accepted {acc}/{drafted}")
torch.manual_seed(100)
seq = torch.tensor([[3, 4]])
with torch.no_grad():
    for _ in range(12):
        seq = torch.cat([seq, torch.multinomial(norm_probs(target(seq)[:, -1]), 1)], 1)
print("plain sampling", seq.tolist())
with torch.no_grad():
    p = norm_probs(target(torch.tensor([[3, 4, 5]]))[:, -1])
    q = norm_probs(draft(torch.tensor([[3, 4, 5]]))[:, -1])
print("total variation", round(0.5 * (p - q).abs().sum().item(), 5),
      "acceptance rate", round(torch.minimum(p, q).sum().item(), 5))
