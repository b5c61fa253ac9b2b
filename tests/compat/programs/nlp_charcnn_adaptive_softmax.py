"""A character-aware language model (Kim et al. 2016) with an adaptive softmax: words spelled as
padded character ids, a char Conv1d run over (batch*time, chars) via view, max over characters,
a highway layer with a sigmoid transform gate, an LSTM, and nn.AdaptiveLogSoftmaxWithLoss with
frequency-sorted cutoffs (output/loss, log_prob, predict), trained a few steps."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(31)
N_CHARS, MAX_W, VOCAB = 20, 6, 40


class Highway(nn.Module):
    def __init__(self, size, num_layers=1):
        super().__init__()
        self.nonlinear = nn.ModuleList(nn.Linear(size, size) for _ in range(num_layers))
        self.gate = nn.ModuleList(nn.Linear(size, size) for _ in range(num_layers))
        for g in self.gate:
            nn.init.constant_(g.bias, -2.0)

    def forward(self, x):
        for nonlinear, gate in zip(self.nonlinear, self.gate):
            t = torch.sigmoid(gate(x))
            x = t * F.relu(nonlinear(x)) + (1 - t) * x
        return x


class CharAwareLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.char_emb = nn.Embedding(N_CHARS, 8, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(8, 10, 2), nn.Conv1d(8, 14, 3)])
        self.highway = Highway(24, 2)
        self.lstm = nn.LSTM(24, 32, batch_first=True)
        self.drop = nn.Dropout(0.25)
        self.asm = nn.AdaptiveLogSoftmaxWithLoss(32, VOCAB, cutoffs=[8, 20], div_value=2.0)

    def features(self, chars):
        B, T, W = chars.shape
        x = self.char_emb(chars.reshape(B * T, W)).transpose(1, 2)
        feats = [torch.tanh(conv(x)).max(dim=2)[0] for conv in self.convs]
        h = self.highway(torch.cat(feats, dim=1)).view(B, T, -1)
        out, _ = self.lstm(h)
        return self.drop(out)


spelling = torch.randint(1, N_CHARS, (VOCAB, MAX_W))
spelling *= torch.arange(MAX_W)[None] < torch.randint(2, MAX_W + 1, (VOCAB, 1))
freq = torch.distributions.Categorical(probs=1.0 / torch.arange(1, VOCAB + 1).float())
words = freq.sample((4, 13))
print("word ids", words[0].tolist())
chars = spelling[words]
print("chars", tuple(chars.shape), chars[0, 0].tolist())
model = CharAwareLM()
print(model.asm)
print("head", model.asm.head.weight.shape, [tuple(c[0].weight.shape) for c in model.asm.tail])
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(8):
    model.train()
    h = model.features(chars[:, :-1]).reshape(-1, 32)
    out = model.asm(h, words[:, 1:].reshape(-1))
    opt.zero_grad()
    out.loss.backward()
    opt.step()
    print(f"step {step} loss {out.loss.item():.5f} out {out.output[:3].tolist()}")
model.eval()
with torch.no_grad():
    h = model.features(chars[:, :-1]).reshape(-1, 32)
    lp = model.asm.log_prob(h)
    print("log_prob", tuple(lp.shape), "sums to one", torch.allclose(lp.exp().sum(1),
                                                                     torch.ones(lp.size(0))))
    tgt = words[:, 1:].reshape(-1)
    print("consistent", torch.allclose(lp.gather(1, tgt[:, None]).squeeze(1),
                                       model.asm(h, tgt).output, atol=1e-5))
    pred = model.asm.predict(h)
    print("predict == argmax", torch.equal(pred, lp.argmax(1)), pred[:8].tolist())
    print("gate", round(torch.sigmoid(model.highway.gate[0].bias).mean().item(), 5))
