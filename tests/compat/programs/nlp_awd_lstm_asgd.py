"""AWD-LSTM regularisation idioms (Merity et al.): embedding dropout that zeroes whole rows of the
embedding matrix through a bernoulli_ mask and F.embedding, locked (variational) dropout with one
mask per sequence from new_empty().bernoulli_(), activation regularisation terms, and NT-ASGD:
switching from SGD to torch.optim.ASGD when validation stalls and evaluating with the averaged
weights in optimizer.state[p]['ax']."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(29)
V, E, HID = 30, 12, 16


def embedded_dropout(embed, words, dropout=0.1, scale=None):
    if dropout:
        mask = embed.weight.data.new().resize_((embed.weight.size(0), 1)).bernoulli_(
            1 - dropout).expand_as(embed.weight) / (1 - dropout)
        masked_embed_weight = mask * embed.weight
    else:
        masked_embed_weight = embed.weight
    if scale:
        masked_embed_weight = scale.expand_as(masked_embed_weight) * masked_embed_weight
    padding_idx = embed.padding_idx if embed.padding_idx is not None else -1
    return F.embedding(words, masked_embed_weight, padding_idx, embed.max_norm, embed.norm_type,
                       embed.scale_grad_by_freq, embed.sparse)


class LockedDropout(nn.Module):
    def forward(self, x, dropout=0.5):
        if not self.training or not dropout:
            return x
        m = x.data.new_empty(1, x.size(1), x.size(2)).bernoulli_(1 - dropout)
        mask = m.requires_grad_(False) / (1 - dropout)
        return mask.expand_as(x) * x


class AWDLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(V, E)
        self.lockdrop = LockedDropout()
        self.rnns = nn.ModuleList([nn.LSTM(E, HID), nn.LSTM(HID, E)])
        self.decoder = nn.Linear(E, V)
        self.decoder.weight = self.encoder.weight

    def forward(self, x, hidden):
        emb = embedded_dropout(self.encoder, x, dropout=0.1 if self.training else 0)
        out = self.lockdrop(emb, 0.3)
        new_hidden, raw_outputs, outputs = [], [], []
        for i, rnn in enumerate(self.rnns):
            out, h = rnn(out, hidden[i])
            new_hidden.append(h)
            raw_outputs.append(out)
            if i != len(self.rnns) - 1:
                out = self.lockdrop(out, 0.25)
                outputs.append(out)
        out = self.lockdrop(out, 0.4)
        outputs.append(out)
        return self.decoder(out), new_hidden, raw_outputs, outputs

    def init_hidden(self, bsz):
        return [(torch.zeros(1, bsz, HID), torch.zeros(1, bsz, HID)),
                (torch.zeros(1, bsz, E), torch.zeros(1, bsz, E))]


train = torch.randint(0, V, (61, 4))
valid = torch.randint(0, V, (21, 2))
model = AWDLSTM()
optimizer = torch.optim.SGD(model.parameters(), lr=2.0, weight_decay=1.2e-6)


def evaluate(data):
    model.eval()
    hidden = model.init_hidden(data.size(1))
    with torch.no_grad():
        out, _, _, _ = model(data[:-1], hidden)
        return F.cross_entropy(out.view(-1, V), data[1:].reshape(-1)).item()


best, switched = [], False
for epoch in range(8):
    model.train()
    hidden = model.init_hidden(4)
    for i in range(0, 60, 12):
        x, y = train[i:i + 12], train[i + 1:i + 13]
        hidden = [tuple(h.detach() for h in hc) for hc in hidden]
        out, hidden, raw, drops = model(x, hidden)
        loss = F.cross_entropy(out.view(-1, V), y.reshape(-1))
        ar = 2.0 * drops[-1].pow(2).mean()
        tar = 1.0 * (raw[-1][1:] - raw[-1][:-1]).pow(2).mean()
        optimizer.zero_grad()
        (loss + ar + tar).backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        optimizer.step()
    if switched:
        saved = {}
        for p in model.parameters():
            saved[p] = p.data.clone()
            p.data = optimizer.state[p]["ax"].clone()
        val = evaluate(valid)
        for p in model.parameters():
            p.data = saved[p].clone()
    else:
        val = evaluate(valid)
    print(f"epoch {epoch} {type(optimizer).__name__} train {loss.item():.5f} ar {ar.item():.5f} "
          f"tar {tar.item():.5f} val {val:.5f}")
    if not switched and len(best) > 2 and val > min(best[:-2]) or epoch == 4 and not switched:
        print("switching to ASGD")
        optimizer = torch.optim.ASGD(model.parameters(), lr=2.0, t0=0, lambd=0.0,
                                     weight_decay=1.2e-6)
        switched = True
    best.append(val)
st = optimizer.state[model.decoder.bias]
print(sorted(st), [round(float(st[k]), 5) for k in ("eta", "mu", "step")])
print(optimizer.state_dict()["param_groups"][0]["t0"], round(st["ax"].norm().item(), 5))
