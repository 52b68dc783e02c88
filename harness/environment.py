"""The environment tests, benchmarks and the app servers they start run in.

``with_defaults(environ)`` fills in what the caller has not set: MNIST from ``MNIST_PATH``, else the
shared copy beside the checkout (``../shared/data/mnist.npz``) when it is there; TensorFlow's C++ log
at level 2 (errors only). A value the caller set is kept.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"


def with_defaults(environ: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """``environ`` (e.g. ``os.environ`` or a child's copy of it), changed in place and returned."""
    if not environ.get("MNIST_PATH") and SHARED_MNIST.is_file():
        environ["MNIST_PATH"] = str(SHARED_MNIST)
    environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return environ
