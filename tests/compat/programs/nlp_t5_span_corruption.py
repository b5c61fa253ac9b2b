"""T5's span-corruption objective and a tiny encoder-decoder: random spans chosen with
torch.randperm, replaced by descending sentinel ids in the input and listed after them in the
target, T5LayerNorm (no mean subtraction, no bias), _shift_right with the decoder start token and
-100 replaced by pad, nn.Transformer with a causal tgt mask and padding masks, teacher-forced
training with cross_entropy(ignore_index=-100), then greedy decoding of the sentinels."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(26)
PAD, EOS, V_BASE, N_SENT = 0, 1, 30, 4
V = V_BASE + N_SENT
SENT = [V - 1 - i for i in range(N_SENT)]


def span_corrupt(tokens, noise_density=0.25, mean_span=2):
    n = tokens.numel()
    n_noise = max(1, round(n * noise_density))
    n_spans = max(1, round(n_noise / mean_span))
    starts = torch.randperm(n - mean_span)[:n_spans].sort().values
    mask = torch.zeros(n, dtype=torch.bool)
    for s in starts.tolist():
        mask[s:s + mean_span] = True
    inp, tgt, k, prev = [], [], 0, False
    for i, t in enumerate(tokens.tolist()):
        if mask[i]:
            if not prev:
                inp.append(SENT[k])
                tgt.append(SENT[k])
                k += 1
            tgt.append(t)
        else:
            inp.append(t)
        prev = bool(mask[i])
    return torch.tensor(inp + [EOS]), torch.tensor(tgt + [EOS])


class T5LayerNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        variance = hidden_states.to(torch.float32).pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states


def _shift_right(input_ids, decoder_start_token_id=PAD, pad_token_id=PAD):
    shifted = input_ids.new_zeros(input_ids.shape)
    shifted[..., 1:] = input_ids[..., :-1].clone()
    shifted[..., 0] = decoder_start_token_id
    shifted.masked_fill_(shifted == -100, pad_token_id)
    return shifted


class TinyT5(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.shared = nn.Embedding(V, d)
        self.transformer = nn.Transformer(d, 4, 1, 1, 64, dropout=0.0, batch_first=True,
                                          norm_first=True)
        self.final_norm = T5LayerNorm(d)
        self.lm_head = nn.Linear(d, V, bias=False)

    def forward(self, input_ids, decoder_input_ids):
        tgt_mask = self.transformer.generate_square_subsequent_mask(decoder_input_ids.size(1))
        h = self.transformer(self.shared(input_ids), self.shared(decoder_input_ids),
                             tgt_mask=tgt_mask, src_key_padding_mask=input_ids == PAD,
                             memory_key_padding_mask=input_ids == PAD, tgt_is_causal=True)
        return self.lm_head(self.final_norm(h))


pairs = [span_corrupt(torch.randint(2, V_BASE, (12,))) for _ in range(8)]
print("example input ", pairs[0][0].tolist())
print("example target", pairs[0][1].tolist())
inputs = nn.utils.rnn.pad_sequence([p[0] for p in pairs], batch_first=True, padding_value=PAD)
labels = nn.utils.rnn.pad_sequence([p[1] for p in pairs], batch_first=True, padding_value=-100)
dec_in = _shift_right(labels)
print("shift_right", dec_in[0].tolist())
model = TinyT5()
opt = torch.optim.Adafactor(model.parameters(), lr=1e-2) if hasattr(torch.optim, "Adafactor") \
    else torch.optim.Adam(model.parameters(), lr=1e-2)
print(type(opt).__name__)
for step in range(10):
    logits = model(inputs, dec_in)
    loss = F.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.5f}")
model.eval()
with torch.no_grad():
    out = torch.full((2, 1), PAD)
    for _ in range(8):
        nxt = model(inputs[:2], out)[:, -1].argmax(-1, keepdim=True)
        out = torch.cat([out, nxt], 1)
print("decoded", out.tolist())
print("norm", T5LayerNorm(4)(torch.tensor([[1.0, 2.0, 3.0, 4.0]])))
