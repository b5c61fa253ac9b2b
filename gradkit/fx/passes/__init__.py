"""``torch.fx.passes``: analyses over a traced graph (``shape_prop.ShapeProp``) and
``split_module``."""

from . import shape_prop, split_module

__all__ = ["shape_prop", "split_module"]
