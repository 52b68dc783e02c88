"""The 2-D map of the last hidden layer: quality beside PCA, placement, the shipped map."""

import numpy as np
import pytest

from mnist_core import load_default_network
from mnist_core.inspection.activations import hidden_activations
from mnist_core.inspection.network_map import (
    ActivationMap,
    MapConfig,
    build_map,
    fingerprint,
    joint_probabilities,
    knn_accuracy,
    load_shipped,
    pca_map,
    shipped_map_path,
    stratified_sample,
)
from mnist_core.serving.model_files import DEFAULT_MODEL_PATH

SMALL = MapConfig(landmarks=400, iterations=300)


@pytest.fixture(scope="module")
def shipped():
    network, _ = load_default_network()
    return network


@pytest.fixture(scope="module")
def subset(shipped, mnist):
    """The shipped model's last hidden layer on 2,000 test images: float32 (2000, 512), labels."""
    _, (x_test, y_test) = mnist
    return hidden_activations(shipped, x_test[:2000])[-1], y_test[:2000].astype(int)


def test_map_separates_digits_far_better_than_pca(subset):
    features, labels = subset
    progress = []
    atlas = build_map(features, labels, "test", SMALL, progress=progress.append)
    assert atlas.positions.shape == (2000, 2) and atlas.positions.dtype == np.float32
    assert np.isfinite(atlas.positions).all()
    assert progress[-1] == 1.0 and progress == sorted(progress)
    quality, baseline = knn_accuracy(atlas.positions, labels), knn_accuracy(pca_map(features), labels)
    assert quality >= 0.90 and quality > baseline + 0.05, (quality, baseline)


def test_a_new_point_lands_among_its_neighbours(subset):
    features, labels = subset
    atlas = build_map(features[:1500], labels[:1500], "test", SMALL)
    placed = atlas.place(features[1500:1600])
    assert placed.shape == (100, 2)
    # 10-NN vote of the placed points among the mapped ones recovers most labels
    distances = ((placed[:, None] - atlas.positions[None]) ** 2).sum(-1)
    votes = labels[:1500][np.argsort(distances, axis=1)[:, :10]]
    guessed = np.array([np.bincount(row, minlength=10).argmax() for row in votes])
    assert (guessed == labels[1500:1600]).mean() >= 0.9
    # an image already in the set is placed next to its own position
    again = atlas.place(features[:5])
    assert np.linalg.norm(again - atlas.positions[:5], axis=1).max() < np.ptp(atlas.positions, 0).max() * 0.05


def test_knn_accuracy_is_leave_one_out():
    positions = np.array([[0, 0], [0, 1], [1, 0], [10, 10]], "float32")
    assert knn_accuracy(positions, np.array([1, 1, 1, 2]), neighbours=2) == 0.75


def test_stratified_sample_keeps_class_shares(rng):
    labels = np.repeat(np.arange(10), np.arange(1, 11) * 100)
    chosen = stratified_sample(labels, 550, seed=0)
    assert len(chosen) == 550 and len(set(chosen)) == 550
    np.testing.assert_allclose(np.bincount(labels[chosen]), np.arange(1, 11) * 10, atol=1)


def test_joint_probabilities_reach_the_perplexity(rng):
    features = rng.normal(size=(300, 5))
    joint = joint_probabilities(features, 20)
    assert joint.shape == (300, 300) and joint.sum() == pytest.approx(1)
    np.testing.assert_allclose(joint, joint.T)
    assert (np.diag(joint) == 0).all()


def test_save_and_load_round_trip(subset, tmp_path):
    features, labels = subset
    atlas = build_map(features[:500], labels[:500], "abc", MapConfig(landmarks=200, iterations=100))
    atlas.save(tmp_path / "m.npz")
    loaded = ActivationMap.load(tmp_path / "m.npz")
    assert loaded.model == "abc" and loaded.neighbours == atlas.neighbours
    np.testing.assert_allclose(loaded.positions, atlas.positions, rtol=1e-2, atol=1e-2)  # float16 on disk
    np.testing.assert_allclose(loaded.place(features[:3]), atlas.place(features[:3]), atol=0.5)


def test_a_stale_or_damaged_shipped_map_is_not_used(subset, shipped, tmp_path):
    features, labels = subset
    model_path = tmp_path / "model.keras"
    assert load_shipped(model_path, shipped) is None  # none there
    build_map(features[:300], labels[:300], "another model", MapConfig(landmarks=100, iterations=50)).save(
        shipped_map_path(model_path))
    assert load_shipped(model_path, shipped) is None  # made for another model
    shipped_map_path(model_path).write_bytes(b"not an npz")
    assert load_shipped(model_path, shipped) is None


def test_shipped_map_belongs_to_the_shipped_model(shipped, mnist):
    """models/default.map.npz must be regenerated whenever models/default.keras changes."""
    path = shipped_map_path(DEFAULT_MODEL_PATH)
    assert path.is_file(), (
        "models/default.map.npz is missing: run `python -m mnist_core.inspection.network_map`")
    atlas = ActivationMap.load(path)
    assert atlas.model == fingerprint(shipped), (
        "models/default.map.npz was made for another model: "
        "run `python -m mnist_core.inspection.network_map`")
    _, (_, y_test) = mnist
    assert atlas.positions.shape == (10_000, 2)
    assert knn_accuracy(atlas.positions, y_test) >= 0.90
    assert path.stat().st_size < 400_000
