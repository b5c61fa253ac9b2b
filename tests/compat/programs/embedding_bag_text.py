"""The text-classification tutorial's model: EmbeddingBag with offsets, a collate_batch that
builds (label, text, offsets), SGD with StepLR and clip_grad_norm_."""
import torch
from torch import nn
from torch.utils.data import DataLoader

torch.manual_seed(0)
vocab_size, num_class = 40, 3
g = torch.Generator().manual_seed(1)
samples = []
for i in range(90):
    label = i % num_class
    n = int(torch.randint(3, 8, (1,), generator=g))
    toks = torch.randint(0, 13, (n,), generator=g) + 13 * label
    samples.append((label, toks.tolist()))


def collate_batch(batch):
    label_list, text_list, offsets = [], [], [0]
    for _label, _text in batch:
        label_list.append(_label)
        processed_text = torch.tensor(_text, dtype=torch.int64)
        text_list.append(processed_text)
        offsets.append(processed_text.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    return label_list, torch.cat(text_list), offsets


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        return self.fc(self.embedding(text, offsets))


model = TextClassificationModel(vocab_size, 8, num_class)
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.5)
loader = DataLoader(samples, batch_size=8, shuffle=True, collate_fn=collate_batch)
for epoch in range(1, 4):
    model.train()
    total_acc, total_count = 0, 0
    for label, text, offsets in loader:
        optimizer.zero_grad()
        predicted_label = model(text, offsets)
        loss = criterion(predicted_label, label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        total_acc += (predicted_label.argmax(1) == label).sum().item()
        total_count += label.size(0)
    scheduler.step()
    print(f"| epoch {epoch:3d} | accuracy {total_acc / total_count:8.3f} "
          f"| lr {scheduler.get_last_lr()[0]}")
print(text.dtype, offsets.shape)
