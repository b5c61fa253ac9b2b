"""An 'infinite' loader as large-model training scripts build it: RandomSampler with
replacement=True and num_samples=int(1e10), read for a fixed number of steps."""
import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

torch.manual_seed(0)
ds = TensorDataset(torch.arange(100).float().unsqueeze(1), torch.arange(100))
sampler = RandomSampler(ds, replacement=True, num_samples=int(1e10))
loader = DataLoader(ds, batch_size=8, sampler=sampler)
print(len(sampler))
it = iter(loader)
model = torch.nn.Linear(1, 1)
opt = torch.optim.SGD(model.parameters(), lr=1e-4)
for step in range(30):
    x, idx = next(it)
    loss = ((model(x).squeeze(1) - 2 * idx.float()) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(step, idx.tolist(), round(loss.item(), 3))
