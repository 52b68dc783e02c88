"""The docs stay true: quoted messages come from the code, no machine paths, targets are judged.

- docs/robustness.md quotes what the user sees. Every quoted message must be made of text
  the code writes (string literals and f-strings of app_pages/, ui/ and mnist_core/): a quote
  whose words the code no longer has fails, with the words that were not found. Gaps the
  code fills in (file names, numbers, a path) are allowed where the code has a placeholder;
  "…" in a quote marks text left out.
- The project's Markdown names no machine's absolute paths.
- In benchmarks/README.md every table with a "target" column says whether each figure meets it.
- Every script or module the Markdown tells a reader to run exists.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from functools import lru_cache

import pytest

from tests.apptest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]
CODE = [*sorted((ROOT / "app_pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py")),
        *sorted((ROOT / "mnist_core").rglob("*.py"))]
MIN_CHUNK = 6  # characters: shorter fixed text of the code is not used to explain a quote
MAX_GAP_WORDS = 3  # words a placeholder may stand for (a file name, a number, "Run 1")
# Messages of the libraries the app shows as they come (quoted in docs/robustness.md).
LIBRARY_TEXTS = (
    "image file is truncated",  # Pillow, inside the app's "damaged or truncated" message
    "File must be 10.0MB or smaller.",  # Streamlit's uploader, over server.maxUploadSize
)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "").replace("\\n", " ")).strip()


@lru_cache(maxsize=1)
def code_chunks() -> tuple[str, ...]:
    """The fixed pieces of every string the code writes: literals, and f-strings cut at their
    placeholders; longest first."""
    chunks = set()
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr):
                parts = [value.value for value in node.values if isinstance(value, ast.Constant)]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                parts = [node.value]
            else:
                continue
            chunks.update(normalise(part) for part in parts if len(normalise(part)) >= MIN_CHUNK)
    return tuple(sorted(chunks | set(LIBRARY_TEXTS), key=len, reverse=True))


def unexplained(piece: str) -> list[str]:
    """The runs of ``piece`` (one quote, or the part of it between two "…") that no code
    text covers and that are too long to be a value the code fills in."""
    piece = normalise(piece)
    covered = [False] * len(piece)

    def cover(start: int, end: int) -> None:
        covered[start:end] = [True] * (end - start)

    for chunk in code_chunks():
        if piece in chunk:
            return []
        start = piece.find(chunk)
        while start >= 0:
            cover(start, start + len(chunk))
            start = piece.find(chunk, start + len(chunk))
        # A quote may start in the middle of a message, or stop before its end: the longest end
        # of the chunk (shorter than both) that begins the piece, and the longest beginning of
        # it that ends the piece. Only where the piece's first (last) MIN_CHUNK characters occur.
        longest = min(len(chunk), len(piece)) - 1
        if not covered[0]:
            at = chunk.find(piece[:MIN_CHUNK], len(chunk) - longest)
            while at >= 0 and len(chunk) - at >= MIN_CHUNK:
                if piece.startswith(chunk[at:]):
                    cover(0, len(chunk) - at)
                    break
                at = chunk.find(piece[:MIN_CHUNK], at + 1)
        if not covered[-1]:
            at = piece.find(chunk[:MIN_CHUNK], len(piece) - longest)
            while at >= 0 and len(piece) - at >= MIN_CHUNK:
                if chunk.startswith(piece[at:]):
                    cover(at, len(piece))
                    break
                at = piece.find(chunk[:MIN_CHUNK], at + 1)
    masked = "".join("\x00" if flag else char for flag, char in zip(covered, piece, strict=True))
    runs = re.findall(r"[^\x00]+", masked)
    return [run.strip() for run in runs if len(re.findall(r"[A-Za-z]{2,}", run)) > MAX_GAP_WORDS]


def robustness_quotes() -> list[tuple[str, str]]:
    """(case, quote) for every "double-quoted" text in the "What the user sees" column."""
    quotes = []
    for line in (ROOT / "docs" / "robustness.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not line.startswith("|") or set(cells[0]) <= {"-", " "} or cells[0] == "Case":
            continue
        quoted = re.findall(r'"([^"]*)"', cells[2])  # pairs of quote marks, from the left
        quotes += [(cells[0], quote) for quote in quoted if len(quote) >= 12]
    return quotes


def test_robustness_doc_has_quotes_to_check():
    assert len(robustness_quotes()) >= 10


@pytest.mark.parametrize(("case", "quote"), robustness_quotes(), ids=lambda value: value[:40])
def test_robustness_doc_quotes_messages_the_code_writes(case, quote):
    missing = [run for piece in quote.split("…") if piece.strip() for run in unexplained(piece)]
    assert not missing, f"docs/robustness.md, {case!r}: the code no longer writes {missing}"


def test_unexplained_finds_words_the_code_does_not_have():
    assert unexplained("The default model could not be loaded.") == []
    assert unexplained("The default model could not be loaded. It fell into a well last Tuesday.") != []


@pytest.mark.parametrize("path", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_docs_name_no_machine_paths(path):
    found = re.findall(r"(?<![\w.])/(?:work|root|home|Users)/[^\s`)|]*", path.read_text())
    assert not found, f"{path.relative_to(ROOT)} names paths of one machine: {found}"


def test_every_benchmark_figure_beside_a_target_says_whether_it_meets_it():
    lines = (ROOT / "benchmarks" / "README.md").read_text().splitlines()
    checked = 0
    header = None
    for line in lines:
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            if "target" in header:
                assert "meets target" in header, f"a table with targets and no verdict: {line}"
            continue
        if set("".join(cells)) <= {"-"} or "target" not in header:
            continue
        target, verdict = cells[header.index("target")], cells[header.index("meets target")]
        if re.match(r"^(<=|>=|<|>|≤|≥|about|a few)", target):
            assert verdict.startswith(("yes", "**no**")), f"no verdict for: {line}"
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("path", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_docs_name_only_commands_that_exist(path):
    missing = []
    for line in path.read_text().splitlines():
        for script in re.findall(r"python ((?:benchmarks|tests)/[\w/]+\.py)", line):
            if not (ROOT / script).is_file():
                missing.append(script)
        for module in re.findall(r"python -m (mnist_core(?:\.\w+)*)", line):
            if importlib.util.find_spec(module) is None:
                missing.append(module)
    assert not missing, f"{path.relative_to(ROOT)} tells readers to run what is not there: {missing}"
