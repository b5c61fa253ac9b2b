"""Sequence classification with nn.TransformerEncoder (batch_first), a learned positional
embedding, a padding mask and mean pooling."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self, vocab=20, d_model=16, nhead=2, num_layers=2, classes=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model, padding_idx=0)
        self.pos = nn.Parameter(torch.zeros(1, 12, d_model))
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=32, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, classes)

    def forward(self, x):
        mask = x == 0
        h = self.encoder(self.embed(x) + self.pos[:, :x.size(1)], src_key_padding_mask=mask)
        h = h.masked_fill(mask.unsqueeze(-1), 0.0).sum(1) / (~mask).sum(1, keepdim=True)
        return self.head(h)


x = torch.randint(1, 20, (32, 12))
x[:, 9:] = 0
y = (x[:, 0] > 10).long()
model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(30):
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(step, round(loss.item(), 4))
model.eval()
with torch.no_grad():
    acc = (model(x).argmax(-1) == y).float().mean()
print("acc", acc.item(), model(x).shape)
