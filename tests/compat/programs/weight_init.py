"""Weight initialisation with model.apply: xavier_uniform_, kaiming_normal_, normal_, zeros_,
constant_, orthogonal_, and parameter counting/naming as scripts print them."""
import torch
import torch.nn as nn


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if m.bias is not None:
            nn.init.constant_(m.bias, 0.1)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


torch.manual_seed(123)
model = nn.Sequential(nn.Conv2d(3, 6, 3), nn.BatchNorm2d(6), nn.ReLU(), nn.Flatten(),
                      nn.Linear(6 * 6 * 6, 10))
model.apply(init_weights)
for name, p in model.named_parameters():
    print(name, tuple(p.shape), f"{p.mean().item():.5f} {p.std().item():.5f}")
w = torch.empty(4, 4)
nn.init.orthogonal_(w)
print(torch.allclose(w @ w.T, torch.eye(4), atol=1e-5))
nn.init.trunc_normal_(w, std=0.02)
print(w.abs().max().item() <= 0.04)
print(sum(p.numel() for p in model.parameters()), len(list(model.modules())),
      len(model.state_dict()))
print(model(torch.randn(2, 3, 8, 8)).shape)
