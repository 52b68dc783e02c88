"""How a count, a place, a duration and a speed are written, everywhere in the app.

A leaf module: it imports nothing of ``mnist_core``, so any module may use it. A time left or a
wait is always ``duration_text`` ("about 40 s"), a measured time ``elapsed_text`` ("36.2 s"),
throughput always "images/s", a share ``percent`` ("91.2%"), and a figure not measured (yet) "–".
"""

from __future__ import annotations

import math


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 epoch', '2 epochs', '1,000 images'."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st…"""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def duration_text(seconds: float | None) -> str:
    """An estimate, rounded as such: 'about 40 s', 'about 2 min 10 s', 'about 1 h 5 min'; '' for None."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"about {max(1, round(seconds / 5) * 5 if seconds >= 10 else round(seconds))} s"
    minutes, rest = divmod(round(seconds / 10) * 10, 60)
    if minutes < 60:
        return f"about {minutes} min" + (f" {rest} s" if rest else "")
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h" + (f" {minutes} min" if minutes else "")


def elapsed_text(seconds: float) -> str:
    """A measured time: '36.2 s', '2 min 05 s'."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def figure_text(value: float | None, format_spec: str) -> str:
    """A figure formatted with ``format_spec``, or '–' when there is none (None, NaN or infinite)."""
    return "–" if value is None or not math.isfinite(value) else format(value, format_spec)


def percent(share: float | None) -> str:
    """A share in [0, 1] as '91.2%', or '–' when there is none."""
    return figure_text(share, ".1%")


def throughput_text(images_per_second: float) -> str:
    """'9,163 images/s'."""
    return f"{images_per_second:,.0f} images/s"


def markdown_table(rows: list[dict], right_aligned: tuple[str, ...] = ()) -> str:
    """``rows`` (dicts with the same keys, in column order) as a Markdown table: columns of numbers
    and those named in ``right_aligned`` (numbers already written as text) right-aligned, ``None``
    as "–", "|" escaped. What ``st.markdown`` shows as a plain HTML table,
    for a short table that needs no sorting or scrolling (no data-grid bundle to fetch)."""
    if not rows:
        raise ValueError("A table needs at least one row.")
    columns = list(rows[0])

    def cell(value) -> str:
        return "–" if value is None else str(value).replace("|", "\\|")

    numeric = [column in right_aligned or all(isinstance(row[column], int | float)
                                              for row in rows if row[column] is not None)
               for column in columns]
    lines = ["| " + " | ".join(cell(column) for column in columns) + " |",
             "|" + "|".join("---:" if right else "---" for right in numeric) + "|"]
    lines += ["| " + " | ".join(cell(row[column]) for column in columns) + " |" for row in rows]
    return "\n".join(lines)
