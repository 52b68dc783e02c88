"""What the page AppTests share: the app, its pages and one timeout.

Fixtures built on these are in tests/conftest.py (``app_test``, ``instant_training``).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
# The page scripts, in the order app.py's st.navigation lists them: a new page is tested at once.
PAGES = tuple(re.findall(r'st\.Page\(\s*"(app_pages/[a-z_]+\.py)"', APP.read_text()))
# Their titles in the sidebar, in the same order.
PAGE_TITLES = tuple(re.findall(r'st\.Page\(\s*"app_pages/[a-z_]+\.py",\s*title="([^"]+)"', APP.read_text()))
# Seconds for one script run of a page in an AppTest. The first run in the process imports
# TensorFlow (for the tests' own references) and loads MNIST on 2 shared cores.
APP_TEST_TIMEOUT = 180
