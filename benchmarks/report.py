"""What every benchmark script shares: the README section it rewrites and its table of figures.

- ``figure_table(rows)``: a Markdown table of (figure, measured, target, meets) rows, where a
  row with a target says whether the measurement meets it ("yes" or "**no**").
- ``meets(value, target)``: that verdict, from a number and a target such as ">= 0.975",
  "<= 3 ms" or "< 5 %".
- ``write_section(name, text)``: replaces the block between ``<!-- name:begin -->`` and
  ``<!-- name:end -->`` in benchmarks/README.md (appends it the first time), and says so.

A new benchmark adds its own section name and rows; nothing else changes.
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"
_TARGET = re.compile(r"^\s*(<=|>=|<|>|≤|≥)\s*([-+]?\d[\d,]*\.?\d*)")
_COMPARE = {
    "<=": float.__le__, "≤": float.__le__, ">=": float.__ge__, "≥": float.__ge__,
    "<": float.__lt__, ">": float.__gt__,
}  # fmt: skip


def meets(value: float, target: str) -> str:
    """ "yes" or "**no**" for ``value`` against a target written like ">= 0.975" or "<= 3 ms";
    "" when the target is not a comparison (a note such as "(what demos do)")."""
    found = _TARGET.match(target)
    if not found:
        return ""
    bound = float(found.group(2).replace(",", ""))
    # rounded: sums of clock ticks or float differences (0.3000000000000007) are not above 0.3
    return "yes" if _COMPARE[found.group(1)](round(float(value), 6), bound) else "**no**"


def figure_table(rows: list[tuple]) -> str:
    """Markdown table of rows (figure, measured text, target text[, value]): with a value, the
    last column says whether it meets the target."""
    width = max(len(row[0]) for row in rows)
    lines = [
        f"| {'figure':<{width}} | measured | target | meets target |",
        f"|{'-' * (width + 2)}|---|---|---|",
    ]
    for figure, measured, target, *value in rows:
        verdict = meets(value[0], target) if value and target else ""
        lines.append(f"| {figure:<{width}} | {measured} | {target} | {verdict} |")
    return "\n".join(lines)


def write_section(name: str, text: str, readme: Path = README) -> None:
    """Put ``text`` between ``<!-- name:begin -->`` and ``<!-- name:end -->`` in ``readme``."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    whole = readme.read_text() if readme.is_file() else "# Benchmarks\n"
    block = f"{begin}\n{text.strip()}\n{end}"
    if begin in whole and end in whole:
        whole = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, whole, flags=re.S)
    else:
        whole = whole.rstrip() + "\n\n" + block + "\n"
    readme.write_text(whole)
    print(f"wrote the {name!r} section of {readme.parent.name}/{readme.name}", flush=True)
