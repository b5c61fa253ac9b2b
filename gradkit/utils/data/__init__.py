"""``gradkit.utils.data``: datasets, samplers, and the DataLoader (``torch.utils.data``)."""

from .collate import default_collate, default_convert  # noqa: F401
from .dataloader import *  # noqa: F401,F403
from .dataset import *  # noqa: F401,F403
from .distributed import *  # noqa: F401,F403
from .sampler import *  # noqa: F401,F403
