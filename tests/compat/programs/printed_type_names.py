"""Printing types as tutorials do: type(x), torch.Tensor, a layer's, an optimizer's, a
scheduler's, a distribution's and a data loader's class, torch.dtype, torch.Size and torch.device
print PyTorch's dotted names; a whole model saved with torch.save and loaded back is of the same
printed class, and the layers whose file differs between PyTorch's parts (Flatten, AdamW,
LazyLinear, MultiheadAttention) print PyTorch's file."""
# compat: exact
import io

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
x = torch.randn(4, 3)
model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Flatten(), nn.Linear(5, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
print(type(x), torch.Tensor, type(model[0]), type(torch.float32), torch.Size, type(opt))
print(type(x.shape), type(torch.device("cpu")), type(x.dtype), type(model[0].weight))
print(type(model), type(model[1]), type(model[2]), nn.Unflatten, nn.CrossEntropyLoss)
print(torch.optim.AdamW, torch.optim.Adam, torch.optim.lr_scheduler.StepLR,
      torch.optim.lr_scheduler.ReduceLROnPlateau)
print(nn.LazyLinear, nn.MultiheadAttention, nn.CosineSimilarity, nn.EmbeddingBag, nn.LSTM)
print(torch.distributions.Normal, torch.distributions.Categorical)
loader = DataLoader(TensorDataset(x, torch.arange(4)), batch_size=2)
print(type(loader), type(loader.dataset), nn.parameter.Parameter)
for cls in (torch.Tensor, nn.Linear, torch.optim.SGD, nn.Flatten, torch.optim.AdamW):
    print(f"{cls.__module__}.{cls.__qualname__}", cls.__name__)

buf = io.BytesIO()
torch.save(model, buf)
buf.seek(0)
back = torch.load(buf, weights_only=False)
print(type(back), type(back[2]), type(back[0].weight))
print(torch.equal(back(x), model(x)), back)
