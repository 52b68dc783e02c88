"""The test browsers run at an ordinary user's CPU priority, never above the app server.

Run as root (CI's container, the development machine), Chromium raises its renderer, compositor
and IO threads to nice -8. On the server's own cores the Linux scheduler then gives each of those
threads about 6x the share of a server thread at nice 0, so the browsers that stand in for the
students' machines would crowd out the server they test. ``browser.launch_chromium`` starts
Chromium without the capability to do so (harness/chromium_as_user.sh).
"""

from __future__ import annotations

import os

import pytest

from harness.processes import descends_from, process_ids, thread_nice_values
from tests.browser import helpers

pytestmark = pytest.mark.browser


@pytest.mark.opens("draw")  # a page that has painted: renderer and compositor threads exist
def test_no_thread_of_the_test_browser_outranks_the_app_server(session_page, app_server):
    page, console = session_page
    helpers.assert_clean(page, console, "Draw")
    chromium_ids = {pid for pid in process_ids("chromium") if descends_from(pid, os.getpid())}
    nice_values = thread_nice_values(chromium_ids)
    server = getattr(app_server, "process", None)  # None for a server given by MNIST_LAB_URL
    server_nice = os.getpriority(os.PRIO_PROCESS, server.pid if server else 0)
    assert chromium_ids and nice_values, "found no thread of this test's Chromium"
    assert min(nice_values) >= server_nice, (
        f"a Chromium thread runs at nice {min(nice_values)}, above the app server's {server_nice}"
    )
