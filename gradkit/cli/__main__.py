"""``python -m gradkit.cli ...``: the ``gradkit`` command."""

import sys

from . import main

if __name__ == "__main__":  # (importing the module, as documentation tools do, runs nothing)
    sys.exit(main())
