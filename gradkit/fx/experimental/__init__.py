"""``torch.fx.experimental``: graph passes built on torch.fx (``optimization.fuse``,
``optimization.remove_dropout``)."""

__all__ = ["optimization"]
