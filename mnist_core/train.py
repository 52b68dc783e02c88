"""``python -m mnist_core.train``: the command-line trainer (the code is in ``cli.py``).

Run this module, don't import it: importing the submodule ``mnist_core.train`` would shadow
the package's ``train`` function (Python sets the submodule as a package attribute). Code
that wants the CLI in-process imports ``mnist_core.cli.main``.
"""

import sys

from mnist_core.cli import main

if __name__ == "__main__":
    sys.exit(main())
