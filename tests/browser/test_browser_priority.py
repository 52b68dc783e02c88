"""The test browsers run at an ordinary user's CPU priority, never above the app server.

Run as root (CI's container, the development machine), Chromium raises its renderer, compositor
and IO threads to nice -8. On the server's own cores the Linux scheduler then gives each of those
threads about 6x the share of a server thread at nice 0, so the browsers that stand in for the
students' machines would crowd out the server they test. ``helpers.launch_chromium`` starts
Chromium without the capability to do so (tests/browser/chromium_as_user.sh).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.load_parts import process_ids, thread_nice_values
from tests.browser import helpers

pytestmark = pytest.mark.browser


def descends_from(pid: int, ancestor: int) -> bool:
    """Whether process ``pid`` is a descendant of ``ancestor`` (False once either is gone)."""
    while pid > 1:
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
        if pid == ancestor:
            return True
    return False


def test_no_thread_of_the_test_browser_outranks_the_app_server(chromium):
    with helpers.StreamlitServer(name="browser-priority") as server:
        page, console = helpers.new_page(chromium)
        helpers.open_app(page, server.url)
        helpers.go_to(page, "Draw")  # a page that has painted: renderer and compositor threads exist
        helpers.assert_clean(page, console, "Draw")
        browser = {pid for pid in process_ids("chromium") if descends_from(pid, os.getpid())}
        nice_values = thread_nice_values(browser)
        server_nice = os.getpriority(os.PRIO_PROCESS, server.process.pid)
        page.context.close()
    assert browser and nice_values, "found no thread of this test's Chromium"
    assert min(nice_values) >= server_nice, (
        f"a Chromium thread runs at nice {min(nice_values)}, above the app server's {server_nice}"
    )
