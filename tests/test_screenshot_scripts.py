"""The screenshot scripts (tests/browser/*_screenshots.py) read their command line before they start
anything: --help and a bad name write nothing, and --only knows every picture the script takes."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.apptest import ROOT

SCRIPTS = ROOT / "tests" / "browser"
SCREENSHOTS = ROOT / "docs" / "screenshots"


def pictures() -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in SCREENSHOTS.glob("*.png")}


def run(script: str, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPTS / script), *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("script", ["readme_screenshots.py", "draw_screenshots.py"])
def test_help_prints_the_usage_and_writes_nothing(script):
    before = pictures()
    finished = run(script, "--help")
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("usage:") and "Regenerate" in finished.stdout
    assert pictures() == before


def test_a_name_the_readme_script_does_not_write_is_refused_before_anything_starts():
    before = pictures()
    finished = run("readme_screenshots.py", "--only", "no-such-picture")
    assert finished.returncode == 2 and "invalid choice: 'no-such-picture'" in finished.stderr
    assert pictures() == before


def test_only_knows_every_picture_the_readme_script_takes():
    from tests.browser import readme_screenshots

    taken = set(re.findall(r'shoot\(page, "([a-z-]+)"\)', (SCRIPTS / "readme_screenshots.py").read_text()))
    assert taken == set(readme_screenshots.NAMES) and len(taken) == len(readme_screenshots.NAMES)
    assert readme_screenshots.parse_arguments(["--only", "lab", "mine"]).only == ["lab", "mine"]
    assert readme_screenshots.parse_arguments([]).only == []


def test_every_picture_in_docs_is_one_a_script_takes():
    """No picture in docs/screenshots is left for hand copies to keep up with the app: each is one
    readme_screenshots.py names, or one of draw_screenshots.py's (draw*.png, upload*.png)."""
    from tests.browser import readme_screenshots

    pictures = {path.stem for path in (SCRIPTS.parents[1] / "docs" / "screenshots").glob("*.png")}
    orphans = {name for name in pictures
               if name not in readme_screenshots.NAMES and not name.startswith(("draw", "upload"))}
    assert not orphans, f"no script takes {sorted(orphans)}"
