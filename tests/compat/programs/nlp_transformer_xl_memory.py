"""Transformer-XL style segment recurrence: hidden states of the previous segment kept as
detached memory and concatenated to the keys, sinusoidal relative position embeddings, the
_rel_shift trick (F.pad with a zero column, view, slice, view_as), learned u/v biases, a causal
mask shifted by the memory length with torch.triu(diagonal=1 + mlen), and training over
consecutive segments with the memory carried across steps."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(24)
D, H, V, SEG, MEM = 16, 2, 20, 5, 5
DH = D // H


class PositionalEmbedding(nn.Module):
    def __init__(self, demb):
        super().__init__()
        inv_freq = 1 / (10000 ** (torch.arange(0.0, demb, 2.0) / demb))
        self.register_buffer("inv_freq", inv_freq)

    def forward(self, pos_seq):
        sinusoid_inp = torch.ger(pos_seq, self.inv_freq)
        return torch.cat([sinusoid_inp.sin(), sinusoid_inp.cos()], dim=-1)[:, None, :]


def rel_shift(x):
    zero_pad = torch.zeros((x.size(0), 1, *x.size()[2:]), dtype=x.dtype)
    x_padded = torch.cat([zero_pad, x], dim=1)
    x_padded = x_padded.view(x.size(1) + 1, x.size(0), *x.size()[2:])
    return x_padded[1:].view_as(x)


def rel_shift_pad(x):
    qlen, klen = x.shape[:2]
    x = F.pad(x.permute(2, 3, 0, 1), (1, 0))
    x = x.reshape(*x.shape[:2], klen + 1, qlen)[:, :, 1:].reshape(x.shape[0], x.shape[1], qlen,
                                                                   klen)
    return x.permute(2, 3, 0, 1)


class RelMultiHeadAttn(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv_net = nn.Linear(D, 3 * D, bias=False)
        self.r_net = nn.Linear(D, D, bias=False)
        self.o_net = nn.Linear(D, D, bias=False)
        self.layer_norm = nn.LayerNorm(D)
        self.scale = 1 / math.sqrt(DH)

    def forward(self, w, r, r_w_bias, r_r_bias, attn_mask, mems):
        qlen, bsz = w.size(0), w.size(1)
        cat = torch.cat([mems, w], 0) if mems is not None else w
        w_heads = self.qkv_net(cat)
        r_head_k = self.r_net(r)
        w_head_q, w_head_k, w_head_v = torch.chunk(w_heads, 3, dim=-1)
        w_head_q = w_head_q[-qlen:]
        klen = w_head_k.size(0)
        w_head_q = w_head_q.view(qlen, bsz, H, DH)
        w_head_k = w_head_k.view(klen, bsz, H, DH)
        w_head_v = w_head_v.view(klen, bsz, H, DH)
        r_head_k = r_head_k.view(klen, H, DH)
        AC = torch.einsum("ibnd,jbnd->ijbn", (w_head_q + r_w_bias, w_head_k))
        BD = rel_shift(torch.einsum("ibnd,jnd->ijbn", (w_head_q + r_r_bias, r_head_k)))
        attn_score = (AC + BD) * self.scale
        attn_score = attn_score.float().masked_fill(attn_mask[:, :, :, None], -float("inf"))
        attn_prob = F.softmax(attn_score, dim=1)
        attn_vec = torch.einsum("ijbn,jbnd->ibnd", (attn_prob, w_head_v))
        attn_vec = attn_vec.contiguous().view(qlen, bsz, D)
        return self.layer_norm(w + self.o_net(attn_vec))


class TransfoXL(nn.Module):
    def __init__(self, n_layer=2):
        super().__init__()
        self.emb = nn.Embedding(V, D)
        self.pos_emb = PositionalEmbedding(D)
        self.r_w_bias = nn.Parameter(torch.zeros(H, DH))
        self.r_r_bias = nn.Parameter(torch.zeros(H, DH))
        self.layers = nn.ModuleList(RelMultiHeadAttn() for _ in range(n_layer))
        self.ff = nn.ModuleList(nn.Sequential(nn.Linear(D, 32), nn.ReLU(), nn.Linear(32, D))
                                for _ in range(n_layer))
        self.out = nn.Linear(D, V)

    def init_mems(self):
        return [torch.empty(0) for _ in range(len(self.layers) + 1)]

    def update_mems(self, hids, mems, qlen, mlen):
        with torch.no_grad():
            new_mems = []
            end_idx = mlen + max(0, qlen)
            beg_idx = max(0, end_idx - MEM)
            for i in range(len(hids)):
                cat = torch.cat([mems[i], hids[i]], dim=0) if mems[i].numel() else hids[i]
                new_mems.append(cat[beg_idx:end_idx].detach())
        return new_mems

    def forward(self, data, mems):
        qlen, bsz = data.shape
        mlen = mems[0].size(0) if mems[0].numel() else 0
        klen = mlen + qlen
        dec_attn_mask = torch.triu(torch.ones(qlen, klen, dtype=torch.bool),
                                   diagonal=1 + mlen)[:, :, None]
        pos_seq = torch.arange(klen - 1, -1, -1.0)
        pos_emb = self.pos_emb(pos_seq)
        core = self.emb(data) * math.sqrt(D)
        hids = [core]
        for i, (layer, ff) in enumerate(zip(self.layers, self.ff)):
            m = mems[i] if mlen else None
            core = layer(core, pos_emb, self.r_w_bias, self.r_r_bias, dec_attn_mask, m)
            core = core + ff(core)
            hids.append(core)
        return self.out(core), self.update_mems(hids, mems, qlen, mlen)


x = torch.randn(4, 6, 2, 3)
print("rel_shift agree", torch.equal(rel_shift(x), rel_shift_pad(x)), rel_shift(
    torch.arange(12.0).view(3, 4, 1, 1))[..., 0, 0].tolist())
model = TransfoXL()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
stream = torch.randint(0, V, (31, 3))
for epoch in range(3):
    mems = model.init_mems()
    total = 0.0
    for i in range(0, 30, SEG):
        inp, tgt = stream[i:i + SEG], stream[i + 1:i + 1 + SEG]
        logits, mems = model(inp, mems)
        loss = F.cross_entropy(logits.view(-1, V), tgt.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    print(f"epoch {epoch} mean loss {total / 6:.5f} mem shapes {[tuple(m.shape) for m in mems][:2]}"
          f" requires_grad {mems[1].requires_grad}")
