"""Predictions' filters and page live in the URL, so a teacher can share "the 4s read as 9"."""

from __future__ import annotations

import pytest

from mnist_core.serving.browsing import Filters, filters_from_params, filters_to_params
from mnist_core.text.links import bad_link_value
from tests.apptest import url_params

PAGE = "app_pages/predictions.py"


def test_filters_and_page_round_trip_through_the_url():
    shared = Filters(true_digit=4, predicted_digit=9, mistakes_only=True, order="confident_mistakes")
    assert filters_to_params(shared, 2) == {"true": "4", "predicted": "9", "mistakes": "1",
                                            "sort": "confident_mistakes", "page": "2"}
    assert filters_from_params(filters_to_params(shared, 2)) == (shared, 2, [])
    assert filters_to_params(Filters(), 1) == {}  # the unfiltered first page is a bare address
    assert filters_from_params({}) == (Filters(), 1, [])


@pytest.mark.parametrize("query, name", [
    ({"true": "12"}, "true"), ({"predicted": "x"}, "predicted"), ({"sort": "random"}, "sort"),
    ({"mistakes": "maybe"}, "mistakes"), ({"page": "0"}, "page"), ({"page": "-3"}, "page"),
])
def test_a_bad_value_is_named_and_replaced_by_its_default(query, name):
    filters, page, problems = filters_from_params({"true": "4", **query})
    assert [problem.name for problem in problems] == [name]
    kept = Filters(true_digit=None if name == "true" else 4)
    assert (filters, page) == (kept, 1)  # the bad value gets its default, the good ones stay
    problem = problems[0]
    sentence = bad_link_value(problem.name, problem.value, problem.allowed, problem.shown)
    assert sentence.startswith(f"The link's `{name}=") and sentence.endswith("instead.")


def test_a_shared_link_opens_the_same_filters_and_page_and_says_what_it_cannot_use(app_test):
    at = app_test(PAGE, query_params={"true": "4", "predicted": "9", "page": "1"})
    assert not at.error, [error.value for error in at.error]
    assert not at.warning
    assert at.selectbox(key="predictions_true").value == 4
    assert at.selectbox(key="predictions_predicted").value == 9
    shown = [int(index) for index in at.session_state["predictions_shown"]]
    assert shown and all(at.session_state["predictions_shown"])
    assert url_params(at) == {"true": "4", "predicted": "9"}  # page 1 is the default, left out
    at.toggle(key="predictions_mistakes_only").set_value(True).run()
    at.selectbox(key="predictions_order").set_value("confident_mistakes").run()
    assert url_params(at) == {"true": "4", "predicted": "9", "mistakes": "1", "sort": "confident_mistakes"}

    at = app_test(PAGE, query_params={"true": "4", "sort": "random", "page": "999"})
    notes = [warning.value for warning in at.warning]
    expected = "The link's `sort=random` is not one of index, uncertain, confident_mistakes"
    assert f"{expected}: showing index order instead." in notes
    assert any(note.startswith("The link's `page=999` is not a page of these") for note in notes), notes
    assert at.selectbox(key="predictions_true").value == 4
    assert url_params(at) == {"true": "4", "page": url_params(at)["page"]}


def test_the_confusion_matrix_has_a_table_to_open(app_test):
    """The chart's text alternative: the same counts, rows the true digit, columns the reading."""
    at = app_test(PAGE)
    (table,) = [frame.value for frame in at.dataframe if "read as 0" in frame.value.columns]
    assert list(table.index) == [f"true {digit}" for digit in range(10)]
    assert int(table.to_numpy().sum()) == 10_000
