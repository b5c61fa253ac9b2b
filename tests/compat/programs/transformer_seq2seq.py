"""nn.Transformer encoder-decoder on a copy task: generate_square_subsequent_mask, padding masks,
positional embeddings, label smoothing, gradient clipping, a few optimizer steps and greedy decode."""
import torch
import torch.nn as nn

torch.manual_seed(0)
V, D, T = 12, 32, 7
emb = nn.Embedding(V, D)
pos = nn.Parameter(torch.randn(1, T, D) * 0.02)
model = nn.Transformer(d_model=D, nhead=4, num_encoder_layers=2, num_decoder_layers=2,
                       dim_feedforward=64, dropout=0.0, batch_first=True)
out = nn.Linear(D, V)
params = list(emb.parameters()) + [pos] + list(model.parameters()) + list(out.parameters())
opt = torch.optim.AdamW(params, lr=3e-3)
crit = nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=0)
mask = nn.Transformer.generate_square_subsequent_mask(T)
for step in range(15):
    src = torch.randint(1, V, (8, T))
    src[:, -2:] = 0
    tgt_in = torch.cat([torch.full((8, 1), 1), src[:, :-1]], 1)
    h = model(emb(src) + pos, emb(tgt_in) + pos, tgt_mask=mask,
              src_key_padding_mask=src == 0)
    loss = crit(out(h).reshape(-1, V), src.reshape(-1))
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    if step % 5 == 0:
        print(step, round(loss.item(), 4))
model.eval()
with torch.no_grad():
    src = torch.randint(1, V, (1, T))
    mem = model.encoder(emb(src) + pos)
    ys = torch.ones(1, 1, dtype=torch.long)
    for i in range(T - 1):
        h = model.decoder(emb(ys) + pos[:, :ys.size(1)], mem,
                          tgt_mask=nn.Transformer.generate_square_subsequent_mask(ys.size(1)))
        ys = torch.cat([ys, out(h[:, -1]).argmax(-1, keepdim=True)], 1)
print(mask)
print(ys.shape, ys.dtype)
