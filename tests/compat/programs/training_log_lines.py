"""The log lines of training scripts, compared as text: the quickstart's
f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]", accuracy as a percentage, tqdm-style
postfix dicts of tensor items, '{:.4e}' learning rates, a table of per-class accuracies with
padding, and printing a tensor inside a sentence (str() of a tensor in a format string)."""
# compat: exact
import torch
import torch.nn as nn

torch.manual_seed(0)
X = torch.randn(64, 4)
y = (X[:, 0] + X[:, 1] > 0).long()
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.5)
sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
loss_fn = nn.CrossEntropyLoss()
size = len(X)
for epoch in range(3):
    for batch in range(4):
        xb, yb = X[batch * 16:(batch + 1) * 16], y[batch * 16:(batch + 1) * 16]
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if batch % 2 == 0:
            loss, current = loss.item(), (batch + 1) * len(xb)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")
    sched.step()
    with torch.no_grad():
        pred = model(X)
        correct = (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss = loss_fn(pred, y)
    print(f"Test Error: \n Accuracy: {(100 * correct / size):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    print("epoch {:3d} | lr {:.4e} | loss {:5.2f} | ppl {:8.2f}".format(
        epoch, sched.get_last_lr()[0], test_loss.item(), torch.exp(test_loss)))
    postfix = {"loss": f"{test_loss.item():.3f}", "acc": round(correct / size, 3)}
    print(postfix, f"grad norm {torch.nn.utils.clip_grad_norm_(model.parameters(), 1e9):.4f}")
per_class = torch.zeros(2)
for c in range(2):
    per_class[c] = (pred.argmax(1)[y == c] == c).float().mean()
for c, acc in enumerate(per_class):
    print(f"class {c:<3} | {acc:6.2%} | {acc.item():.5f} | {str(acc)}")
print(f"weights: {model[0].weight[0]}")
print("bias " + str(model[0].bias.data) + " end")
print("mean {} std {}".format(X.mean(0), X.std(0)))
print(f"{X.shape=}", f"{y.sum()=}", f"{y.dtype=}")
print(" ".join(f"{v:.2f}" for v in X[0]), "|", ", ".join(map(str, y[:6].tolist())))
print(f"{'name':<10}{'shape':>15}{'params':>8}")
for name, p in model.named_parameters():
    print(f"{name:<10}{str(tuple(p.shape)):>15}{p.numel():>8}")
print(f"{X[0, 0]!r} {X[0, 0]!s} {torch.tensor(5)!r}")
