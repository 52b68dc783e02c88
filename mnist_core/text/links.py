"""What a page says about a shared link's parameter it cannot use (Predictions' filters and page)."""

from __future__ import annotations


def bad_link_value(name: str, value: str, allowed: str, shown: str) -> str:
    """One sentence: which parameter, what it must be, and what is shown instead (Markdown)."""
    return f"The link's `{name}={value}` is not {allowed}: showing {shown} instead."
