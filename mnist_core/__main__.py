"""``python -m mnist_core``: the command-line trainer (the code is in ``training/worker/cli.py``)."""

import sys

from mnist_core.training.worker.cli import main

sys.exit(main())
