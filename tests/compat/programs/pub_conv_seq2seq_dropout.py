"""A convolutional sequence-to-sequence model in the style of public ConvS2S tutorials, trained
for a few seeded Adam steps with dropout on: token and position embeddings projected to a hidden
width, turned from (batch, length, hidden) to (batch, hidden, length) with permute, then gated
convolution blocks (dropout, Conv1d, GLU, a scaled residual); the decoder pads its input on the
left so that it sees no future token and attends over the encoder's outputs. Dropout after the
permute draws its mask in the tensor's memory order, so the convolutions' output layout decides
every mask; a max_pool1d of a transposed tensor and the strides of both are printed too."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
SRC_V, TRG_V, EMB, HID, PAD = 17, 13, 8, 12, 1
SCALE = math.sqrt(0.5)


class GatedBlocks(nn.Module):
    def __init__(self, layers, kernel, causal):
        super().__init__()
        self.kernel, self.causal = kernel, causal
        pad = 0 if causal else (kernel - 1) // 2
        self.convs = nn.ModuleList(nn.Conv1d(HID, 2 * HID, kernel, padding=pad)
                                   for _ in range(layers))
        self.drop = nn.Dropout(0.3)

    def forward(self, h, attend=None):
        for conv in self.convs:
            x = self.drop(h)
            if self.causal:
                x = torch.cat([torch.full((h.shape[0], HID, self.kernel - 1), 0.0), x], dim=2)
            g = F.glu(conv(x), dim=1)
            if attend is not None:
                g = g + attend(g)
            h = (g + h) * SCALE
        return h


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok, self.pos = nn.Embedding(SRC_V, EMB), nn.Embedding(20, EMB)
        self.up, self.down = nn.Linear(EMB, HID), nn.Linear(HID, EMB)
        self.blocks = GatedBlocks(2, 3, causal=False)
        self.drop = nn.Dropout(0.3)

    def forward(self, src):
        pos = torch.arange(src.shape[1]).unsqueeze(0).repeat(src.shape[0], 1)
        e = self.drop(self.tok(src) + self.pos(pos))
        h = self.blocks(self.up(e).permute(0, 2, 1))
        c = self.down(h.permute(0, 2, 1))
        return c, (c + e) * SCALE


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok, self.pos = nn.Embedding(TRG_V, EMB), nn.Embedding(20, EMB)
        self.up, self.down = nn.Linear(EMB, HID), nn.Linear(HID, EMB)
        self.att_in, self.att_out = nn.Linear(HID, EMB), nn.Linear(EMB, HID)
        self.blocks = GatedBlocks(2, 3, causal=True)
        self.out = nn.Linear(EMB, TRG_V)
        self.drop = nn.Dropout(0.3)

    def forward(self, trg, conved, combined):
        pos = torch.arange(trg.shape[1]).unsqueeze(0).repeat(trg.shape[0], 1)
        e = self.drop(self.tok(trg) + self.pos(pos))

        def attend(g):
            q = (self.att_in(g.permute(0, 2, 1)) + e) * SCALE
            a = F.softmax(q @ conved.permute(0, 2, 1), dim=2)
            return self.att_out(a @ combined).permute(0, 2, 1)

        h = self.blocks(self.up(e).permute(0, 2, 1), attend)
        return self.out(self.drop(self.down(h.permute(0, 2, 1))))


enc, dec = Encoder(), Decoder()
params = list(enc.parameters()) + list(dec.parameters())
print("parameters", sum(p.numel() for p in params))
opt = torch.optim.Adam(params, lr=3e-3)
src = torch.randint(2, SRC_V, (4, 9))
trg = torch.randint(2, TRG_V, (4, 7))
src[2:, 7:] = PAD
for step in range(6):
    opt.zero_grad()
    conved, combined = enc(src)
    logits = dec(trg[:, :-1], conved, combined)
    loss = F.cross_entropy(logits.reshape(-1, TRG_V), trg[:, 1:].reshape(-1), ignore_index=PAD)
    loss.backward()
    norm = nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    print(f"step {step} loss {loss.item():.5f} grad norm {norm.item():.5f}")

h = enc.up(enc.tok(src)).permute(0, 2, 1)
y = enc.blocks.convs[0](h)
print("conv1d of a permuted input: stride", y.stride(), "contiguous", y.is_contiguous())
p = F.max_pool1d(h.detach(), 2)
print("max_pool1d of a permuted input: stride", p.stride(), "contiguous", p.is_contiguous())
torch.manual_seed(1)
print("dropout mask sum", F.dropout(y, 0.5).ne(0).sum().item())
enc.eval(), dec.eval()
with torch.no_grad():
    conved, combined = enc(src)
    print("greedy", dec(trg[:, :-1], conved, combined).argmax(-1).tolist())
