"""Browsing the test set's predictions: filters, orders (mistakes ranked here, and only here),
pages, and the per-tile hover text. Plain NumPy; no pictures, no figures, no Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SORT_ORDERS = {
    "index": "By index",
    "uncertain": "Least confident first",
    "confident_mistakes": "Most confident mistakes first",
}


@dataclass(frozen=True)
class Filters:
    """What the browser shows: a hashable value, so it can key a cache."""

    true_digit: int | None = None  # only images of this digit (None: any)
    predicted_digit: int | None = None  # only images predicted as this digit (None: any)
    mistakes_only: bool = False  # only wrong predictions
    order: str = "index"  # a key of SORT_ORDERS

    def __post_init__(self) -> None:
        if self.order not in SORT_ORDERS:
            raise ValueError(f"Unknown order {self.order!r}; use one of {', '.join(SORT_ORDERS)}.")
        for digit in (self.true_digit, self.predicted_digit):
            if digit is not None and not 0 <= digit <= 9:
                raise ValueError(f"A digit filter must be 0-9 or None, got {digit}.")

    @property
    def cell(self) -> tuple[int, int] | None:
        """(true, predicted) when both digits are chosen: one cell of the confusion matrix."""
        if self.true_digit is None or self.predicted_digit is None:
            return None
        return self.true_digit, self.predicted_digit

    @property
    def active(self) -> bool:
        """True when some images are filtered out (the order alone filters nothing)."""
        return self.true_digit is not None or self.predicted_digit is not None or self.mistakes_only


def select_indices(
    labels: np.ndarray,
    predicted: np.ndarray,
    confidence: np.ndarray,
    true_digit: int | None = None,
    predicted_digit: int | None = None,
    mistakes_only: bool = False,
    order: str = "index",
) -> np.ndarray:
    """int64 test-set indices that pass the filters, in the chosen order.

    ``labels``, ``predicted`` ints (N,); ``confidence`` float (N,), the probability of the
    predicted class. ``order``: "index"; "uncertain" (lowest confidence first); or
    "confident_mistakes" (wrong predictions by confidence, highest first, then the right
    ones by index). Ties keep index order.
    """
    filters = Filters(true_digit, predicted_digit, mistakes_only, order)
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    confidence = np.asarray(confidence)
    keep = np.ones(len(labels), dtype=bool)
    if filters.true_digit is not None:
        keep &= labels == filters.true_digit
    if filters.predicted_digit is not None:
        keep &= predicted == filters.predicted_digit
    if filters.mistakes_only:
        keep &= predicted != labels
    indices = np.flatnonzero(keep)
    if order == "uncertain":
        return indices[np.argsort(confidence[indices], kind="stable")]
    if order == "confident_mistakes":
        wrong = predicted[indices] != labels[indices]
        ranked = indices[wrong][np.argsort(-confidence[indices[wrong]], kind="stable")]
        return np.concatenate([ranked, indices[~wrong]])
    return indices


def filtered(evaluation, filters: Filters) -> np.ndarray:
    """``select_indices`` over an ``Evaluation`` (mnist_core.serving.evaluation)."""
    return select_indices(
        evaluation.labels, evaluation.predicted, evaluation.confidence,
        filters.true_digit, filters.predicted_digit, filters.mistakes_only, filters.order,
    )


def page_of(indices: np.ndarray, page: int, page_size: int) -> np.ndarray:
    """The ``page``-th (from 0) slice of ``page_size`` indices; the last page if ``page`` is past it."""
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}.")
    page = min(max(0, page), page_count(len(indices), page_size) - 1)
    return np.asarray(indices)[page * page_size : (page + 1) * page_size]


def page_count(count: int, page_size: int) -> int:
    """How many pages ``count`` items fill (at least 1, so an empty result has a page)."""
    return max(1, -(-count // page_size))


def page_caption(page: int, pages: int, shown: int, total: int, page_size: int) -> str:
    """E.g. "Page 2 of 100 · images 101–200 of 10,000 matching"."""
    first = (page - 1) * page_size + 1 if shown else 0
    last = first + shown - 1 if shown else 0
    return f"Page {page} of {pages} · images {first:,}–{last:,} of {total:,} matching"


def describe_prediction(index: int, predicted: int, label: int, confidence: float) -> str:
    """One image in words, for hover text and the inspector's options:
    "#8 · predicted 5 · true 5 · 99.1% sure"."""
    return f"#{index} · predicted {predicted} · true {label} · {confidence:.1%} sure"


def hover_texts(evaluation, indices: np.ndarray) -> list[str]:
    """``describe_prediction`` for each of ``indices`` (ints) of an ``Evaluation``."""
    confidence = evaluation.confidence
    return [
        describe_prediction(int(index), int(evaluation.predicted[index]), int(evaluation.labels[index]),
                            float(confidence[index]))
        for index in indices
    ]


# A Predictions link: the filters and page as URL query parameters (defaults left out).
LINK_PARAMS = ("true", "predicted", "mistakes", "sort", "page")


@dataclass(frozen=True)
class LinkProblem:
    """A link parameter that could not be used: its name, value, what it must be, what is shown."""

    name: str
    value: str
    allowed: str
    shown: str


def filters_to_params(filters: Filters, page: int) -> dict[str, str]:
    """``filters`` and the 1-based ``page`` as query parameters; defaults are left out, so the
    unfiltered first page is a bare address."""
    params = {}
    if filters.true_digit is not None:
        params["true"] = str(filters.true_digit)
    if filters.predicted_digit is not None:
        params["predicted"] = str(filters.predicted_digit)
    if filters.mistakes_only:
        params["mistakes"] = "1"
    if filters.order != "index":
        params["sort"] = filters.order
    if page != 1:
        params["page"] = str(page)
    return params


def filters_from_params(params) -> tuple[Filters, int, list[LinkProblem]]:
    """Filters and the 1-based page from query parameters (a mapping of str to str), and every
    value that could not be used, replaced by its default. Never raises on user input."""
    problems: list[LinkProblem] = []

    def digit(name: str) -> int | None:
        text = str(params.get(name, "")).strip()
        if not text:
            return None
        if text.isdigit() and int(text) <= 9:
            return int(text)
        problems.append(LinkProblem(name, text, "a digit 0-9", "any digit"))
        return None

    true_digit, predicted_digit = digit("true"), digit("predicted")
    mistakes_text = str(params.get("mistakes", "")).strip().lower()
    if mistakes_text not in ("", "0", "1", "true", "false"):
        problems.append(LinkProblem("mistakes", mistakes_text, "1 or 0", "every image"))
    order = str(params.get("sort", "")).strip() or "index"
    if order not in SORT_ORDERS:
        problems.append(LinkProblem("sort", order, f"one of {', '.join(SORT_ORDERS)}", "index order"))
        order = "index"
    page_text = str(params.get("page", "")).strip()
    page = int(page_text) if page_text.isdigit() and int(page_text) >= 1 else 1
    if page_text and str(page) != page_text.lstrip("0"):
        problems.append(LinkProblem("page", page_text, "a page number from 1", "page 1"))
    filters = Filters(true_digit, predicted_digit, mistakes_text in ("1", "true"), order)
    return filters, page, problems
