"""A Keras-like training wrapper over a torch module: ``fit`` on tensors with batch and epoch
metrics, callbacks (reduce-on-plateau, best-model checkpoint that also saves every generator's
state, CPU and each GPU's, as checkpointing libraries do, and early stopping), then ``evaluate``
and ``predict``; restoring the checkpoint restores the weights and the random streams."""
import io

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)


def random_states():
    return {"cpu": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state_all()}


def load_random_states(states):
    torch.set_rng_state(states["cpu"])
    torch.cuda.set_rng_state_all(states["cuda"])


class Model:
    def __init__(self, network, optimizer, loss_fn):
        self.network, self.optimizer, self.loss_fn = network, optimizer, loss_fn

    def _batches(self, x, y, batch_size, shuffle):
        order = torch.randperm(len(x)) if shuffle else torch.arange(len(x))
        for i in range(0, len(x), batch_size):
            idx = order[i:i + batch_size]
            yield x[idx], y[idx]

    def evaluate(self, x, y, batch_size=16):
        self.network.eval()
        total, correct, n = 0.0, 0, 0
        with torch.no_grad():
            for xb, yb in self._batches(x, y, batch_size, False):
                out = self.network(xb)
                total += self.loss_fn(out, yb).item() * len(xb)
                correct += (out.argmax(1) == yb).sum().item()
                n += len(xb)
        return total / n, 100.0 * correct / n

    def predict(self, x):
        self.network.eval()
        with torch.no_grad():
            return self.network(x).numpy()

    def fit(self, x, y, validation_data, epochs, batch_size, callbacks):
        history = []
        for epoch in range(1, epochs + 1):
            self.network.train()
            losses, accs = [], []
            for xb, yb in self._batches(x, y, batch_size, True):
                self.optimizer.zero_grad()
                out = self.network(xb)
                loss = self.loss_fn(out, yb)
                loss.backward()
                self.optimizer.step()
                losses.append(loss.item())
                accs.append((out.argmax(1) == yb).float().mean().item() * 100)
            val_loss, val_acc = self.evaluate(*validation_data)
            logs = {"epoch": epoch, "loss": sum(losses) / len(losses),
                    "acc": sum(accs) / len(accs), "val_loss": val_loss, "val_acc": val_acc}
            history.append(logs)
            print(" ".join(f"{k}={v:.6f}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in logs.items()), "lr", self.optimizer.param_groups[0]["lr"])
            if any(cb(self, logs) for cb in callbacks):
                print("stopped at epoch", epoch)
                break
        return history


class Checkpoint:
    def __init__(self):
        self.best, self.buffer = float("inf"), None

    def __call__(self, model, logs):
        if logs["val_loss"] < self.best:
            self.best = logs["val_loss"]
            self.buffer = io.BytesIO()
            torch.save({"model": model.network.state_dict(),
                        "optimizer": model.optimizer.state_dict(),
                        "epoch": logs["epoch"], "rng": random_states()}, self.buffer)
            print("checkpoint at epoch", logs["epoch"])
        return False


class EarlyStopping:
    def __init__(self, patience, min_delta):
        self.patience, self.min_delta, self.best, self.wait = patience, min_delta, None, 0

    def __call__(self, model, logs):
        if self.best is None or logs["val_loss"] < self.best - self.min_delta:
            self.best, self.wait = logs["val_loss"], 0
            return False
        self.wait += 1
        return self.wait >= self.patience


class Plateau:
    def __init__(self, optimizer):
        self.sched = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0, factor=0.5)

    def __call__(self, model, logs):
        self.sched.step(logs["val_loss"])
        return False


N, D, C = 96, 5, 3
W = torch.randn(D, C)
X = torch.randn(N, D)
Y = (X @ W).argmax(1)
Xv = torch.randn(32, D)
Yv = (Xv @ W).argmax(1)
net = nn.Sequential(nn.Linear(D, 12), nn.Tanh(), nn.Dropout(0.2), nn.Linear(12, C))
opt = torch.optim.SGD(net.parameters(), lr=0.2, momentum=0.9)
model = Model(net, opt, F.cross_entropy)
ckpt = Checkpoint()
hist = model.fit(X, Y, (Xv, Yv), epochs=12, batch_size=16,
                 callbacks=[Plateau(opt), ckpt, EarlyStopping(patience=3, min_delta=0.01)])
print("epochs run", len(hist))
print("evaluate", ["%.6f" % v for v in model.evaluate(Xv, Yv)])

ckpt.buffer.seek(0)
state = torch.load(ckpt.buffer, weights_only=False)
print("restoring epoch", state["epoch"], "cuda states", len(state["rng"]["cuda"]))
net2 = nn.Sequential(nn.Linear(D, 12), nn.Tanh(), nn.Dropout(0.2), nn.Linear(12, C))
net2.load_state_dict(state["model"])
opt2 = torch.optim.SGD(net2.parameters(), lr=0.2, momentum=0.9)
opt2.load_state_dict(state["optimizer"])
load_random_states(state["rng"])
first = torch.rand(3)
load_random_states(state["rng"])
print("same stream", torch.equal(first, torch.rand(3)), first.numpy().round(6).tolist())
restored = Model(net2, opt2, F.cross_entropy)
print("restored evaluate", ["%.6f" % v for v in restored.evaluate(Xv, Yv)])
print("predict", restored.predict(Xv[:3]).round(5).tolist())
