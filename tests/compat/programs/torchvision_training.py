"""A torchvision-style image-classification script: an ImageFolder tree of PNGs written with PIL
in a temporary folder, transforms v1 (Compose, RandomResizedCrop, RandomCrop with padding,
RandomHorizontalFlip, ColorJitter, ToTensor, Normalize) and v2 (ToImage, ToDtype(scale=True)),
FakeData, a DataLoader, torchvision.models.resnet18 fine-tuned for two steps, make_grid and
save_image. torchvision cannot be imported beside CPU torch here, so this program runs under
gradkit only and checks itself with asserts."""
# compat: gradkit-only
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torchvision
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms
from torchvision.transforms import v2
from torchvision.utils import make_grid, save_image

torch.manual_seed(0)
rng = np.random.default_rng(0)
mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

# v1 transforms on a PIL image, checked against the arithmetic they stand for
arr = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
img = Image.fromarray(arr)
t = transforms.ToTensor()(img)
assert t.shape == (3, 20, 24) and t.dtype == torch.float32
assert np.allclose(t.numpy(), arr.transpose(2, 0, 1) / 255.0, atol=1e-6)
n = transforms.Normalize(mean, std)(t)
assert np.allclose(n.numpy(), (t.numpy() - np.array(mean)[:, None, None]) / np.array(std)[:, None, None], atol=1e-5)
flipped = transforms.RandomHorizontalFlip(p=1.0)(img)
assert np.array_equal(np.asarray(flipped), arr[:, ::-1])
assert transforms.functional.to_tensor(transforms.functional.hflip(img)).equal(t.flip(-1))
crop = transforms.CenterCrop(10)(t)
assert crop.equal(t[:, 5:15, 7:17])
padded = transforms.RandomCrop(20, padding=4)(t)
assert padded.shape == (3, 20, 20)
assert transforms.Resize((10, 12))(img).size == (12, 10)
assert transforms.Resize(10)(t).shape == (3, 10, 12)
train_tf = transforms.Compose([
    transforms.RandomResizedCrop(16, scale=(0.5, 1.0)),
    transforms.RandomHorizontalFlip(),
    transforms.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.05),
    transforms.ToTensor(),
    transforms.Normalize(mean, std),
])
out = train_tf(img)
assert out.shape == (3, 16, 16) and torch.isfinite(out).all()
print(train_tf)

# v2 transforms on a uint8 tensor image
v2_tf = v2.Compose([v2.ToImage(), v2.RandomResizedCrop(size=(16, 16), antialias=True),
                    v2.RandomHorizontalFlip(p=0.5), v2.ToDtype(torch.float32, scale=True),
                    v2.Normalize(mean=mean, std=std)])
o2 = v2_tf(img)
assert o2.shape == (3, 16, 16) and o2.dtype == torch.float32
u8 = torch.from_numpy(arr).permute(2, 0, 1)
scaled = v2.ToDtype(torch.float32, scale=True)(u8)
assert torch.allclose(scaled, u8.float() / 255)

# an ImageFolder tree
with tempfile.TemporaryDirectory() as root:
    for ci, cls in enumerate(["cat", "dog", "frog"]):
        os.makedirs(os.path.join(root, cls))
        for i in range(4):
            a = np.full((20, 20, 3), 60 * ci, dtype=np.uint8) + rng.integers(0, 40, (20, 20, 3), dtype=np.uint8)
            Image.fromarray(a).save(os.path.join(root, cls, f"{i}.png"))
    ds = datasets.ImageFolder(root, transform=transforms.Compose([
        transforms.RandomCrop(16), transforms.ToTensor(), transforms.Normalize(mean, std)]))
    assert ds.classes == ["cat", "dog", "frog"]
    assert ds.class_to_idx == {"cat": 0, "dog": 1, "frog": 2}
    assert len(ds) == 12 and ds.targets == [0] * 4 + [1] * 4 + [2] * 4
    assert os.path.basename(ds.samples[5][0]) == "1.png" and ds.samples[5][1] == 1
    x0, y0 = ds[0]
    assert x0.shape == (3, 16, 16) and y0 == 0
    loader = DataLoader(ds, batch_size=4, shuffle=True, num_workers=0)
    model = models.resnet18(weights=None, num_classes=3)
    assert model.fc.out_features == 3
    model.fc = nn.Linear(model.fc.in_features, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    losses = []
    for step, (xb, yb) in enumerate(loader):
        assert xb.shape == (4, 3, 16, 16) and yb.dtype == torch.int64
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step == 1:
            break
    assert len(losses) == 2 and all(np.isfinite(losses))
    model.eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 32, 32)).shape == (2, 3)
    grid = make_grid(xb, nrow=2, normalize=True, padding=1)
    assert grid.shape == (3, 2 * 16 + 3, 2 * 16 + 3)
    path = os.path.join(root, "grid.png")
    save_image(xb, path, nrow=2, normalize=True)
    assert Image.open(path).size == (2 * 16 + 6, 2 * 16 + 6)

fake = datasets.FakeData(size=10, image_size=(3, 8, 8), num_classes=4, transform=transforms.ToTensor())
fx, fy = fake[3]
assert fx.shape == (3, 8, 8) and 0 <= int(fy) < 4 and fx.min() >= 0 and fx.max() <= 1
fx2, _ = fake[3]
assert fx.equal(fx2)  # FakeData is deterministic per index
batch = next(iter(DataLoader(fake, batch_size=5)))
assert batch[0].shape == (5, 3, 8, 8) and batch[1].shape == (5,)
print("torchvision", torchvision.__name__.split(".")[0], "ok", round(losses[0], 3) > 0)
