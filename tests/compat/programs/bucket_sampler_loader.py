"""Samplers written by hand for variable-length data: a Sampler subclass that buckets indices by
sequence length (sorted within shuffled chunks, with a torch.Generator), a custom batch sampler
passed as batch_sampler=, DataLoader(sampler=BatchSampler(...), batch_size=None) returning whole
batches from a dataset that indexes with a list, SequentialSampler, len() of loaders with and
without drop_last, a worker_init_fn that seeds numpy, and a padding collate_fn."""
import random

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
)


class SeqDataset(Dataset):
    def __init__(self, n=23, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.lengths = torch.randint(2, 9, (n,), generator=g).tolist()
        self.data = [torch.arange(length) + 10 * i for i, length in enumerate(self.lengths)]

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        if isinstance(idx, list):  # a whole batch at once (batch_size=None with a BatchSampler)
            return pad_sequence([self.data[i] for i in idx], batch_first=True, padding_value=-1)
        return self.data[idx], len(self.data[idx])


class BucketSampler(Sampler):
    def __init__(self, lengths, batch_size, bucket_size=8, generator=None):
        self.lengths = lengths
        self.batch_size = batch_size
        self.bucket_size = bucket_size
        self.generator = generator

    def __iter__(self):
        perm = torch.randperm(len(self.lengths), generator=self.generator).tolist()
        for start in range(0, len(perm), self.bucket_size):
            chunk = sorted(perm[start:start + self.bucket_size], key=lambda i: self.lengths[i])
            yield from chunk

    def __len__(self):
        return len(self.lengths)


class LengthBatchSampler(Sampler):
    def __init__(self, sampler, batch_size, drop_last=False):
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size


def collate(batch):
    seqs, lengths = zip(*batch)
    return pad_sequence(seqs, batch_first=True), torch.tensor(lengths)


def seed_worker(worker_id):
    worker_seed = torch.initial_seed() % 2**32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


ds = SeqDataset()
print("lengths:", ds.lengths)
g = torch.Generator()
g.manual_seed(0)
sampler = BucketSampler(ds.lengths, batch_size=4, generator=g)
loader = DataLoader(ds, batch_sampler=LengthBatchSampler(sampler, 4), collate_fn=collate,
                    worker_init_fn=seed_worker)
print("batches:", len(loader))
for padded, lengths in loader:
    print(tuple(padded.shape), lengths.tolist(), int((padded == 0).sum()))

whole = DataLoader(ds, sampler=BatchSampler(SequentialSampler(ds), batch_size=5, drop_last=False),
                   batch_size=None)
print("batch_size=None with a BatchSampler:", len(whole))
for b in whole:
    print(tuple(b.shape), b[0].tolist())

bs = BatchSampler(RandomSampler(range(10), generator=torch.Generator().manual_seed(1)),
                  batch_size=3, drop_last=True)
print(list(bs), len(bs))
print(list(BatchSampler(range(7), batch_size=3, drop_last=False)))
for drop in (False, True):
    dl = DataLoader(ds, batch_size=5, drop_last=drop, collate_fn=collate)
    print("drop_last", drop, len(dl), [len(lengths) for _, lengths in dl])
print(list(SequentialSampler(range(4))), len(RandomSampler(ds, num_samples=7)))
try:
    DataLoader(ds, batch_sampler=bs, batch_size=2)
except ValueError as e:
    print("ValueError:", str(e)[:75])
try:
    DataLoader(ds, sampler=sampler, shuffle=True)
except ValueError as e:
    print("ValueError:", str(e)[:60])
