"""``python -m mnist_core.train``: the older spelling of ``python -m mnist_core``, kept working.

Only runnable, never importable: a module ``mnist_core.train``, once imported, would replace
the package's ``train`` function (Python sets a submodule as an attribute of its package).
Importing it raises ImportError before that can happen; ``from mnist_core import train``
still gives the function.
"""

import sys

if __name__ != "__main__":
    raise ImportError(
        "mnist_core.train is the package's train() function, not a module: "
        "use `from mnist_core import train`, and run the trainer as `python -m mnist_core`."
    )

from mnist_core.cli import main  # noqa: E402

sys.exit(main())
