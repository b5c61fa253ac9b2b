"""The Bi-LSTM CRF tutorial, batched: a bidirectional LSTM emitting tag scores, a CRF layer with
a transitions Parameter, the forward algorithm with torch.logsumexp, gold-path scores with
gather, Viterbi decoding with max/argmax and back-pointers, masks from sequence lengths, and
pack_padded_sequence/pad_packed_sequence around the LSTM."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(1)
START, STOP = 3, 4
n_tags, vocab, emb_dim, hid = 5, 20, 8, 6


class BiLSTM_CRF(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb_dim, padding_idx=0)
        self.lstm = nn.LSTM(emb_dim, hid // 2, num_layers=1, bidirectional=True, batch_first=True)
        self.hidden2tag = nn.Linear(hid, n_tags)
        self.transitions = nn.Parameter(torch.randn(n_tags, n_tags))
        self.transitions.data[START, :] = -10000
        self.transitions.data[:, STOP] = -10000

    def features(self, x, lengths):
        packed = pack_padded_sequence(self.emb(x), lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.hidden2tag(out)

    def log_partition(self, feats, mask):
        alpha = torch.full((feats.shape[0], n_tags), -10000.0)
        alpha[:, START] = 0.0
        for t in range(feats.shape[1]):
            nxt = torch.logsumexp(alpha.unsqueeze(1) + self.transitions.unsqueeze(0), dim=2) + feats[:, t]
            alpha = torch.where(mask[:, t:t + 1], nxt, alpha)
        return torch.logsumexp(alpha + self.transitions[STOP].unsqueeze(0), dim=1)

    def gold_score(self, feats, tags, mask):
        b, T = tags.shape
        prev = torch.cat([torch.full((b, 1), START, dtype=torch.long), tags[:, :-1]], dim=1)
        emit = feats.gather(2, tags.unsqueeze(2)).squeeze(2)
        trans = self.transitions[tags, prev]
        score = ((emit + trans) * mask).sum(1)
        last = tags.gather(1, (mask.sum(1).long() - 1).unsqueeze(1)).squeeze(1)
        return score + self.transitions[STOP, last]

    def nll(self, x, lengths, tags):
        mask = torch.arange(x.shape[1])[None, :] < lengths[:, None]
        feats = self.features(x, lengths)
        return (self.log_partition(feats, mask) - self.gold_score(feats, tags, mask.float())).mean()

    @torch.no_grad()
    def viterbi(self, x, lengths):
        feats = self.features(x, lengths)
        paths = []
        for i in range(x.shape[0]):
            score = torch.full((n_tags,), -10000.0)
            score[START] = 0
            back = []
            for t in range(int(lengths[i])):
                s = score.unsqueeze(0) + self.transitions
                best, idx = s.max(dim=1)
                back.append(idx)
                score = best + feats[i, t]
            score = score + self.transitions[STOP]
            best_tag = int(score.argmax())
            path = [best_tag]
            for idx in reversed(back):
                best_tag = int(idx[best_tag])
                path.append(best_tag)
            assert path.pop() == START
            paths.append((round(score.max().item(), 4), path[::-1]))
        return paths


model = BiLSTM_CRF()
lengths = torch.tensor([5, 3, 4])
x = torch.randint(1, vocab, (3, 5)) * (torch.arange(5)[None, :] < lengths[:, None])
tags = torch.randint(0, 3, (3, 5))
print(model.viterbi(x, lengths))
opt = torch.optim.SGD(model.parameters(), lr=0.05, weight_decay=1e-4)
for epoch in range(6):
    loss = model.nll(x, lengths, tags)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(epoch, round(loss.item(), 4), model.transitions.grad.abs().sum().item() > 0)
print(model.viterbi(x, lengths), tags.tolist())
print(torch.logsumexp(torch.tensor([[1.0, float("-inf")], [float("-inf"), float("-inf")]]), dim=1))
