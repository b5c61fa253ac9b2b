"""Custom collate functions as detection and NLP repos write them: DETR's nested tensor (images
of different sizes padded into one zero batch with a bool mask via copy_ into slices), targets
kept as a list of dicts, a collate that zips the batch (tuple(zip(*batch))), pad_sequence with
batch_first, padding_value and padding_side='left', attention masks from lengths, default_collate
of namedtuples / nested dicts / numpy arrays and default_convert, and a DataLoader using each."""
import collections
import functools

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset
from torch.utils.data._utils.collate import default_convert
from torch.utils.data.dataloader import default_collate

torch.manual_seed(47)


class DetDataset(Dataset):
    def __init__(self, n=5):
        self.sizes = [(int(h), int(w)) for h, w in torch.randint(4, 9, (n, 2))]

    def __len__(self):
        return len(self.sizes)

    def __getitem__(self, i):
        h, w = self.sizes[i]
        img = torch.rand(3, h, w)
        k = i % 3 + 1
        boxes = torch.rand(k, 4).sort(dim=1).values
        return img, {"boxes": boxes, "labels": torch.arange(k) % 2, "image_id": i, "orig_size": (h, w)}


def nested_tensor_from_tensor_list(tensors):
    max_size = [max(s) for s in zip(*[t.shape for t in tensors])]
    batch_shape = [len(tensors)] + max_size
    b, c, h, w = batch_shape
    tensor = torch.zeros(batch_shape, dtype=tensors[0].dtype)
    mask = torch.ones((b, h, w), dtype=torch.bool)
    for img, pad_img, m in zip(tensors, tensor, mask):
        pad_img[: img.shape[0], : img.shape[1], : img.shape[2]].copy_(img)
        m[: img.shape[1], : img.shape[2]] = False
    return tensor, mask


def detr_collate(batch):
    batch = list(zip(*batch))
    batch[0] = nested_tensor_from_tensor_list(batch[0])
    return tuple(batch)


loader = DataLoader(DetDataset(), batch_size=3, collate_fn=detr_collate)
for (images, mask), targets in loader:
    print("images", tuple(images.shape), "valid pixels", (~mask).sum(dim=(1, 2)).tolist(),
          "sum", round(images.sum().item(), 4))
    print("  targets", [(t["image_id"], tuple(t["boxes"].shape), t["orig_size"]) for t in targets])


class TextDataset(Dataset):
    def __init__(self):
        self.seqs = [torch.randint(1, 20, (int(n),)) for n in torch.randint(2, 7, (7,))]

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        return self.seqs[i], i % 2


def text_collate(batch, side="right"):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = pad_sequence(seqs, batch_first=True, padding_value=0, padding_side=side)
    ar = torch.arange(padded.shape[1])[None]
    attn = ar < lengths[:, None] if side == "right" else ar >= (padded.shape[1] - lengths)[:, None]
    return padded, attn.long(), lengths, torch.tensor(labels)


ds = TextDataset()
for side in ("right", "left"):
    collate = functools.partial(text_collate, side=side)
    padded, attn, lengths, labels = next(iter(DataLoader(ds, batch_size=4, collate_fn=collate)))
    print(side, padded.tolist(), attn.sum(1).tolist(), torch.equal(attn.sum(1), lengths), labels.tolist())
print("time-major", pad_sequence(ds.seqs[:3], padding_value=-1).shape)

Point = collections.namedtuple("Point", ["x", "y"])
samples = [{"pt": Point(torch.tensor([i, i + 1.0]), i), "meta": {"name": f"s{i}", "arr": np.arange(3) * i},
            "weights": [float(i), 2.0 * i]} for i in range(3)]
out = default_collate(samples)
print(type(out["pt"]).__name__, out["pt"].x, out["pt"].y, out["meta"]["name"], out["meta"]["arr"])
print("weights", out["weights"])
conv = default_convert({"a": np.ones(2, dtype=np.float32), "b": [np.int64(3), "text"]})
print("convert", conv["a"], type(conv["b"][0]).__name__, conv["b"][1])
print("scalars", default_collate([1, 2, 3]), default_collate([1.5, 2.5]).dtype, default_collate([True, False]))
