"""The one door to Pillow: imported on first use, never when ``gradkit`` is imported."""

from __future__ import annotations

import sys

__all__ = ["pil_image", "is_pil_image"]


def pil_image():
    """Return the ``PIL.Image`` module, or raise an ImportError that says how to get it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "gradkit.vision needs Pillow for PIL images, image files and save_image: "
            "pip install 'gradkit[vision]' (or pip install Pillow)") from None
    return Image


def is_pil_image(img) -> bool:
    """True for a PIL image. Without Pillow loaded nothing can be one, so Pillow is not imported."""
    mod = sys.modules.get("PIL.Image")
    return mod is not None and isinstance(img, mod.Image)
