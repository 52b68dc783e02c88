"""A 2-D map of the test digits as the network sees them: its last hidden layer, laid out flat.

Landmark t-SNE in plain NumPy: exact t-SNE (perplexity 30, early exaggeration, momentum) on a
stratified sample of landmarks, then every image placed at the distance-weighted mean of its
nearest landmarks in activation space. The user's own digit is placed the same way, so it
lands where its neighbours are. Measured in benchmarks/bench_network.py against PCA (which
mixes the classes) and openTSNE on all 10,000 (as good, but several times slower here and
a 66 MB install).

Run ``python -m mnist_core.inspection.network_map`` to regenerate the shipped model's map
(``models/default.map.npz``).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_core.serving.network import DenseNetwork


@dataclass(frozen=True)
class MapConfig:
    landmarks: int = 1000  # images embedded by exact t-SNE; the rest are placed from them
    perplexity: float = 30.0  # t-SNE's effective number of neighbours
    iterations: int = 500  # gradient steps (the first quarter with early exaggeration)
    components: int = 50  # PCA dimensions the distances are measured in
    neighbours: int = 10  # landmarks that place each other image
    seed: int = 0  # landmark sample and initial layout


def fingerprint(network: DenseNetwork) -> str:
    """A short hash of the network's weights: a shipped map belongs to exactly one model."""
    digest = hashlib.sha256()
    for array in (*network.kernels, *network.biases):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ActivationMap:
    """positions float32 (N, 2) of N images; ``basis`` float32 (units, components) and ``mean``
    float32 (units,) project activations to the space where neighbours are found;
    ``landmark_features`` float32 (L, components) and ``landmark_positions`` float32 (L, 2)
    place new images."""

    positions: np.ndarray
    mean: np.ndarray
    basis: np.ndarray
    landmark_features: np.ndarray
    landmark_positions: np.ndarray
    neighbours: int
    model: str  # fingerprint of the network it was computed for

    def place(self, activations: np.ndarray) -> np.ndarray:
        """Positions float32 (M, 2) for last-hidden-layer activations (M, units), from their
        nearest landmarks in activation space."""
        features = (np.asarray(activations, "float32") - self.mean) @ self.basis
        return place(features, self.landmark_features, self.landmark_positions, self.neighbours)

    def save(self, path) -> None:
        """Write an .npz of about 150 KB for 10,000 images (positions and basis as float16)."""
        np.savez_compressed(path, positions=self.positions.astype("float16"), mean=self.mean,
                            basis=self.basis.astype("float16"),
                            landmark_features=self.landmark_features.astype("float16"),
                            landmark_positions=self.landmark_positions, neighbours=self.neighbours,
                            model=self.model)

    @classmethod
    def load(cls, path) -> ActivationMap:
        with np.load(path) as data:
            return cls(data["positions"].astype("float32"), data["mean"], data["basis"].astype("float32"),
                       data["landmark_features"].astype("float32"), data["landmark_positions"],
                       int(data["neighbours"]), str(data["model"]))


def pca(features: np.ndarray, components: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean float32 (D,), basis float32 (D, components)) of float (N, D) features, from the
    D x D covariance (fast for N >> D)."""
    features = np.asarray(features, "float32")
    mean = features.mean(0, dtype="float64").astype("float32")
    centred = features - mean
    values, vectors = np.linalg.eigh((centred.T @ centred).astype("float64"))
    basis = vectors[:, np.argsort(values)[::-1][: min(components, features.shape[1])]]
    return mean.astype("float32"), basis.astype("float32")


def pca_map(features: np.ndarray) -> np.ndarray:
    """The plain 2-D PCA of float (N, D) features, float32 (N, 2): the baseline."""
    mean, basis = pca(features, 2)
    return (np.asarray(features, "float32") - mean) @ basis


def stratified_sample(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` indices (sorted) with each label in proportion to its count."""
    labels = np.asarray(labels)
    if size >= len(labels):
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    ranks = np.empty(len(labels))
    for label in np.unique(labels):
        members = order[labels[order] == label]
        ranks[members] = (np.arange(len(members)) + rng.random()) / len(members)
    return np.sort(np.argsort(ranks, kind="stable")[:size])


def joint_probabilities(features: np.ndarray, perplexity: float) -> np.ndarray:
    """t-SNE's symmetric affinities P, float64 (L, L), summing to 1, by bisection on each
    point's Gaussian width so its conditional distribution has the given perplexity."""
    import scipy.spatial  # here, not at import: the page's cold start does not pay for it
    squared = scipy.spatial.distance.squareform(scipy.spatial.distance.pdist(features, "sqeuclidean"))
    count = len(features)
    target = np.log(min(perplexity, (count - 1) / 3))
    shifted = squared - np.where(np.eye(count, dtype=bool), np.inf, squared).min(1, keepdims=True)
    off_diagonal = ~np.eye(count, dtype=bool)
    low, high = np.zeros(count), np.full(count, np.inf)
    beta = np.ones(count) / max(float(np.median(squared)), 1e-12)
    for _ in range(60):
        weights = np.exp(-shifted * beta[:, None]) * off_diagonal
        total = weights.sum(1)
        conditional = weights / total[:, None]
        entropy = np.log(total) + beta * (shifted * conditional).sum(1)
        too_flat = entropy > target  # spread too wide: raise beta
        low = np.where(too_flat, beta, low)
        high = np.where(too_flat, high, beta)
        beta = np.where(np.isinf(high), beta * 2, (low + high) / 2)
    joint = conditional + conditional.T
    return joint / joint.sum()


def tsne(features: np.ndarray, config: MapConfig = MapConfig(),
         progress: Callable[[float], None] | None = None) -> np.ndarray:
    """Exact t-SNE of float (L, D) features (L up to a few thousand): float32 (L, 2)."""
    probabilities = joint_probabilities(features, config.perplexity).astype("float32")
    rng = np.random.default_rng(config.seed)
    layout = rng.normal(0, 1e-4, (len(features), 2)).astype("float32")
    velocity = np.zeros_like(layout)
    gains = np.ones_like(layout)
    learning_rate = np.float32(max(len(features) / 12 / 4, 50))
    exaggerated = config.iterations // 4
    diagonal = np.arange(len(features))
    for step in range(config.iterations):
        norms = (layout**2).sum(1)
        kernel = norms[:, None] + norms[None, :]
        kernel -= 2 * (layout @ layout.T)
        kernel += 1
        np.reciprocal(kernel, out=kernel)  # Student-t similarities 1 / (1 + d^2)
        kernel[diagonal, diagonal] = 0
        scale = np.float32(1 / kernel.sum())
        forces = probabilities * np.float32(12.0 if step < exaggerated else 1.0)
        forces -= kernel * scale
        forces *= kernel
        gradient = 4 * (forces.sum(1)[:, None] * layout - forces @ layout)
        same = np.sign(gradient) == np.sign(velocity)
        gains = np.clip(np.where(same, gains * 0.8, gains + 0.2), 0.01, None).astype("float32")
        momentum = np.float32(0.5 if step < exaggerated else 0.8)
        velocity = momentum * velocity - learning_rate * gains * gradient
        layout = layout + velocity
        if progress is not None and step % 20 == 0:
            progress(step / config.iterations)
    return (layout - layout.mean(0)).astype("float32")


def place(features: np.ndarray, landmark_features: np.ndarray, landmark_positions: np.ndarray,
          neighbours: int) -> np.ndarray:
    """float32 (M, 2): each row of float (M, D) features at the inverse-distance-weighted mean
    of its ``neighbours`` nearest landmarks (L, D) / (L, 2)."""
    import scipy.spatial
    features = np.atleast_2d(np.asarray(features, "float32"))
    tree = scipy.spatial.cKDTree(landmark_features)
    distances, indices = tree.query(features, k=min(neighbours, len(landmark_features)))
    distances, indices = distances.reshape(len(features), -1), indices.reshape(len(features), -1)
    weights = 1.0 / np.maximum(distances, 1e-6) ** 2
    weights /= weights.sum(1, keepdims=True)
    return np.einsum("mk,mkd->md", weights, landmark_positions[indices]).astype("float32")


def build_map(activations: np.ndarray, labels: np.ndarray, network_id: str = "",
              config: MapConfig = MapConfig(),
              progress: Callable[[float], None] | None = None) -> ActivationMap:
    """The map of float (N, units) last-hidden-layer activations with labels int (N,) (labels
    only pick a balanced landmark sample). About 10 s for 10,000 images on 2 quiet cores."""
    activations = np.asarray(activations, "float32")
    mean, basis = pca(activations, config.components)
    features = (activations - mean) @ basis
    chosen = stratified_sample(labels, config.landmarks, config.seed)
    layout = tsne(features[chosen], config,
                  None if progress is None else (lambda fraction: progress(0.95 * fraction)))
    positions = place(features, features[chosen], layout, config.neighbours)
    positions[chosen] = layout  # landmarks keep their own place
    if progress is not None:
        progress(1.0)
    return ActivationMap(positions, mean, basis, features[chosen].astype("float32"), layout,
                         config.neighbours, network_id)


def knn_accuracy(positions: np.ndarray, labels: np.ndarray, neighbours: int = 10) -> float:
    """Leave-one-out accuracy of a ``neighbours``-NN majority vote in the map (N, 2)."""
    import scipy.spatial
    tree = scipy.spatial.cKDTree(np.asarray(positions, "float64"))
    _, indices = tree.query(positions, k=neighbours + 1)
    votes = np.asarray(labels)[indices[:, 1:]]
    counts = np.stack([(votes == digit).sum(1) for digit in range(10)], axis=1)
    return float((counts.argmax(1) == np.asarray(labels)).mean())


# ---------------------------------------------------------------------- the shipped model's map


def shipped_map_path(model_path) -> Path:
    """``models/default.keras`` -> ``models/default.map.npz``."""
    return Path(model_path).with_suffix(".map.npz")


def load_shipped(model_path, network: DenseNetwork) -> ActivationMap | None:
    """The map shipped beside ``model_path`` if it exists, is readable and was made for exactly
    this ``network``; else None (then the caller computes it)."""
    path = shipped_map_path(model_path)
    try:
        stored = ActivationMap.load(path)
    except (OSError, ValueError, KeyError, EOFError):
        return None
    return stored if stored.model == fingerprint(network) else None


def main(argv=None) -> int:
    """Regenerate the shipped model's map: ``python -m mnist_core.inspection.network_map [model.keras]``."""
    import time

    from mnist_core.data.mnist import load_mnist
    from mnist_core.inspection.activations import hidden_activations
    from mnist_core.serving.model_files import DEFAULT_MODEL_PATH, load_network

    argv = sys.argv[1:] if argv is None else argv
    model_path = Path(argv[0]) if argv else DEFAULT_MODEL_PATH
    network, _ = load_network(model_path)
    _, (x_test, y_test) = load_mnist()
    started = time.perf_counter()
    activations = hidden_activations(network, x_test)[-1]
    activation_map = build_map(activations, y_test, fingerprint(network))
    out = shipped_map_path(model_path)
    activation_map.save(out)
    quality = knn_accuracy(activation_map.positions, y_test)
    print(f"Saved {out} ({out.stat().st_size / 1024:.0f} KB) in {time.perf_counter() - started:.1f} s; "
          f"10-NN accuracy in the map {quality:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
