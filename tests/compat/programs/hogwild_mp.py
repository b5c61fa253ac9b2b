"""The Hogwild example's shape: torch.multiprocessing, model.share_memory(), worker processes
training the shared model in place (run one after another here so the result is deterministic)."""
import torch
import torch.multiprocessing as mp
import torch.nn as nn


def train(rank, model, seed):
    torch.manual_seed(seed + rank)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(20):
        x = torch.randn(16, 3)
        y = x.sum(1, keepdim=True)
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    model.share_memory()
    before = model.weight.detach().clone()
    ctx = mp.get_context("fork")
    for rank in range(2):
        p = ctx.Process(target=train, args=(rank, model, 100))
        p.start()
        p.join()
        print("worker", rank, "exit", p.exitcode)
    moved = (model.weight.detach() - before).abs().sum().item() > 0
    print("shared weights changed:", moved)
    x = torch.randn(4, 3)
    print(nn.functional.mse_loss(model(x), x.sum(1, keepdim=True)).item())
