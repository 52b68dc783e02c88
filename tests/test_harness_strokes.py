"""A stroke's time split at the page's WebSocket events (harness/strokes.py, used by the load test)."""

from __future__ import annotations

import pytest

from harness.strokes import StrokeParts, stroke_parts


def test_a_stroke_splits_at_the_send_after_the_last_release_and_the_first_reply_after_it():
    events = [["up", 100.0], ["s", 150.0], ["r", 160.0],  # an earlier stroke of the same digit
              ["up", 1000.0], ["r", 1100.0], ["s", 1204.0], ["r", 1210.0], ["r", 1250.0]]
    parts = stroke_parts(events, total_ms=1290.0 - 1000.0)
    assert parts == StrokeParts(canvas=204.0, first_reply=6.0, rerun_and_paint=80.0)


@pytest.mark.parametrize("events", [[], [["s", 1.0], ["r", 2.0]], [["up", 1.0], ["s", 2.0]]])
def test_a_stroke_without_its_release_send_or_reply_has_no_split(events):
    assert stroke_parts(events, total_ms=300.0) is None
