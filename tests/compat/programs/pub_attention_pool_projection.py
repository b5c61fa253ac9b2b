"""Attention pooling as image-text models use it in place of a global average: the mean of the
feature map's positions is the single query over all positions, with separate q/k/v weights
passed to `F.multi_head_attention_forward` and an output projection to a smaller embedding
width than the channels. The pooled embeddings feed a contrastive loss trained with AdamW."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class AttnPool(nn.Module):
    def __init__(self, side, channels, heads, out_dim):
        super().__init__()
        self.pos = nn.Parameter(torch.randn(side * side + 1, channels) / channels ** 0.5)
        self.q, self.k, self.v = (nn.Linear(channels, channels) for _ in range(3))
        self.proj = nn.Linear(channels, out_dim)
        self.heads = heads

    def forward(self, fmap, need_weights=False):
        x = fmap.flatten(start_dim=2).permute(2, 0, 1)
        x = torch.cat([x.mean(dim=0, keepdim=True), x], dim=0) + self.pos[:, None, :]
        out, w = F.multi_head_attention_forward(
            query=x[:1], key=x, value=x, embed_dim_to_check=x.shape[-1], num_heads=self.heads,
            q_proj_weight=self.q.weight, k_proj_weight=self.k.weight, v_proj_weight=self.v.weight,
            in_proj_weight=None, in_proj_bias=torch.cat([self.q.bias, self.k.bias, self.v.bias]),
            bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
            out_proj_weight=self.proj.weight, out_proj_bias=self.proj.bias,
            use_separate_proj_weight=True, training=self.training, need_weights=need_weights)
        return out.squeeze(0), w


pool = AttnPool(side=3, channels=16, heads=4, out_dim=6)
text = nn.Embedding(10, 6)
fmap = torch.randn(5, 16, 3, 3)
emb, _ = pool(fmap)
print("pooled", tuple(emb.shape), round(emb.sum().item(), 5))
emb2, w = pool(fmap, need_weights=True)
print("weights", tuple(w.shape), round(w.sum().item(), 5), round((emb - emb2).abs().max().item(), 6))

opt = torch.optim.AdamW([*pool.parameters(), *text.parameters()], lr=1e-2, weight_decay=0.1)
labels = torch.arange(5)
for step in range(4):
    img = F.normalize(pool(fmap)[0], dim=-1)
    txt = F.normalize(text(labels), dim=-1)
    logits = 10.0 * img @ txt.t()
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.5f} proj grad {pool.proj.weight.grad.norm().item():.5f}")
print("matches", logits.argmax(-1).tolist())
