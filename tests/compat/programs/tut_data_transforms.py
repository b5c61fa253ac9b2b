"""The basics tutorials on datasets and transforms: a custom Dataset reading an annotations
table (here an in-memory CSV) with transform and target_transform, ToTensor-like scaling and
a Lambda one-hot target built with zeros(...).scatter_(0, tensor(y), value=1), a DataLoader
with batch_size and shuffle, iterating a batch, and labels_map lookups."""
import csv
import io

import torch
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
labels_map = {0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
              5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot"}
images = {f"img_{i}.png": (torch.rand(28, 28) * 255).to(torch.uint8) for i in range(20)}
annotations = io.StringIO()
writer = csv.writer(annotations)
for i, name in enumerate(images):
    writer.writerow([name, (i * 7) % 10])
annotations.seek(0)


class ToTensor:
    def __call__(self, pic):
        return pic.unsqueeze(0).to(torch.float32).div(255)


class Lambda:
    def __init__(self, lambd):
        self.lambd = lambd

    def __call__(self, x):
        return self.lambd(x)


class CustomImageDataset(Dataset):
    def __init__(self, annotations_file, img_store, transform=None, target_transform=None):
        self.img_labels = list(csv.reader(annotations_file))
        self.img_store = img_store
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        image = self.img_store[self.img_labels[idx][0]]
        label = int(self.img_labels[idx][1])
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


target_transform = Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
training_data = CustomImageDataset(annotations, images, transform=ToTensor(),
                                   target_transform=target_transform)
print(len(training_data))
img, label = training_data[3]
print(img.shape, img.dtype, round(img.mean().item(), 5), label)
print(labels_map[int(label.argmax())])

sample_idx = torch.randint(len(training_data), size=(1,)).item()
img, label = training_data[sample_idx]
print(sample_idx, labels_map[int(label.argmax())])

train_dataloader = DataLoader(training_data, batch_size=8, shuffle=True)
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
img = train_features[0].squeeze()
label = train_labels[0]
print(img.shape, f"Label: {label.argmax().item()}")
for epoch in range(2):
    seen = []
    for X, y in train_dataloader:
        seen.append(y.argmax(1).tolist())
    print(epoch, seen)
