"""Evaluation by hand: confusion matrix, precision and recall, mistakes (NumPy, no Keras).

tests/test_model.py checks ``evaluate`` against Keras' own ``model.evaluate``.
"""

import numpy as np
import pytest

from mnist_core import confusion_matrix, evaluate_probabilities
from tests.made_up import one_hot_probabilities


def test_confusion_matrix_by_hand():
    labels = np.array([0, 0, 1, 1, 1, 2, 9], np.uint8)  # uint8 like MNIST's labels
    predicted = np.array([0, 1, 1, 1, 0, 2, 2])
    matrix = confusion_matrix(labels, predicted)
    assert matrix.shape == (10, 10) and matrix.sum() == 7
    assert matrix[0, 0] == 1 and matrix[0, 1] == 1  # row = true digit, column = predicted
    assert matrix[1, 1] == 2 and matrix[1, 0] == 1
    assert matrix[2, 2] == 1 and matrix[9, 2] == 1


def test_precision_and_recall_by_hand():
    labels = np.array([0, 0, 1, 1, 1, 2, 9])
    predicted = np.array([0, 1, 1, 1, 0, 2, 2])
    result = evaluate_probabilities(one_hot_probabilities(predicted, [0.9] * 7), labels)
    assert result.accuracy == pytest.approx(4 / 7)
    np.testing.assert_allclose(result.precision[[0, 1, 2, 9]], [1 / 2, 2 / 3, 1 / 2, 0.0])
    np.testing.assert_allclose(result.recall[[0, 1, 2, 9]], [1 / 2, 2 / 3, 1.0, 0.0])
    assert result.precision[5] == 0.0 and result.recall[5] == 0.0  # digit never seen nor predicted
    assert result.loss == pytest.approx(-np.mean(np.log([0.9, 0.1 / 9, 0.9, 0.9, 0.1 / 9, 0.9, 0.1 / 9])),
                                        rel=1e-5)


def test_mistakes_most_confident_first():
    labels = np.array([3, 3, 3, 3, 3, 3])
    predicted = [3, 5, 8, 3, 1, 5]
    confidence = [0.99, 0.6, 0.95, 0.5, 0.8, 0.95]
    result = evaluate_probabilities(one_hot_probabilities(predicted, confidence), labels)
    assert result.mistakes.tolist() == [2, 5, 4, 1]  # ties keep their original order
    assert result.mistake_count == 4
    np.testing.assert_allclose(result.confidence, confidence, rtol=1e-6)


def test_evaluate_probabilities_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(3, 10\)"):
        evaluate_probabilities(np.zeros((4, 10)), np.zeros(3, int))


@pytest.mark.parametrize("labels, predicted, words", [
    ([0, 10], [0, 1], "labels must be 0-9"),
    ([0, -1], [0, 1], "labels must be 0-9"),
    ([0, 1], [0, 12], "predictions must be 0-9"),
    ([0, 1, 2], [0, 1], "labels but"),
], ids=["label 10", "negative label", "prediction 12", "lengths"])
def test_confusion_matrix_rejects_bad_input(labels, predicted, words):
    with pytest.raises(ValueError, match=words):
        confusion_matrix(np.array(labels), np.array(predicted))


def test_evaluate_probabilities_rejects_labels_out_of_range():
    with pytest.raises(ValueError, match="digits 0-9"):
        evaluate_probabilities(np.full((2, 10), 0.1), np.array([3, 10]))


# ---------------------------------------------------------------- evaluation against Keras
