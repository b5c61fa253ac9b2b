"""GPU training steps: gradkit on CuPy against PyTorch on the same GPU, in the same run.

Workloads (float32, forward + cross-entropy + backward + SGD update):
- mlp:  784-128-10, batch 64 (and 784-1024-1024-10, batch 512)
- cnn:  conv(1->16,k5) ReLU maxpool2, conv(16->32,k5) ReLU maxpool2, linear->128 ReLU,
        linear->10 on 1x28x28, batch 64
- lstm: 1 layer, input 64, hidden 128, 32 steps, batch 32, last hidden -> linear 10

Run on a machine with a CUDA GPU, CuPy and PyTorch: python benchmarks/bench_gpu.py
"""

# ruff: noqa: I001  (common must be imported before NumPy: it sets the BLAS environment)
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, report, timeit  # noqa: E402

import numpy as np  # noqa: E402

import gradkit as gk  # noqa: E402


def _models(lib):
    nn = lib.nn

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(1, 16, 5)
            self.c2 = nn.Conv2d(16, 32, 5)
            self.f1 = nn.Linear(32 * 4 * 4, 128)
            self.f2 = nn.Linear(128, 10)
            self.pool = nn.MaxPool2d(2)

        def forward(self, x):
            x = self.pool(self.c1(x).relu())
            x = self.pool(self.c2(x).relu())
            return self.f2(self.f1(x.flatten(1)).relu())

    class LSTMNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(64, 128, batch_first=True)
            self.fc = nn.Linear(128, 10)

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.fc(h[-1])

    return {
        "mlp 784-128-10 b64": (lambda: nn.Sequential(nn.Linear(784, 128), nn.ReLU(),
                                                     nn.Linear(128, 10)), (64, 784)),
        "mlp 784-1024-1024-10 b512": (lambda: nn.Sequential(
            nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
            nn.Linear(1024, 10)), (512, 784)),
        "cnn b64": (CNN, (64, 1, 28, 28)),
        "lstm b32 T32": (LSTMNet, (32, 32, 64)),
    }


def _step_fn(lib, make, shape, device, sync):
    lib.manual_seed(0)
    model = make().to(device)
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32), device=device)
    y = lib.tensor(rng.integers(0, 10, shape[0]), device=device)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        sync()

    return step


def main():
    import torch

    if not gk.cuda.is_available() or not torch.cuda.is_available():
        print("bench_gpu: needs a CUDA GPU with CuPy and PyTorch; skipped")
        return
    print(f"GPU: {torch.cuda.get_device_name(0)}")
    rows = []
    gm, tm = _models(gk), _models(torch)
    for name in gm:
        g = timeit(_step_fn(gk, *gm[name], "cuda", gk.cuda.synchronize), repeat=100, warmup=10)
        t = timeit(_step_fn(torch, *tm[name], "cuda", torch.cuda.synchronize), repeat=100,
                   warmup=10)
        rows.append(Row(name, "ms", g, t, scale=1e3))
    report("GPU training steps (gradkit on CuPy vs PyTorch on the same GPU)", rows)


if __name__ == "__main__":
    main()
