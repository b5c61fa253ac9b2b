"""CTC for speech the way ASR recipes write it: a Conv1d front end with stride over log-mel-like
features, a bidirectional GRU, log_softmax transposed to (T, N, C), nn.CTCLoss with per-utterance
input lengths (computed from conv arithmetic), concatenated 1-D targets, zero_infinity=True,
reduction='none' versus 'mean', and greedy decoding with torch.unique_consecutive; a character
error rate through an edit distance."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(9)
BLANK, C = 0, 8


class ASR(nn.Module):
    def __init__(self, n_mels=10):
        super().__init__()
        self.conv = nn.Conv1d(n_mels, 16, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm1d(16)
        self.rnn = nn.GRU(16, 12, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(24, C)

    def forward(self, feats, feat_lens):
        x = F.relu(self.bn(self.conv(feats)))
        out_lens = torch.div(feat_lens + 2 * 1 - 3, 2, rounding_mode="floor") + 1
        x, _ = self.rnn(x.transpose(1, 2))
        return self.fc(x).log_softmax(-1).transpose(0, 1), out_lens


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, cb in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (ca != cb))
    return d[-1]


def greedy_decode(log_probs, lens):
    best = log_probs.argmax(-1).transpose(0, 1)
    hyps = []
    for seq, n in zip(best, lens):
        collapsed = torch.unique_consecutive(seq[:n])
        hyps.append(collapsed[collapsed != BLANK].tolist())
    return hyps


feat_lens = torch.tensor([24, 20, 17, 24])
feats = torch.randn(4, 10, 24) * (torch.arange(24) < feat_lens[:, None, None])
target_lens = torch.tensor([4, 3, 5, 2])
targets = torch.randint(1, C, (int(target_lens.sum()),))
model = ASR()
ctc = nn.CTCLoss(blank=BLANK, zero_infinity=True)
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(10):
    log_probs, out_lens = model(feats, feat_lens)
    loss = ctc(log_probs, targets, out_lens, target_lens)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f"step {step} ctc {loss.item():.5f} T={log_probs.shape[0]} lens={out_lens.tolist()}")

model.eval()
with torch.no_grad():
    log_probs, out_lens = model(feats, feat_lens)
    per_utt = F.ctc_loss(log_probs, targets, out_lens, target_lens, reduction="none")
    print("per utterance", [round(v, 4) for v in per_utt.tolist()])
    mean = F.ctc_loss(log_probs, targets, out_lens, target_lens, reduction="mean")
    print("mean == (per/len).mean", torch.allclose(mean, (per_utt / target_lens).mean()))
    print("sum", round(F.ctc_loss(log_probs, targets, out_lens, target_lens,
                                  reduction="sum").item(), 4))
    impossible = F.ctc_loss(log_probs[:2, :1], targets[:4].view(1, 4), torch.tensor([2]),
                            torch.tensor([4]), reduction="none", zero_infinity=False)
    print("impossible alignment", impossible)
hyps = greedy_decode(log_probs, out_lens)
refs = torch.split(targets, target_lens.tolist())
errs = sum(edit_distance(h, r.tolist()) for h, r in zip(hyps, refs))
print("hyps", hyps)
print(f"CER {errs / int(target_lens.sum()):.4f}")
print(torch.unique_consecutive(torch.tensor([0, 0, 3, 3, 0, 3, 2, 2]), return_counts=True))
