"""Browsing the test set (mnist_core.serving.browsing): filters, orders, pages, hover text; and the
per-class table (mnist_core.serving.evaluation). No Streamlit, no model."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_core import evaluate_probabilities, per_class_table
from mnist_core.serving.browsing import (
    Filters,
    describe_prediction,
    filtered,
    hover_texts,
    page_caption,
    page_count,
    page_of,
    select_indices,
)
from tests.made_up import one_hot_probabilities as one_hot


@pytest.fixture
def predictions(rng):
    labels = rng.integers(0, 10, size=2000)
    predicted = np.where(rng.random(2000) < 0.85, labels, rng.integers(0, 10, size=2000))
    confidence = rng.random(2000).astype(np.float32)
    return labels, predicted, confidence


def test_select_indices_filters_like_a_brute_force_loop(predictions):
    labels, predicted, confidence = predictions
    for true_digit, predicted_digit, mistakes_only in [
        (None, None, False),
        (3, None, False),
        (None, 5, True),
        (4, 9, False),
        (2, 2, True),
    ]:
        expected = [
            index
            for index in range(len(labels))
            if (true_digit is None or labels[index] == true_digit)
            and (predicted_digit is None or predicted[index] == predicted_digit)
            and (not mistakes_only or predicted[index] != labels[index])
        ]
        got = select_indices(labels, predicted, confidence, true_digit, predicted_digit, mistakes_only)
        assert got.tolist() == expected


def test_select_indices_orders_by_confidence_and_by_confident_mistakes(predictions):
    labels, predicted, confidence = predictions
    uncertain = select_indices(labels, predicted, confidence, order="uncertain")
    assert sorted(uncertain.tolist()) == list(range(len(labels)))
    assert (np.diff(confidence[uncertain]) >= 0).all(), "lowest confidence first"

    ranked = select_indices(labels, predicted, confidence, order="confident_mistakes")
    wrong = int((predicted != labels).sum())
    assert (predicted[ranked[:wrong]] != labels[ranked[:wrong]]).all(), "mistakes first"
    assert (np.diff(confidence[ranked[:wrong]]) <= 0).all(), "most confident mistake first"
    assert ranked[wrong:].tolist() == np.flatnonzero(predicted == labels).tolist(), "then the rest by index"

    with pytest.raises(ValueError, match="Unknown order"):
        select_indices(labels, predicted, confidence, order="random")


def test_paging_cuts_pages_and_clamps_past_the_end():
    indices = np.arange(250) * 3
    assert page_count(250, 100) == 3 and page_count(0, 100) == 1 and page_count(100, 100) == 1
    assert page_of(indices, 0, 100).tolist() == indices[:100].tolist()
    assert page_of(indices, 2, 100).tolist() == indices[200:].tolist()
    assert page_of(indices, 7, 100).tolist() == indices[200:].tolist(), "past the end: the last page"
    assert page_of(np.array([], dtype=int), 0, 100).tolist() == []
    with pytest.raises(ValueError):
        page_of(indices, 0, 0)


def test_filters_value_cell_and_validation():
    assert Filters() == Filters(None, None, False, "index") and not Filters().active
    assert Filters(4, 9).cell == (4, 9) and Filters(4).cell is None and Filters(4).active
    assert Filters(mistakes_only=True).active and not Filters(order="uncertain").active
    assert len({Filters(1, 2), Filters(1, 2)}) == 1, "hashable: a cache key"
    with pytest.raises(ValueError, match="Unknown order"):
        Filters(order="random")
    with pytest.raises(ValueError, match="0-9"):
        Filters(true_digit=10)


def test_filtered_follows_the_evaluation_and_ranks_mistakes_like_evaluation_mistakes():
    labels = np.array([3, 3, 3, 3, 3, 3])
    probabilities = one_hot([3, 5, 8, 3, 1, 5], [0.99, 0.6, 0.95, 0.5, 0.8, 0.95])
    evaluation = evaluate_probabilities(probabilities, labels)
    ranked = filtered(evaluation, Filters(mistakes_only=True, order="confident_mistakes"))
    assert ranked.tolist() == evaluation.mistakes.tolist() == [2, 5, 4, 1]
    assert filtered(evaluation, Filters(predicted_digit=5)).tolist() == [1, 5]
    assert hover_texts(evaluation, [2]) == ["#2 · predicted 8 · true 3 · 95.0% sure"]


def test_captions_in_words():
    assert describe_prediction(8, 5, 5, 0.991) == "#8 · predicted 5 · true 5 · 99.1% sure"
    assert page_caption(2, 100, 100, 10000, 100) == "Page 2 of 100 · images 101–200 of 10,000 matching"
    assert page_caption(1, 1, 0, 0, 100) == "Page 1 of 1 · images 0–0 of 0 matching"


def test_per_class_table_counts_precision_recall_and_the_top_confusion():
    labels = np.array([0, 0, 1, 1, 1, 2, 9, 9])
    predicted = np.array([0, 1, 1, 1, 0, 2, 2, 2])
    table = per_class_table(evaluate_probabilities(one_hot(predicted, [0.9] * 8), labels))
    assert table.index.name == "Digit" and list(table.columns) == ["Precision", "Recall", "Confused with",
                                                                     "Images"]
    assert table.loc[0, "Confused with"] == "1 (1×)" and table.loc[9, "Confused with"] == "2 (2×)"
    assert table.loc[2, "Confused with"] == "—" and table.loc[9, "Images"] == 2
    assert table.loc[1, "Precision"] == pytest.approx(2 / 3)
    assert table.loc[1, "Recall"] == pytest.approx(2 / 3)
