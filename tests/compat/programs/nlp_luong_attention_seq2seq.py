"""Seq2seq with Luong attention (dot, general and concat scores) as in the PyTorch chatbot
tutorial: a bidirectional GRU encoder whose directions are summed, a decoder run one step at a time
with teacher forcing chosen by random.random(), the encoder padding mask applied with
masked_fill before softmax, the masked NLL loss with torch.gather, and greedy search decoding."""
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

random.seed(15)
torch.manual_seed(15)
V, H, SOS, EOS, PAD = 14, 16, 1, 2, 0


class EncoderRNN(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding
        self.gru = nn.GRU(H, H, 1, bidirectional=True)

    def forward(self, input_seq, input_lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(input_seq), input_lengths)
        outputs, hidden = self.gru(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs)
        return outputs[:, :, :H] + outputs[:, :, H:], hidden


class Attn(nn.Module):
    def __init__(self, method):
        super().__init__()
        self.method = method
        if method == "general":
            self.attn = nn.Linear(H, H)
        elif method == "concat":
            self.attn = nn.Linear(2 * H, H)
            self.v = nn.Parameter(torch.FloatTensor(H).uniform_(-0.1, 0.1))

    def forward(self, hidden, encoder_outputs, mask):
        if self.method == "dot":
            energies = torch.sum(hidden * encoder_outputs, dim=2)
        elif self.method == "general":
            energies = torch.sum(hidden * self.attn(encoder_outputs), dim=2)
        else:
            e = self.attn(torch.cat((hidden.expand(encoder_outputs.size(0), -1, -1),
                                     encoder_outputs), 2)).tanh()
            energies = torch.sum(self.v * e, dim=2)
        energies = energies.t().masked_fill(~mask, -1e10)
        return F.softmax(energies, dim=1).unsqueeze(1)


class LuongAttnDecoderRNN(nn.Module):
    def __init__(self, embedding, method):
        super().__init__()
        self.embedding = embedding
        self.gru = nn.GRU(H, H, 1)
        self.concat = nn.Linear(2 * H, H)
        self.out = nn.Linear(H, V)
        self.attn = Attn(method)

    def forward(self, input_step, last_hidden, encoder_outputs, mask):
        rnn_output, hidden = self.gru(self.embedding(input_step), last_hidden)
        attn_weights = self.attn(rnn_output, encoder_outputs, mask)
        context = attn_weights.bmm(encoder_outputs.transpose(0, 1))
        concat_output = torch.tanh(self.concat(torch.cat((rnn_output.squeeze(0),
                                                          context.squeeze(1)), 1)))
        return F.softmax(self.out(concat_output), dim=1), hidden, attn_weights


def maskNLLLoss(inp, target, mask):
    n_total = mask.sum()
    cross_entropy = -torch.log(torch.gather(inp, 1, target.view(-1, 1)).squeeze(1))
    loss = cross_entropy.masked_select(mask).mean()
    return loss, n_total.item()


lengths = torch.tensor([6, 5, 5, 3])
src = torch.randint(3, V, (6, 4)) * (torch.arange(6)[:, None] < lengths[None, :])
tgt_len = lengths + 1
tgt = torch.zeros(7, 4, dtype=torch.long)
for b in range(4):
    n = int(lengths[b])
    tgt[:n, b] = src[:n, b].flip(0)
    tgt[n, b] = EOS
tgt_mask = tgt != PAD
tgt_mask[torch.arange(7)[:, None] < tgt_len[None, :]] = True
src_mask = (src != PAD).t()

for method in ("dot", "general", "concat"):
    torch.manual_seed(0)
    embedding = nn.Embedding(V, H)
    enc, dec = EncoderRNN(embedding), LuongAttnDecoderRNN(embedding, method)
    params = list(enc.parameters()) + [p for n, p in dec.named_parameters()
                                       if not n.startswith("embedding")]
    opt = torch.optim.Adam(params, lr=5e-3)
    for it in range(8):
        enc_out, enc_hidden = enc(src, lengths)
        dec_input = torch.full((1, 4), SOS, dtype=torch.long)
        dec_hidden = enc_hidden[:1]
        use_teacher_forcing = random.random() < 0.5
        loss, totals = 0, 0
        for t in range(7):
            out, dec_hidden, _ = dec(dec_input, dec_hidden, enc_out, src_mask)
            if use_teacher_forcing:
                dec_input = tgt[t].view(1, -1)
            else:
                dec_input = out.topk(1)[1].view(1, -1)
            mask_loss, n_total = maskNLLLoss(out, tgt[t], tgt_mask[t])
            loss += mask_loss
            totals += n_total
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 50.0)
        opt.step()
    print(f"{method:8s} tf={use_teacher_forcing} loss {loss.item() / 7:.5f} tokens {totals}")
    with torch.no_grad():
        enc_out, enc_hidden = enc(src[:, :1], lengths[:1])
        dec_input = torch.full((1, 1), SOS, dtype=torch.long)
        hidden = enc_hidden[:1]
        tokens, scores = [], []
        for _ in range(6):
            out, hidden, w = dec(dec_input, hidden, enc_out, src_mask[:1])
            score, dec_input = torch.max(out, dim=1)
            tokens.append(dec_input.item())
            scores.append(round(score.item(), 4))
            dec_input = dec_input.unsqueeze(0)
        print("  greedy", tokens, scores, "attn", [round(a, 3) for a in w[0, 0].tolist()])
