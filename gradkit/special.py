"""``gradkit.special``: PyTorch's ``torch.special`` functions.

Each is an op declared once in ``gradkit/functions/`` with a ``"special:<name>"`` alias (e.g.
``sigmoid`` is also ``special.expit``); this module only collects them.
"""

from .functions import special_functions as _special_functions

globals().update(_special_functions())
__all__ = sorted(_special_functions())
