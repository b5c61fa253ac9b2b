"""A generate() loop written like transformers' GenerationMixin on a tiny GRU LM: left-padded
prompts, position ids from attention_mask.cumsum(-1) - 1 with masked_fill_, a list of logits
processors (repetition penalty through gather/scatter, no-repeat-ngram bans, min-length EOS
suppression, temperature, top-k, top-p), finished sequences padded with pad_token_id, and
torch.multinomial sampling driven by a torch.Generator."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(6)
V, PAD, EOS = 20, 0, 1


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 16, padding_idx=PAD)
        self.pos = nn.Embedding(32, 16)
        self.rnn = nn.GRU(16, 24, batch_first=True)
        self.out = nn.Linear(24, V)

    def forward(self, ids, position_ids, h=None):
        x = self.emb(ids) + self.pos(position_ids)
        o, h = self.rnn(x, h)
        return self.out(o), h


def repetition_penalty(input_ids, scores, penalty=1.3):
    score = torch.gather(scores, 1, input_ids)
    score = torch.where(score < 0, score * penalty, score / penalty)
    return scores.scatter(1, input_ids, score)


def no_repeat_ngram(input_ids, scores, n=2):
    cur_len = input_ids.shape[1]
    for b in range(input_ids.shape[0]):
        toks = input_ids[b].tolist()
        banned = [toks[i + n - 1] for i in range(cur_len - n + 1)
                  if toks[i:i + n - 1] == toks[cur_len - n + 1:]]
        if banned:
            scores[b, banned] = -float("inf")
    return scores


def min_length(input_ids, scores, min_len=7):
    if input_ids.shape[-1] < min_len:
        scores[:, EOS] = -float("inf")
    return scores


def top_k(scores, k=8, filter_value=-float("inf")):
    k = min(max(k, 1), scores.size(-1))
    indices_to_remove = scores < torch.topk(scores, k)[0][..., -1, None]
    return scores.masked_fill(indices_to_remove, filter_value)


def top_p(scores, p=0.85, filter_value=-float("inf"), min_tokens_to_keep=1):
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    sorted_indices_to_remove = cumulative_probs <= (1 - p)
    sorted_indices_to_remove[..., -min_tokens_to_keep:] = 0
    indices_to_remove = sorted_indices_to_remove.scatter(1, sorted_indices,
                                                         sorted_indices_to_remove)
    return scores.masked_fill(indices_to_remove, filter_value)


@torch.no_grad()
def generate(model, input_ids, attention_mask, max_new_tokens, do_sample, generator=None,
             temperature=0.8):
    position_ids = attention_mask.long().cumsum(-1) - 1
    position_ids.masked_fill_(attention_mask == 0, 1)
    logits, h = model(input_ids, position_ids)
    unfinished = torch.ones(input_ids.shape[0], dtype=torch.long)
    for _ in range(max_new_tokens):
        scores = logits[:, -1, :].clone()
        for proc in (repetition_penalty, no_repeat_ngram, min_length):
            scores = proc(input_ids, scores)
        if do_sample:
            scores = top_p(top_k(scores / temperature))
            probs = F.softmax(scores, dim=-1)
            next_tokens = torch.multinomial(probs, num_samples=1, generator=generator).squeeze(1)
        else:
            next_tokens = torch.argmax(scores, dim=-1)
        next_tokens = next_tokens * unfinished + PAD * (1 - unfinished)
        input_ids = torch.cat([input_ids, next_tokens[:, None]], dim=-1)
        attention_mask = torch.cat([attention_mask, attention_mask.new_ones((len(ids), 1))], -1)
        unfinished = unfinished & (next_tokens != EOS).long()
        if unfinished.max() == 0:
            break
        pos = attention_mask.sum(-1, keepdim=True) - 1
        logits, h = model(next_tokens[:, None], pos, h)
    return input_ids


model = TinyLM()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
seqs = torch.randint(2, V, (16, 10))
seqs[:, -1] = EOS
for epoch in range(10):
    logits, _ = model(seqs[:, :-1], torch.arange(9).expand(16, 9))
    loss = F.cross_entropy(logits.reshape(-1, V), seqs[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"lm loss {loss.item():.5f}")

ids = torch.tensor([[PAD, PAD, 5, 6], [PAD, 7, 8, 9], [3, 4, 5, 6]])
mask = (ids != PAD).long()
print("positions", (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1).tolist())
model.eval()
greedy = generate(model, ids, mask, 10, do_sample=False)
print("greedy", greedy.tolist())
g = torch.Generator().manual_seed(1234)
sampled = generate(model, ids, mask, 10, do_sample=True, generator=g)
print("sampled", sampled.tolist())
g.manual_seed(1234)
again = generate(model, ids, mask, 10, do_sample=True, generator=g)
print("reproducible", torch.equal(sampled, again))
s = torch.tensor([[2.0, 1.0, 0.5, -1.0, 3.0]])
print(top_k(s.clone(), k=2), top_p(s.clone(), p=0.7))
print(repetition_penalty(torch.tensor([[0, 3]]), s.clone()))
