"""A BERT-style masked language model as in pretraining scripts: padded batches with an
attention mask turned into src_key_padding_mask, 15% masking with torch.bernoulli and the 80/10/10
rule via torch.where and torch.randint_like, nn.TransformerEncoder (norm_first, gelu,
batch_first), tied input/output embeddings, cross_entropy with ignore_index=-100 and
label_smoothing, AdamW with parameter groups (no decay on biases/LayerNorm), OneCycleLR, and
top-k predictions for the masked positions."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
PAD, CLS, MASK, V = 0, 1, 2, 24
lengths = torch.tensor([9, 6, 12, 4, 10, 7])
batch = torch.randint(3, V, (6, 12))
batch[:, 0] = CLS
attn = torch.arange(12).unsqueeze(0) < lengths.unsqueeze(1)
batch = batch.masked_fill(~attn, PAD)
print(batch[:2], attn.sum(1))


def mask_tokens(ids, attn, p=0.15):
    labels = ids.clone()
    prob = torch.full(ids.shape, p)
    special = (ids == CLS) | ~attn
    prob.masked_fill_(special, 0.0)
    picked = torch.bernoulli(prob).bool()
    labels[~picked] = -100
    replace = torch.bernoulli(torch.full(ids.shape, 0.8)).bool() & picked
    ids = torch.where(replace, torch.full_like(ids, MASK), ids)
    rand = torch.bernoulli(torch.full(ids.shape, 0.5)).bool() & picked & ~replace
    ids = torch.where(rand, torch.randint_like(ids, 3, V), ids)
    return ids, labels


class MLM(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.tok = nn.Embedding(V, d, padding_idx=PAD)
        self.pos = nn.Parameter(torch.zeros(1, 12, d))
        nn.init.trunc_normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(d, 4, 64, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, V)
        self.head.weight = self.tok.weight  # tied

    def forward(self, ids, attn):
        h = self.tok(ids) + self.pos[:, : ids.size(1)]
        h = self.enc(h, src_key_padding_mask=~attn)
        return self.head(self.norm(h))


model = MLM()
print(model.head.weight is model.tok.weight, sum(p.numel() for p in model.parameters()))
decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                         {"params": no_decay, "weight_decay": 0.0}], lr=3e-3)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=20, pct_start=0.25)
for step in range(20):
    ids, labels = mask_tokens(batch, attn)
    logits = model(ids, attn)
    loss = F.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100,
                           label_smoothing=0.1)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if step % 5 == 0:
        n = (labels != -100).sum().item()
        print(step, n, f"{loss.item():.5f}", [f"{g['lr']:.6f}" for g in opt.param_groups])

model.eval()
with torch.no_grad():
    ids, labels = mask_tokens(batch, attn)
    logits = model(ids, attn)
    where = (labels != -100).nonzero(as_tuple=True)
    top = logits[where].topk(3, dim=-1)
    print(where[0].tolist(), labels[where].tolist())
    print(top.indices[:4], top.values[:4])
    acc = (logits.argmax(-1)[where] == labels[where]).float().mean()
    print("masked acc", acc.item())
    out = model.enc(model.tok(batch), src_key_padding_mask=~attn)
    print(out.shape, out[3, :5].norm(dim=-1))
