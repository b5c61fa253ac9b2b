"""``FakeData``: random images, reproducible per index, as torchvision."""

from __future__ import annotations

import gradkit as gk

from ..transforms.functional import to_pil_image
from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """Sample ``i`` is ``randn(*image_size)`` made a PIL image, and ``randint(num_classes)``,
    drawn after ``manual_seed(i + random_offset)``; the global random state is restored after.
    """

    def __init__(self, size: int = 1000, image_size=(3, 224, 224), num_classes: int = 10,
                 transform=None, target_transform=None, random_offset: int = 0) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size, self.num_classes = size, num_classes
        self.image_size, self.random_offset = image_size, random_offset

    def __getitem__(self, index: int):
        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range: {index} >= {len(self)}")
        state = gk.get_rng_state()
        gk.manual_seed(index + self.random_offset)
        img = gk.randn(*self.image_size)
        target = gk.randint(0, self.num_classes, size=(1,), dtype=gk.int64)[0]
        gk.set_rng_state(state)
        img = to_pil_image(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target.item()

    def __len__(self) -> int:
        return self.size
