"""An AWD-LSTM-style language model: DropConnect on the recurrent weights (the LSTM's
`weight_hh_l0` parameter is deleted, a raw copy registered, and a dropped copy set as the
attribute before every forward), variational (locked) dropout between layers, and embedding
dropout; a few SGD steps with gradient clipping on random tokens, then evaluation without
dropout. A second LSTM gets `nn.utils.weight_norm` on its recurrent weight."""
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter("ignore")  # weight_norm's deprecation note
torch.manual_seed(0)


class WeightDrop(nn.Module):
    def __init__(self, rnn, names, p):
        super().__init__()
        self.rnn, self.names, self.p = rnn, names, p
        for name in names:
            weight = getattr(rnn, name)
            del rnn._parameters[name]
            rnn.register_parameter(name + "_raw", nn.Parameter(weight.data))

    def forward(self, *args):
        for name in self.names:
            raw = getattr(self.rnn, name + "_raw")
            setattr(self.rnn, name, F.dropout(raw, p=self.p, training=self.training))
        return self.rnn(*args)


def locked_dropout(x, p, training):
    if not training or p == 0:
        return x
    mask = x.new_empty(1, x.size(1), x.size(2)).bernoulli_(1 - p) / (1 - p)
    return x * mask


class LM(nn.Module):
    def __init__(self, vocab=20, emb=8, hidden=12):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.rnn1 = WeightDrop(nn.LSTM(emb, hidden), ["weight_hh_l0"], p=0.3)
        self.rnn2 = nn.utils.weight_norm(nn.LSTM(hidden, emb), "weight_hh_l0")
        self.out = nn.Linear(emb, vocab)
        self.out.weight = self.embed.weight  # tied

    def forward(self, tokens):
        w = self.embed.weight
        if self.training:  # embedding dropout: whole rows of the table
            keep = w.new_empty(w.size(0), 1).bernoulli_(0.9) / 0.9
            w = w * keep
        x = F.embedding(tokens, w)
        h, _ = self.rnn1(locked_dropout(x, 0.2, self.training))
        h, _ = self.rnn2(locked_dropout(h, 0.2, self.training))
        return self.out(locked_dropout(h, 0.2, self.training))


model = LM()
print("parameters", sorted(n for n, _ in model.named_parameters()))
data = torch.randint(0, 20, (9, 4))
opt = torch.optim.SGD(model.parameters(), lr=1.0)
for step in range(4):
    model.train()
    logits = model(data[:-1])
    loss = F.cross_entropy(logits.reshape(-1, 20), data[1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), 0.25)
    opt.step()
    raw = model.rnn1.rnn.weight_hh_l0_raw
    print(f"step {step} loss {loss.item():.5f} grad norm {norm.item():.5f} raw {raw.sum().item():.5f}")
model.eval()
with torch.no_grad():
    val = F.cross_entropy(model(data[:-1]).reshape(-1, 20), data[1:].reshape(-1))
print(f"eval loss {val.item():.5f} ppl {val.exp().item():.4f}")
