"""A GRU encoder-decoder with attention in the style of the translation tutorial: a
bidirectional encoder, a Bahdanau (additive) attention decoder and a Luong ("general" and "dot")
attention decoder, teacher forcing chosen with random.random(), NLLLoss on log_softmax,
bmm-based context vectors, gradient clipping, and greedy decoding of a reversal task."""
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

random.seed(0)
torch.manual_seed(0)
SOS, EOS, V, H = 0, 1, 12, 32


class EncoderRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(V, H)
        self.gru = nn.GRU(H, H, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * H, H)

    def forward(self, src):
        outputs, hidden = self.gru(self.embedding(src))
        hidden = torch.tanh(self.fc(torch.cat((hidden[-2], hidden[-1]), dim=1)))
        return self.fc(outputs), hidden.unsqueeze(0)


class BahdanauAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.Wa = nn.Linear(H, H)
        self.Ua = nn.Linear(H, H)
        self.Va = nn.Linear(H, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        weights = F.softmax(scores.squeeze(2).unsqueeze(1), dim=-1)
        return torch.bmm(weights, keys), weights


class LuongAttention(nn.Module):
    def __init__(self, method):
        super().__init__()
        self.method = method
        if method == "general":
            self.attn = nn.Linear(H, H, bias=False)

    def forward(self, query, keys):
        k = self.attn(keys) if self.method == "general" else keys
        scores = torch.sum(query * k, dim=2)
        weights = F.softmax(scores, dim=1).unsqueeze(1)
        return weights.bmm(keys), weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, attention):
        super().__init__()
        self.embedding = nn.Embedding(V, H)
        self.attention = attention
        self.gru = nn.GRU(2 * H, H, batch_first=True)
        self.out = nn.Linear(2 * H, V)

    def forward_step(self, inp, hidden, enc_out):
        embedded = self.embedding(inp)
        query = hidden.permute(1, 0, 2)
        context, attn = self.attention(query, enc_out)
        output, hidden = self.gru(torch.cat((embedded, context), dim=2), hidden)
        logits = self.out(torch.cat((output, context), dim=2))
        return logits, hidden, attn

    def forward(self, enc_out, hidden, max_len, target=None, teacher_forcing_ratio=0.0):
        B = enc_out.size(0)
        inp = torch.full((B, 1), SOS, dtype=torch.long)
        outputs, attns = [], []
        for i in range(max_len):
            logits, hidden, attn = self.forward_step(inp, hidden, enc_out)
            outputs.append(logits)
            attns.append(attn)
            if target is not None and random.random() < teacher_forcing_ratio:
                inp = target[:, i].unsqueeze(1)
            else:
                _, topi = logits.topk(1)
                inp = topi.squeeze(-1).detach()
        return F.log_softmax(torch.cat(outputs, dim=1), dim=-1), torch.cat(attns, dim=1)


def make_batch(n, L=5):
    src = torch.randint(2, V, (n, L))
    tgt = torch.cat([src.flip(1), torch.full((n, 1), EOS)], dim=1)
    return src, tgt


for name, attention in (("bahdanau", BahdanauAttention()), ("luong-general",
                                                             LuongAttention("general")),
                        ("luong-dot", LuongAttention("dot"))):
    torch.manual_seed(1)
    encoder, decoder = EncoderRNN(), AttnDecoderRNN(attention)
    params = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = torch.optim.Adam(params, lr=1e-2)
    criterion = nn.NLLLoss()
    for it in range(25):
        src, tgt = make_batch(16)
        enc_out, hidden = encoder(src)
        log_probs, _ = decoder(enc_out, hidden, tgt.size(1), tgt, teacher_forcing_ratio=0.5)
        loss = criterion(log_probs.view(-1, V), tgt.view(-1))
        optimizer.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        if it % 8 == 0 or it == 24:
            print(f"{name} iter {it} loss {loss.item():.4f} grad norm {norm.item():.4f}")
    with torch.no_grad():
        src, tgt = make_batch(4)
        enc_out, hidden = encoder(src)
        log_probs, attns = decoder(enc_out, hidden, tgt.size(1))
        pred = log_probs.argmax(-1)
        print(name, "accuracy", (pred == tgt).float().mean().item(), attns.shape)
        print(attns[0, 0])
