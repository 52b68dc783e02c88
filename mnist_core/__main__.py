"""``python -m mnist_core``: the command-line trainer (the code is in ``cli.py``)."""

import sys

from mnist_core.cli import main

sys.exit(main())
