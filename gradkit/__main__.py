"""``python -m gradkit ...``: the ``gradkit`` command (``python -m gradkit run prog.py``)."""

import sys

from .cli import main

if __name__ == "__main__":  # (importing the module, as documentation tools do, runs nothing)
    sys.exit(main())
