"""Data plumbing for variable-length training as seq2seq/ASR repos write it: a custom
BucketBatchSampler (a Sampler subclass sorting indices by length inside shuffled pools of
batches, yielding lists) passed as batch_sampler=, BatchSampler over a SequentialSampler with
drop_last, ConcatDataset of two corpora (cumulative_sizes, negative indexing, which dataset
an index lands in via bisect), ChainDataset of two IterableDatasets, random_split with
fractions and a generator, Subset of a Subset, SubsetRandomSampler and the padding waste
measured per epoch."""
import bisect

import torch
from torch.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    random_split,
)

torch.manual_seed(71)


class Seqs(Dataset):
    def __init__(self, n, lo, hi, tag):
        self.data = [torch.full((int(L),), tag) for L in torch.randint(lo, hi, (n,))]

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


class BucketBatchSampler(Sampler):
    def __init__(self, lengths, batch_size, pool_factor=3, generator=None):
        self.lengths, self.bs, self.pool = lengths, batch_size, batch_size * pool_factor
        self.generator = generator

    def __iter__(self):
        perm = torch.randperm(len(self.lengths), generator=self.generator).tolist()
        batches = []
        for i in range(0, len(perm), self.pool):
            pool = sorted(perm[i:i + self.pool], key=lambda j: self.lengths[j])
            batches += [pool[k:k + self.bs] for k in range(0, len(pool), self.bs)]
        order = torch.randperm(len(batches), generator=self.generator).tolist()
        return iter([batches[k] for k in order])

    def __len__(self):
        return sum(-(-min(self.pool, len(self.lengths) - i) // self.bs)
                   for i in range(0, len(self.lengths), self.pool))


def pad_collate(batch):
    L = max(len(s) for s in batch)
    out = torch.zeros(len(batch), L)
    for i, s in enumerate(batch):
        out[i, :len(s)] = s
    return out, torch.tensor([len(s) for s in batch])


a, b = Seqs(13, 2, 12, 1.0), Seqs(9, 5, 20, 2.0)
cat = ConcatDataset([a, b])
print("concat", len(cat), cat.cumulative_sizes, cat[-1][0].item(), len(cat[-1]), cat[13][0].item())
for idx in (0, 12, 13, 21):
    ds_idx = bisect.bisect_right(cat.cumulative_sizes, idx)
    print("  index", idx, "-> dataset", ds_idx)
lengths = [len(cat[i]) for i in range(len(cat))]
for name, sampler in [("bucket", BucketBatchSampler(lengths, 4, generator=torch.Generator().manual_seed(1))),
                      ("random", BatchSampler(SubsetRandomSampler(range(len(cat)), generator=torch.Generator().manual_seed(1)), 4, False))]:
    loader = DataLoader(cat, batch_sampler=sampler, collate_fn=pad_collate)
    waste, n = 0, 0
    for x, lens in loader:
        waste += (x.shape[1] * len(lens) - lens.sum()).item()
        n += 1
    print(f"{name}: batches {n} len {len(sampler)} padding waste {waste}")
print("sequential", list(BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=True)))


class Stream(IterableDataset):
    def __init__(self, start, n):
        self.start, self.n = start, n

    def __iter__(self):
        return iter(range(self.start, self.start + self.n))


chained = ChainDataset([Stream(0, 3), Stream(100, 4)])
print("chain", list(chained), [t.tolist() for t in DataLoader(chained, batch_size=3)])
train, val, test = random_split(range(20), [0.6, 0.25, 0.15], generator=torch.Generator().manual_seed(42))
print("split", len(train), len(val), len(test), list(train)[:5], list(val), list(test))
inner = Subset(cat, list(range(5, 18)))
outer = Subset(inner, [0, 2, 12])
print("subset of subset", [len(outer[i]) for i in range(3)], outer.indices, type(outer.dataset).__name__)
