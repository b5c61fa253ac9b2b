"""A pointer-generator summariser (See et al. 2017): attention over encoder states, a generation
probability p_gen from sigmoid, the vocabulary distribution extended with zeros for in-article
OOV words, attention mass added to it with scatter_add, coverage accumulated across decoder steps
with the coverage loss sum(min(attn, coverage)), and NLL of the gold token gathered from the final
distribution."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(27)
V, H, EXTRA = 15, 16, 3


class PointerGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, H)
        self.encoder = nn.LSTM(H, H // 2, batch_first=True, bidirectional=True)
        self.decoder = nn.LSTMCell(2 * H, H)
        self.W_h = nn.Linear(H, H, bias=False)
        self.W_s = nn.Linear(H, H)
        self.w_c = nn.Linear(1, H, bias=False)
        self.v = nn.Linear(H, 1, bias=False)
        self.p_gen = nn.Linear(3 * H, 1)
        self.out = nn.Sequential(nn.Linear(2 * H, H), nn.Linear(H, V))

    def forward(self, src_vocab_ids, src_ext_ids, tgt_in, tgt_out, src_mask):
        enc, _ = self.encoder(self.emb(src_vocab_ids))
        B, S, _ = enc.shape
        enc_feat = self.W_h(enc)
        h = enc.mean(1)
        c = torch.zeros_like(h)
        context = torch.zeros(B, H)
        coverage = torch.zeros(B, S)
        nll, cov_loss, p_gens = [], [], []
        for t in range(tgt_in.size(1)):
            x = torch.cat([self.emb(tgt_in[:, t]), context], dim=1)
            h, c = self.decoder(x, (h, c))
            e = self.v(torch.tanh(enc_feat + self.W_s(h)[:, None]
                                  + self.w_c(coverage[..., None]))).squeeze(-1)
            e = e.masked_fill(~src_mask, float("-inf"))
            attn = F.softmax(e, dim=1)
            cov_loss.append(torch.sum(torch.min(attn, coverage), dim=1))
            coverage = coverage + attn
            context = torch.bmm(attn[:, None], enc).squeeze(1)
            p_gen = torch.sigmoid(self.p_gen(torch.cat([context, h, x[:, :H]], dim=1)))
            vocab_dist = F.softmax(self.out(torch.cat([h, context], 1)), dim=1) * p_gen
            extended = torch.cat([vocab_dist, torch.zeros(B, EXTRA)], dim=1)
            final = extended.scatter_add(1, src_ext_ids, (1 - p_gen) * attn)
            gold = torch.gather(final, 1, tgt_out[:, t:t + 1]).squeeze(1)
            nll.append(-torch.log(gold + 1e-12))
            p_gens.append(p_gen.squeeze(1))
        nll = torch.stack(nll, 1).mean()
        cov = torch.stack(cov_loss, 1).mean()
        return nll, cov, torch.stack(p_gens, 1)


B, S, T = 4, 7, 5
src_ext = torch.randint(2, V + EXTRA, (B, S))
src_mask = torch.ones(B, S, dtype=torch.bool)
src_mask[1, 5:] = False
src_mask[3, 4:] = False
src_vocab = src_ext.masked_fill(src_ext >= V, 1)
tgt_out = torch.gather(src_ext, 1, torch.randint(0, 4, (B, T)))
tgt_in = torch.cat([torch.zeros(B, 1, dtype=torch.long), tgt_out[:, :-1]], 1).masked_fill(
    torch.cat([torch.zeros(B, 1, dtype=torch.long), tgt_out[:, :-1]], 1) >= V, 1)
print("OOV positions", (src_ext >= V).sum().item(), "targets OOV", (tgt_out >= V).sum().item())
model = PointerGenerator()
opt = torch.optim.Adagrad(model.parameters(), lr=0.15, initial_accumulator_value=0.1)
for step in range(10):
    nll, cov, p_gens = model(src_vocab, src_ext, tgt_in, tgt_out, src_mask)
    loss = nll + 1.0 * cov
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 2.0)
    opt.step()
    print(f"step {step} nll {nll.item():.5f} cov {cov.item():.5f} p_gen {p_gens.mean().item():.4f}")
x = torch.zeros(2, 5).scatter_add(1, torch.tensor([[0, 1, 1], [4, 4, 4]]), torch.ones(2, 3))
print(x, torch.zeros(5).scatter_add_(0, torch.tensor([1, 1, 3]), torch.tensor([0.5, 0.25, 1.0])))
