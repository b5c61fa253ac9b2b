"""Show, Attend and Tell as the popular tutorial writes it: a small CNN encoder giving a 4x4
grid of features flattened to (B, 16, C), an additive attention over the grid, an LSTMCell
decoder with init_h/init_c from mean features and a sigmoid gate f_beta on the context, captions
sorted by length descending (sort_ind), the batch_size_t shrinking loop over time steps,
pack_padded_sequence(...).data for the loss, doubly stochastic attention regularisation, top-5
accuracy, and greedy decoding with an <end> check."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence

torch.manual_seed(37)
VOCAB, START, END, PAD = 12, 1, 2, 0


class Encoder(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d((4, 4)))

    def forward(self, images):
        return self.net(images).permute(0, 2, 3, 1)


class Attention(nn.Module):
    def __init__(self, enc_dim, dec_dim, att_dim):
        super().__init__()
        self.encoder_att = nn.Linear(enc_dim, att_dim)
        self.decoder_att = nn.Linear(dec_dim, att_dim)
        self.full_att = nn.Linear(att_dim, 1)

    def forward(self, enc, h):
        att = self.full_att(F.relu(self.encoder_att(enc) + self.decoder_att(h).unsqueeze(1))).squeeze(2)
        alpha = F.softmax(att, dim=1)
        return (enc * alpha.unsqueeze(2)).sum(dim=1), alpha


class Decoder(nn.Module):
    def __init__(self, enc_dim=16, emb=8, dec=24, att=12):
        super().__init__()
        self.attention = Attention(enc_dim, dec, att)
        self.embedding = nn.Embedding(VOCAB, emb)
        self.decode_step = nn.LSTMCell(emb + enc_dim, dec, bias=True)
        self.init_h, self.init_c = nn.Linear(enc_dim, dec), nn.Linear(enc_dim, dec)
        self.f_beta = nn.Linear(dec, enc_dim)
        self.fc = nn.Linear(dec, VOCAB)
        self.dropout = nn.Dropout(0.2)

    def init_hidden(self, enc):
        mean = enc.mean(dim=1)
        return self.init_h(mean), self.init_c(mean)

    def forward(self, enc, caps, lens):
        b = enc.size(0)
        enc = enc.view(b, -1, enc.size(-1))
        lens, sort_ind = lens.sort(dim=0, descending=True)
        enc, caps = enc[sort_ind], caps[sort_ind]
        emb = self.embedding(caps)
        h, c = self.init_hidden(enc)
        decode_lengths = (lens - 1).tolist()
        T = max(decode_lengths)
        preds = torch.zeros(b, T, VOCAB)
        alphas = torch.zeros(b, T, enc.size(1))
        for t in range(T):
            bt = sum(1 for L in decode_lengths if L > t)
            ctx, alpha = self.attention(enc[:bt], h[:bt])
            gate = torch.sigmoid(self.f_beta(h[:bt]))
            h, c = self.decode_step(torch.cat([emb[:bt, t, :], gate * ctx], dim=1), (h[:bt], c[:bt]))
            preds[:bt, t, :] = self.fc(self.dropout(h))
            alphas[:bt, t, :] = alpha
        return preds, caps, decode_lengths, alphas, sort_ind

    @torch.no_grad()
    def greedy(self, enc, max_len=8):
        enc = enc.view(1, -1, enc.size(-1))
        h, c = self.init_hidden(enc)
        word, out = torch.tensor([START]), []
        for _ in range(max_len):
            ctx, _ = self.attention(enc, h)
            gate = torch.sigmoid(self.f_beta(h))
            h, c = self.decode_step(torch.cat([self.embedding(word), gate * ctx], 1), (h, c))
            word = self.fc(h).argmax(1)
            if word.item() == END:
                break
            out.append(word.item())
        return out


def make_batch(n):
    images = torch.rand(n, 3, 8, 8)
    lens = torch.randint(3, 7, (n,))
    caps = torch.full((n, 7), PAD, dtype=torch.long)
    for i in range(n):
        colour = int(images[i].mean(dim=(1, 2)).argmax()) + 3
        body = [colour] + [(colour + k) % 9 + 3 for k in range(1, int(lens[i]) - 2)]
        caps[i, :int(lens[i])] = torch.tensor([START] + body + [END])
    return images, caps, lens


def accuracy(scores, targets, k):
    _, ind = scores.topk(k, 1, True, True)
    return ind.eq(targets.view(-1, 1).expand_as(ind)).float().sum().item() * 100.0 / targets.size(0)


enc_net, dec_net = Encoder(), Decoder()
opt = torch.optim.Adam(list(enc_net.parameters()) + list(dec_net.parameters()), lr=4e-3)
alpha_c = 1.0
for step in range(15):
    images, caps, lens = make_batch(6)
    scores, caps_sorted, decode_lengths, alphas, sort_ind = dec_net(enc_net(images), caps, lens)
    targets = caps_sorted[:, 1:]
    scores_p = pack_padded_sequence(scores, decode_lengths, batch_first=True).data
    targets_p = pack_padded_sequence(targets, decode_lengths, batch_first=True).data
    loss = F.cross_entropy(scores_p, targets_p) + alpha_c * ((1.0 - alphas.sum(dim=1)) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_value_(dec_net.parameters(), 5.0)
    opt.step()
    if step % 5 == 0:
        print(f"step {step} loss {loss.item():.4f} top5 {accuracy(scores_p, targets_p, 5):.2f} "
              f"tokens {scores_p.shape[0]} order {sort_ind.tolist()}")
dec_net.eval()
images, caps, lens = make_batch(2)
feats = enc_net(images)
for i in range(2):
    print("greedy", dec_net.greedy(feats[i]), "target", caps[i, 1:int(lens[i]) - 1].tolist())
