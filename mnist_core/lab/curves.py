"""Robustness curves: a network's accuracy on all 10,000 test digits as one transformation grows
(shift right/left, down/up, rotation, scale, stroke width, noise) and under FGSM as epsilon grows.

- The shipped models' curves are computed when the models are built and saved beside them
  (``models/<name>.curves.npz``, tied to the weights by ``fingerprint``):
  ``python -m mnist_core.lab.curves models/seed.keras models/default.keras models/convnet.keras``.
- A model trained in a session gets its curves from ``CurveCache``: one background thread per
  server process at a lower CPU priority, one computation per model (shared out to ``WORKERS``
  threads at that priority), results cached.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_core.inspection.network_map import fingerprint
from mnist_core.lab import attacks, transforms
from mnist_core.serving.network import DenseNetwork

WORKERS = 2  # threads measuring one model's curves, each at the cache's lower priority
CHUNK = 2500  # test images that share one noise pattern (transforms.noise_pattern of their shape)
BATCH = 1250  # test images transformed and scored at a time (3.9 MB of float32 per copy); divides CHUNK

# Each curve's settings; the untouched images are every curve's identity point, scored once.
AXES: dict[str, np.ndarray] = {
    "shift_x": np.arange(-transforms.MAX_SHIFT, transforms.MAX_SHIFT + 1),
    "shift_y": np.arange(-transforms.MAX_SHIFT, transforms.MAX_SHIFT + 1),
    "rotation": np.arange(-transforms.MAX_ROTATION, transforms.MAX_ROTATION + 1, 10),
    "scale": np.round(np.arange(0.5, 1.501, 0.1), 2),
    "stroke": np.arange(-transforms.MAX_STROKE, transforms.MAX_STROKE + 1),
    "noise": np.round(np.arange(0.0, transforms.MAX_NOISE + 0.001, 0.1), 2),
    "epsilon": np.round(np.arange(0.0, 0.2501, 0.05), 2),
}
IDENTITY = {"shift_x": 0, "shift_y": 0, "rotation": 0, "scale": 1.0, "stroke": 0, "noise": 0.0,
            "epsilon": 0.0}


def transformed(images: np.ndarray, axis: str, value) -> np.ndarray:
    """float32 (N, 28, 28): ``images`` (float, [0, 1]) with one transformation of ``AXES`` applied
    (not "epsilon": that depends on the network, see ``accuracy_at``)."""
    edits = {
        "shift_x": lambda: transforms.shift(images, int(value), 0),
        "shift_y": lambda: transforms.shift(images, 0, int(value)),
        "rotation": lambda: transforms.rotate(images, float(value)),
        "scale": lambda: transforms.scale(images, float(value)),
        "stroke": lambda: transforms.stroke(images, int(value)),
        "noise": lambda: transforms.add_noise(images, float(value)),
    }
    if axis not in edits:
        raise ValueError(f"Unknown transformation {axis!r}; one of {', '.join(edits)}.")
    return edits[axis]()


@dataclass(frozen=True)
class Curves:
    """``accuracy[axis]``: float64 (len(AXES[axis]),), the share of test digits read right at each
    setting of ``AXES[axis]``; ``model``: the fingerprint of the weights they were measured on;
    ``count``: how many test digits."""

    model: str
    count: int
    accuracy: dict[str, np.ndarray]

    def at(self, axis: str, value) -> float:
        """Accuracy at one setting of ``AXES[axis]`` (ValueError for a setting not measured)."""
        matches = np.flatnonzero(np.isclose(AXES[axis], value))
        if not len(matches):
            raise ValueError(f"{axis} = {value} is not one of the measured settings.")
        return float(self.accuracy[axis][matches[0]])

    def save(self, path) -> None:
        """Write an .npz: the fingerprint, count, and each axis's settings and accuracies."""
        arrays = {f"{axis}_accuracy": values for axis, values in self.accuracy.items()}
        arrays |= {f"{axis}_settings": AXES[axis] for axis in self.accuracy}
        temporary = Path(path).with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez_compressed(temporary, model=np.array(self.model), count=np.array(self.count), **arrays)
        os.replace(temporary, path)

    @classmethod
    def load(cls, path) -> Curves:
        """Read ``save``'s file; ValueError when its settings are not today's ``AXES``."""
        with np.load(path) as stored:
            accuracy = {}
            for axis, settings in AXES.items():
                if not np.allclose(stored[f"{axis}_settings"], settings):
                    raise ValueError(f"{path} was measured at other {axis} settings.")
                accuracy[axis] = stored[f"{axis}_accuracy"].astype("float64")
            return cls(str(stored["model"]), int(stored["count"]), accuracy)


def compute_curves(network, images: np.ndarray, labels: np.ndarray,
                   on_progress: Callable[[float], None] | None = None, workers: int = 1) -> Curves:
    """Every curve of ``AXES`` for ``network`` on uint8 images (N, 28, 28) and labels (N,).

    ``workers`` threads share the settings out (each at the calling thread's CPU priority; NumPy
    releases the GIL in the matrix products, so two threads use two cores)."""
    scorer = _Scorer(network, np.asarray(images), np.asarray(labels, dtype=np.int64))
    tasks = [("identity", None)] + [
        (axis, value) for axis, settings in AXES.items() if axis != "epsilon"
        for value in settings if not np.isclose(value, IDENTITY[axis])
    ] + [("epsilon", None)]
    weights = {task: len(AXES["epsilon"]) if task[0] == "epsilon" else 1 for task in tasks}
    found: dict[tuple, object] = {}
    done = 0
    if workers <= 1:
        results = ((task, scorer.correct(*task)) for task in tasks)
    else:
        priority = _own_priority()
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="curves-worker",
                                  initializer=_set_own_priority, initargs=(priority,))
        futures = {pool.submit(scorer.correct, *task): task for task in tasks}
        results = ((futures[future], future.result()) for future in as_completed(futures))
    try:
        for task, hits in results:
            found[task] = hits
            done += weights[task]
            if on_progress is not None:
                on_progress(done / sum(weights.values()))
    finally:
        if workers > 1:
            pool.shutdown(wait=True, cancel_futures=True)
    count = len(images)
    accuracy = {}
    for axis, settings in AXES.items():
        hits = []
        for index, value in enumerate(settings):
            if np.isclose(value, IDENTITY[axis]):
                hits.append(found[("identity", None)])
            elif axis == "epsilon":
                hits.append(found[("epsilon", None)][index])
            else:
                hits.append(found[(axis, value)])
        accuracy[axis] = np.array(hits, dtype="float64") / max(count, 1)
    return Curves(fingerprint(network), count, accuracy)


# The warps that are linear in the pixels, and their name for ``transforms.warped_kernel``.
WARPS = {"shift_x": "shift_x", "shift_y": "shift_y", "rotation": "rotate", "scale": "scale"}


class _Scorer:
    """Counts the test digits a network reads right at one setting, BATCH images at a time.

    For a ``DenseNetwork`` the first layer is the cost (784 x units multiply-adds per image,
    against units x 10 for the rest), and the warps are linear in the pixels: ``warp(x) @ W ==
    x @ warped_kernel(W)``. So the untouched digits are scored against each warp's kernel,
    restricted to the pixels inked in some test digit (about 670 of 784), and no warped image
    is made. Products go into one buffer per thread: with the server's fixed mmap threshold
    (``release_freed_buffers_promptly``) every fresh array of this size would be new pages."""

    def __init__(self, network, images: np.ndarray, labels: np.ndarray):
        self.network, self.images, self.labels = network, images, labels
        self.dense = isinstance(network, DenseNetwork)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._patterns: dict[tuple[int, ...], np.ndarray] = {}
        if self.dense:
            flat = images.reshape(len(images), -1)
            self.inked = np.flatnonzero(flat.any(axis=0))  # pixels not 0 in every image
            # float32 (N, len(inked)): every digit's inked pixels, scaled as ``clean`` scales them
            self.inked_pixels = np.asarray(flat[:, self.inked], dtype="float32") / np.float32(255)

    def correct(self, axis: str, value) -> int | list[int]:
        """Right answers at one setting (``identity``: untouched); for "epsilon", a list with one
        count per ``AXES["epsilon"]`` setting (one gradient per image serves them all)."""
        if self.dense and axis in WARPS:
            kernel = transforms.warped_kernel(self.network.kernels[0], WARPS[axis], value)[self.inked]
            return sum(self._hits(self._from_products(self.inked_pixels[start:stop], kernel), start, stop)
                       for start, stop in self._chunks())
        if axis == "epsilon":
            totals = [0] * len(AXES["epsilon"])
            for start, stop in self._chunks():
                clean = self._clean(start, stop)
                direction = attacks.fgsm_direction(self.network, clean, self.labels[start:stop])
                for index, epsilon in enumerate(AXES["epsilon"]):
                    if epsilon:
                        attacked = attacks.fgsm_step(clean, direction, epsilon)
                        totals[index] += self._hits(self._probabilities(attacked), start, stop)
            return totals
        total = 0
        for start, stop in self._chunks():
            clean = self._clean(start, stop)
            if axis == "identity":
                changed = clean
            elif axis == "noise":
                changed = transforms.add_noise(clean, float(value), pattern=self._noise(start, stop))
            else:
                changed = transformed(clean, axis, value)
            total += self._hits(self._probabilities(changed), start, stop)
        return total

    def _noise(self, start: int, stop: int) -> np.ndarray:
        """The noise of images ``start:stop`` (one BATCH): rows of the pattern of their CHUNK, as
        ``add_noise`` gives that chunk (``transforms.noise_pattern`` of its shape, made once per
        computation: 7.8 MB)."""
        first = start // CHUNK * CHUNK
        shape = (min(CHUNK, len(self.images) - first), *self.images.shape[1:])
        with self._lock:
            if shape not in self._patterns:
                self._patterns[shape] = transforms.noise_pattern(shape)
            return self._patterns[shape][start - first : stop - first]

    def _chunks(self):
        """(start, stop) of each BATCH of images; none straddles two CHUNKs."""
        return [(start, min(start + BATCH, len(self.images))) for start in range(0, len(self.images), BATCH)]

    def _clean(self, start: int, stop: int) -> np.ndarray:
        """float32 (n, 28, 28) in [0, 1]: the digits as the page scales them."""
        return np.asarray(self.images[start:stop], dtype="float32") / np.float32(255)

    def _probabilities(self, images: np.ndarray) -> np.ndarray:
        if not self.dense:
            return self.network.probabilities(images)
        flat = images.reshape(len(images), -1)
        return self._from_products(flat, self.network.kernels[0])

    def _from_products(self, inputs: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """A dense network's probabilities (n, 10) for ``inputs @ kernel`` as its first layer."""
        shape = (len(inputs), kernel.shape[1])
        buffer = getattr(self._local, "products", None)
        if buffer is None or buffer.shape[1] != shape[1] or len(buffer) < shape[0]:
            buffer = self._local.products = np.empty((max(BATCH, shape[0]), shape[1]), dtype="float32")
        products = np.matmul(inputs, kernel, out=buffer[: shape[0]])
        return self.network.probabilities_from_products(products)

    def _hits(self, probabilities: np.ndarray, start: int, stop: int) -> int:
        return int((probabilities.argmax(axis=1) == self.labels[start:stop]).sum())


def _own_priority() -> int | None:
    """The calling thread's nice value (None where threads have none of their own)."""
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except (OSError, AttributeError):
        return None


def _set_own_priority(niceness: int | None) -> None:
    """Give the calling thread ``niceness`` (Linux: a nice value belongs to a thread)."""
    if niceness is None:
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (OSError, AttributeError):  # not Linux, or not allowed: run at the normal priority
        pass


# ---------------------------------------------------------------------- shipped curves


def shipped_curves_path(model_path) -> Path:
    """``models/seed.keras`` -> ``models/seed.curves.npz``."""
    return Path(model_path).with_suffix(".curves.npz")


def load_shipped(model_path, network) -> Curves | None:
    """The curves shipped beside ``model_path`` if they exist, are readable and were measured on
    exactly this ``network``; else None (then the caller computes them)."""
    try:
        stored = Curves.load(shipped_curves_path(model_path))
    except (OSError, ValueError, KeyError, EOFError):
        return None
    return stored if stored.model == fingerprint(network) else None


# ---------------------------------------------------------------------- a session's model


class CurveCache:
    """Curves computed on one background thread, once per model (by fingerprint), kept for the
    last ``size`` models. The thread lowers its own CPU priority, so pages keep the cores first,
    and shares each model's settings out to ``workers`` threads at that priority."""

    def __init__(self, size: int = 32, niceness: int = 10, workers: int = WORKERS):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="curves")
        self._workers = workers
        self._futures: OrderedDict[str, Future] = OrderedDict()
        self._progress: dict[str, float] = {}
        self._lock = threading.Lock()
        self._size, self._niceness = size, niceness

    def submit(self, network, images: np.ndarray, labels: np.ndarray) -> Future:
        """A ``Future`` of ``compute_curves(network, images, labels)``, started at most once per model."""
        key = fingerprint(network)
        with self._lock:
            if key in self._futures:
                self._futures.move_to_end(key)
                return self._futures[key]
            self._progress[key] = 0.0
            future = self._executor.submit(self._compute, key, network, images, labels)
            self._futures[key] = future
            while len(self._futures) > self._size:
                old, _ = self._futures.popitem(last=False)
                self._progress.pop(old, None)
            return future

    def progress(self, network) -> float:
        """Share of the test digits done, 0 to 1 (1 once finished or unknown)."""
        return self._progress.get(fingerprint(network), 1.0)

    def _compute(self, key, network, images, labels) -> Curves:
        _set_own_priority(self._niceness)

        def report(share: float) -> None:
            self._progress[key] = share

        return compute_curves(network, images, labels, on_progress=report, workers=self._workers)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def main(argv=None) -> int:
    """Measure and save the curves of shipped models:
    ``python -m mnist_core.lab.curves models/seed.keras models/default.keras models/convnet.keras``."""
    import time

    from mnist_core.data.mnist import load_mnist
    from mnist_core.serving.model_files import load_network

    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print(main.__doc__)
        return 2
    _, (x_test, y_test) = load_mnist()
    for path in paths:
        network, _ = load_network(path)
        started = time.perf_counter()
        curves = compute_curves(network, x_test, y_test)
        out = shipped_curves_path(path)
        curves.save(out)
        print(f"Saved {out} in {time.perf_counter() - started:.1f} s: "
              f"shift +4 px right {curves.at('shift_x', 4):.3f}, "
              f"FGSM eps 0.1 {curves.at('epsilon', 0.1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
