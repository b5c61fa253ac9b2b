"""DataLoader with worker processes: num_workers, persistent_workers, pin_memory, a custom
collate_fn, worker_init_fn, an IterableDataset sharded with get_worker_info, generator seeding."""
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info


class Squares(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return torch.tensor([i, i * i], dtype=torch.float32), i % 2


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        for i in range(start, self.n, step):
            yield torch.tensor(float(i))


def collate(batch):
    xs, ys = zip(*batch)
    return torch.stack(xs).sum(0), torch.tensor(ys)


if __name__ == "__main__":
    loader = DataLoader(Squares(), batch_size=3, shuffle=True, num_workers=2,
                        persistent_workers=True, pin_memory=True, collate_fn=collate,
                        generator=torch.Generator().manual_seed(0))
    for epoch in range(2):
        print(epoch, [(x.tolist(), y.tolist()) for x, y in loader])
    print(sorted(int(v) for b in DataLoader(Stream(7), batch_size=2, num_workers=2) for v in b))
    seeds = DataLoader(Squares(), batch_size=5, num_workers=2,
                       worker_init_fn=lambda wid: None)
    print(len(seeds), [b[0].shape for b in seeds])
    torch.manual_seed(1)
    print([b[1].tolist() for b in DataLoader(Squares(), batch_size=4, shuffle=True)])
