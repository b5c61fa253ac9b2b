"""``python -m gradkit ...``: the ``gradkit`` command (``python -m gradkit run prog.py``)."""

import sys

from .cli import main

sys.exit(main())
