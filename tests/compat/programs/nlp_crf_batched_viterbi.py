"""A linear-chain CRF for NER written the pytorch-crf way: batched forward algorithm with
torch.logsumexp over broadcast (batch, tags, tags) scores and masks applied with torch.where,
the gold-path score with gather, start/end transitions, and batched Viterbi decoding with
max over the previous tag and backtracking from the last valid position per sequence."""
import torch
import torch.nn as nn

torch.manual_seed(8)


class CRF(nn.Module):
    def __init__(self, num_tags):
        super().__init__()
        self.num_tags = num_tags
        self.start_transitions = nn.Parameter(torch.empty(num_tags))
        self.end_transitions = nn.Parameter(torch.empty(num_tags))
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags))
        nn.init.uniform_(self.start_transitions, -0.1, 0.1)
        nn.init.uniform_(self.end_transitions, -0.1, 0.1)
        nn.init.uniform_(self.transitions, -0.1, 0.1)

    def forward(self, emissions, tags, mask, reduction="mean"):
        emissions, tags, mask = emissions.transpose(0, 1), tags.transpose(0, 1), mask.transpose(0, 1)
        numerator = self._compute_score(emissions, tags, mask)
        denominator = self._compute_normalizer(emissions, mask)
        llh = numerator - denominator
        return llh.sum() if reduction == "sum" else llh.mean()

    def _compute_score(self, emissions, tags, mask):
        seq_length, batch_size = tags.shape
        mask = mask.type_as(emissions)
        score = self.start_transitions[tags[0]]
        score += emissions[0, torch.arange(batch_size), tags[0]]
        for i in range(1, seq_length):
            score += self.transitions[tags[i - 1], tags[i]] * mask[i]
            score += emissions[i, torch.arange(batch_size), tags[i]] * mask[i]
        seq_ends = mask.long().sum(dim=0) - 1
        last_tags = tags[seq_ends, torch.arange(batch_size)]
        score += self.end_transitions[last_tags]
        return score

    def _compute_normalizer(self, emissions, mask):
        seq_length = emissions.size(0)
        score = self.start_transitions + emissions[0]
        for i in range(1, seq_length):
            broadcast_score = score.unsqueeze(2)
            broadcast_emissions = emissions[i].unsqueeze(1)
            next_score = broadcast_score + self.transitions + broadcast_emissions
            next_score = torch.logsumexp(next_score, dim=1)
            score = torch.where(mask[i].unsqueeze(1), next_score, score)
        score += self.end_transitions
        return torch.logsumexp(score, dim=1)

    def decode(self, emissions, mask):
        emissions, mask = emissions.transpose(0, 1), mask.transpose(0, 1)
        seq_length, batch_size = mask.shape
        score = self.start_transitions + emissions[0]
        history = []
        for i in range(1, seq_length):
            next_score = score.unsqueeze(2) + self.transitions + emissions[i].unsqueeze(1)
            next_score, indices = next_score.max(dim=1)
            score = torch.where(mask[i].unsqueeze(1), next_score, score)
            history.append(indices)
        score += self.end_transitions
        seq_ends = mask.long().sum(dim=0) - 1
        best_tags_list = []
        for idx in range(batch_size):
            _, best_last_tag = score[idx].max(dim=0)
            best_tags = [best_last_tag.item()]
            for hist in reversed(history[:seq_ends[idx]]):
                best_last_tag = hist[idx][best_tags[-1]]
                best_tags.append(best_last_tag.item())
            best_tags.reverse()
            best_tags_list.append(best_tags)
        return best_tags_list


class Tagger(nn.Module):
    def __init__(self, vocab=30, tags=5):
        super().__init__()
        self.emb = nn.Embedding(vocab, 16, padding_idx=0)
        self.lstm = nn.LSTM(16, 12, batch_first=True, bidirectional=True)
        self.hidden2tag = nn.Linear(24, tags)
        self.crf = CRF(tags)

    def emissions(self, x):
        return self.hidden2tag(self.lstm(self.emb(x))[0])


torch.manual_seed(8)
lengths = torch.tensor([7, 5, 6, 3])
mask = torch.arange(7)[None, :] < lengths[:, None]
words = torch.randint(1, 30, (4, 7)) * mask
tags = (words % 5) * mask
model = Tagger()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(12):
    nll = -model.crf(model.emissions(words), tags, mask)
    opt.zero_grad()
    nll.backward()
    opt.step()
    if epoch % 3 == 0:
        print(f"epoch {epoch} nll {nll.item():.5f}")
with torch.no_grad():
    em = model.emissions(words)
    paths = model.crf.decode(em, mask)
for p, t, n in zip(paths, tags.tolist(), lengths.tolist()):
    print(p, t[:n])
print("sum llh", round(model.crf(em, tags, mask, reduction="sum").item(), 4))
print(model.crf.transitions.grad.abs().sum() > 0)
