"""Kim's CNN for sentence classification as tutorials write it: nn.Embedding.from_pretrained
(freeze=False, padding_idx=0) from a random "word2vec" matrix, parallel Conv1d filters of widths
3/4/5 in a ModuleList, F.max_pool1d over the whole time axis, dropout, Adadelta, and the l2
max-norm constraint on the output layer's rows via torch.renorm after each step."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(17)
vectors = torch.randn(50, 20)
vectors[0] = 0


class TextCNN(nn.Module):
    def __init__(self, kernel_sizes=(3, 4, 5), n_filters=6, classes=2):
        super().__init__()
        self.embedding = nn.Embedding.from_pretrained(vectors, freeze=False, padding_idx=0)
        self.static = nn.Embedding.from_pretrained(vectors.clone())
        self.convs = nn.ModuleList(nn.Conv1d(40, n_filters, k) for k in kernel_sizes)
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(n_filters * len(kernel_sizes), classes)

    def forward(self, x):
        emb = torch.cat([self.embedding(x), self.static(x)], dim=2).permute(0, 2, 1)
        conved = [F.relu(conv(emb)) for conv in self.convs]
        pooled = [F.max_pool1d(c, c.size(2)).squeeze(2) for c in conved]
        return self.fc(self.dropout(torch.cat(pooled, dim=1)))


model = TextCNN()
print("static frozen", model.static.weight.requires_grad, model.embedding.weight.requires_grad,
      model.embedding.padding_idx)
x = torch.randint(1, 50, (16, 12))
x[:, 9:] = 0
y = (x[:, 0] > 25).long()
opt = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.95, eps=1e-6)
for epoch in range(10):
    model.train()
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        model.fc.weight.data = torch.renorm(model.fc.weight.data, p=2, dim=0, maxnorm=0.5)
    print(f"epoch {epoch} loss {loss.item():.5f} row norms "
          f"{[round(v, 4) for v in model.fc.weight.norm(dim=1).tolist()]}")
print("pad row grad-free", model.embedding.weight[0].abs().sum().item() == 0.0)
model.eval()
with torch.no_grad():
    pred = model(x).argmax(1)
print("acc", (pred == y).float().mean().item())
w = torch.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
print(torch.renorm(w, 2, 0, 1.0), w.renorm(1, 1, 5.0))
