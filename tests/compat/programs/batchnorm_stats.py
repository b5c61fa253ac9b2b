"""BatchNorm1d running statistics in train and eval modes, momentum=None (cumulative average),
track_running_stats=False, and LayerNorm/GroupNorm outputs."""
import torch
import torch.nn as nn

torch.manual_seed(2)
bn = nn.BatchNorm1d(3)
for _ in range(5):
    bn(torch.randn(10, 3) * 2 + 1)
print(bn.running_mean, bn.running_var, bn.num_batches_tracked)
bn.eval()
x = torch.randn(4, 3)
print(bn(x))
cum = nn.BatchNorm1d(3, momentum=None)
for _ in range(4):
    cum(torch.randn(8, 3))
print(cum.running_mean)
nostats = nn.BatchNorm1d(3, track_running_stats=False).eval()
print(nostats(x).mean(0).abs().max().item() < 1e-5, nostats.running_mean)
print(nn.LayerNorm(3)(x), nn.GroupNorm(1, 3)(x.unsqueeze(-1)).squeeze(-1))
print(bn.state_dict().keys())
