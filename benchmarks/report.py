"""What every benchmark script shares: the README section it rewrites and its table of figures.

- ``figure_table(rows)``: a Markdown table of (figure, measured, target, meets) rows, where a
  row with a target says whether the measurement meets it ("yes" or "**no**").
- ``meets(value, target)``: that verdict, from a number and a target such as ">= 0.975",
  "<= 3 ms" or "< 5 %".
- ``write_section(name, text)``: replaces the block between ``<!-- name:begin -->`` and
  ``<!-- name:end -->`` in benchmarks/README.md (appends it the first time), and says so;
  ``publish(name, text, readme)`` prints the text and writes it there unless told not to.
- ``argument_parser(doc)``: a script's command line, its docstring as help and ``--no-readme``.
- ``machine(*extras)``: the one line that says where figures were measured, with the load.
- ``percentile(values, share)``: the one percentile every benchmark reports (p50, p95, ...).
- ``times_ms(function, repeats)``: milliseconds per call of ``function()``, after warm-up calls.

A new benchmark adds its own section name and rows; nothing else changes.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from pathlib import Path

import numpy as np

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


def argument_parser(doc: str) -> argparse.ArgumentParser:
    """A benchmark's command line: ``doc`` (its module docstring) as the help, and ``--no-readme``."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-readme", action="store_true",
                        help="print only; leave benchmarks/README.md alone")
    return parser


def publish(name: str, text: str, readme: bool = True) -> None:
    """Print a benchmark's report ``text`` and, if ``readme``, write it as section ``name``."""
    print(text, flush=True)
    if readme:
        write_section(name, text)


def percentile(values, share: float) -> float:
    """The ``share`` (0..1) quantile of ``values``, interpolated linearly between the two nearest
    values (NumPy's default, as ``np.percentile``); nan when there are no values."""
    return float(np.quantile(values, share)) if len(values) else float("nan")


def times_ms(function, repeats: int, warmups: int = 3) -> list[float]:
    """Wall milliseconds of each of ``repeats`` calls of ``function()``, after ``warmups`` untimed calls
    (first calls fill caches and import lazily)."""
    for _ in range(warmups):
        function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000.0)
    return times


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or the architecture where it is not there."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def machine(*extras: str, when: str = "at the start") -> str:
    """Where the figures were measured: the CPUs this process may use, their model, the kernel,
    Python and ``extras`` (e.g. the Keras or Chromium version), and the 1-minute load average
    now (``when``: "at the start", "at the end"), which says how busy the machine was."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parts = [f"{cpus} CPUs ({cpu_model()})", f"{platform.system()} {platform.release()}",
             f"Python {platform.python_version()}", *extras]
    return f"{', '.join(parts)}; 1-minute load average {os.getloadavg()[0]:.1f} {when}"
