"""A training script laid out like the PyTorch ImageNet example: argparse with defaults,
main(args) under if __name__ == "__main__", logging to stdout, AverageMeter / ProgressMeter,
a top-k accuracy helper, train/validate functions, and a best-accuracy checkpoint."""
import argparse
import logging
import os
import shutil
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("train")


def get_parser():
    parser = argparse.ArgumentParser(description="PyTorch toy training")
    parser.add_argument("--epochs", default=3, type=int, metavar="N")
    parser.add_argument("-b", "--batch-size", default=32, type=int, dest="batch_size")
    parser.add_argument("--lr", "--learning-rate", default=0.1, type=float, dest="lr")
    parser.add_argument("--momentum", default=0.9, type=float)
    parser.add_argument("--wd", "--weight-decay", default=1e-4, type=float, dest="weight_decay")
    parser.add_argument("-p", "--print-freq", default=4, type=int)
    parser.add_argument("--seed", default=None, type=int)
    parser.add_argument("--evaluate", dest="evaluate", action="store_true")
    parser.add_argument("--out", default="ckpt", type=str)
    return parser


class AverageMeter:
    """Computes and stores the average and current value"""

    def __init__(self, name, fmt=":f"):
        self.name = name
        self.fmt = fmt
        self.reset()

    def reset(self):
        self.val = 0
        self.avg = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        fmtstr = "{name} {val" + self.fmt + "} ({avg" + self.fmt + "})"
        return fmtstr.format(**self.__dict__)


class ProgressMeter:
    def __init__(self, num_batches, meters, prefix=""):
        self.batch_fmtstr = self._get_batch_fmtstr(num_batches)
        self.meters = meters
        self.prefix = prefix

    def display(self, batch):
        entries = [self.prefix + self.batch_fmtstr.format(batch)]
        entries += [str(meter) for meter in self.meters]
        logger.info("\t".join(entries))

    def _get_batch_fmtstr(self, num_batches):
        num_digits = len(str(num_batches // 1))
        fmt = "{:" + str(num_digits) + "d}"
        return "[" + fmt + "/" + fmt.format(num_batches) + "]"


def accuracy(output, target, topk=(1,)):
    """Computes the accuracy over the k top predictions for the specified values of k"""
    with torch.no_grad():
        maxk = max(topk)
        batch_size = target.size(0)
        _, pred = output.topk(maxk, 1, True, True)
        pred = pred.t()
        correct = pred.eq(target.view(1, -1).expand_as(pred))
        res = []
        for k in topk:
            correct_k = correct[:k].reshape(-1).float().sum(0, keepdim=True)
            res.append(correct_k.mul_(100.0 / batch_size))
        return res


class Net(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.fc1 = nn.Linear(20, 64)
        self.bn = nn.BatchNorm1d(64)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        return self.fc2(F.relu(self.bn(self.fc1(x))))


def train(loader, model, criterion, optimizer, epoch, args):
    losses = AverageMeter("Loss", ":.4e")
    top1 = AverageMeter("Acc@1", ":6.2f")
    top5 = AverageMeter("Acc@5", ":6.2f")
    progress = ProgressMeter(len(loader), [losses, top1, top5], prefix=f"Epoch: [{epoch}]")
    model.train()
    for i, (images, target) in enumerate(loader):
        output = model(images)
        loss = criterion(output, target)
        acc1, acc5 = accuracy(output, target, topk=(1, 5))
        losses.update(loss.item(), images.size(0))
        top1.update(acc1[0], images.size(0))
        top5.update(acc5[0], images.size(0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % args.print_freq == 0:
            progress.display(i)


def validate(loader, model, criterion, args):
    losses = AverageMeter("Loss", ":.4e")
    top1 = AverageMeter("Acc@1", ":6.2f")
    model.eval()
    with torch.no_grad():
        for images, target in loader:
            output = model(images)
            loss = criterion(output, target)
            acc1, = accuracy(output, target, topk=(1,))
            losses.update(loss.item(), images.size(0))
            top1.update(acc1[0], images.size(0))
    logger.info(" * Acc@1 {top1.avg:.3f} Loss {losses.avg:.4f}".format(top1=top1, losses=losses))
    return top1.avg


def save_checkpoint(state, is_best, filename="checkpoint.pth.tar"):
    torch.save(state, filename)
    if is_best:
        shutil.copyfile(filename, "model_best.pth.tar")


def main(args):
    if args.seed is not None:
        torch.manual_seed(args.seed)
    x = torch.randn(256, 20)
    w = torch.randn(20, 10)
    y = (x @ w).argmax(1)
    train_loader = DataLoader(TensorDataset(x[:192], y[:192]), batch_size=args.batch_size,
                              shuffle=True)
    val_loader = DataLoader(TensorDataset(x[192:], y[192:]), batch_size=args.batch_size)
    model = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), args.lr, momentum=args.momentum,
                                weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    best_acc1 = 0
    os.makedirs(args.out, exist_ok=True)
    for epoch in range(args.epochs):
        start = time.time()
        train(train_loader, model, criterion, optimizer, epoch, args)
        acc1 = validate(val_loader, model, criterion, args)
        scheduler.step()
        is_best = acc1 > best_acc1
        best_acc1 = max(acc1, best_acc1)
        save_checkpoint({"epoch": epoch + 1, "state_dict": model.state_dict(),
                         "best_acc1": best_acc1, "optimizer": optimizer.state_dict(),
                         "scheduler": scheduler.state_dict()}, is_best,
                        os.path.join(args.out, "checkpoint.pth.tar"))
        elapsed = time.time() - start
        logger.info("epoch %d lr %s best %.2f is_best %s (took <%ds)", epoch,
                    scheduler.get_last_lr(), float(best_acc1), is_best, int(elapsed) + 100)
    best = torch.load("model_best.pth.tar")
    print("best checkpoint:", best["epoch"], f"{float(best['best_acc1']):.2f}",
          type(best["best_acc1"]).__name__, best["best_acc1"].dtype)
    print("scheduler state:", best["scheduler"]["last_epoch"], best["scheduler"]["_last_lr"])
    return best_acc1


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                        format="%(levelname)s:%(name)s: %(message)s")
    args = get_parser().parse_args(["--seed", "0", "-b", "48", "--lr", "0.05"])
    print(args)
    result = main(args)
    print(f"final best acc {result.item():.3f}")
