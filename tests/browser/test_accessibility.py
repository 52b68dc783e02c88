"""axe-core's WCAG 2 A and AA rules on every page, in the light and the dark theme.

axe-core is the file ``axe.min.js`` that the PyPI package ``axe-playwright-python`` ships
(pinned in requirements-dev.txt, so CI installs it from the registry like any other test
dependency; no vendored copy to update by hand). It is injected with Playwright's
``page.add_script_tag``; the theme follows the browser's colour scheme, as it does for a user
whose system is set to dark.

One session checks both themes: it opens in the dark one (the system's setting at load is
followed), and on each page axe-core runs in one theme, the system's setting switches, the page
repaints in the other (its background says which) and axe-core runs again. The same page in the
same state is checked in each theme, and each page is loaded once, not once per theme.
"""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from harness import browser
from tests.browser import helpers

AXE = Path(axe_playwright_python.__file__).with_name("axe.min.js")
RULES = ["wcag2a", "wcag2aa"]
BLOCKING = ("serious", "critical")
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '')),
  }));
}"""
# The app's own background in each theme (.streamlit/config.toml), to check the theme was applied.
BACKGROUND = {"light": "rgb(255, 255, 255)", "dark": "rgb(15, 23, 42)"}


def violations(page) -> list[dict]:
    """Serious and critical WCAG 2 A/AA violations axe-core finds on the page as it is now."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, RULES)


def background(page) -> str:
    return page.evaluate("() => getComputedStyle(document.querySelector('.stApp')).backgroundColor")


def use_theme(page, theme: str) -> None:
    """Set the system's colour scheme to ``theme`` and wait until the app shows that theme."""
    page.emulate_media(color_scheme=theme)
    try:
        page.wait_for_function(
            "(colour) => getComputedStyle(document.querySelector('.stApp')).backgroundColor === colour",
            arg=BACKGROUND[theme], timeout=10_000,
        )
    except PlaywrightTimeoutError as error:
        shown = background(page)
        raise AssertionError(f"the {theme} theme did not follow the system setting: {shown}") from error


@pytest.mark.browser
def test_every_page_passes_axe_core_in_both_themes(app_server, chromium):
    assert AXE.is_file(), f"{AXE} is missing: pip install -r requirements-dev.txt"
    context = chromium.new_context(viewport=browser.VIEWPORT, color_scheme="dark", device_scale_factor=1)
    context.set_default_timeout(browser.PAGE_TIMEOUT * 1000)
    page = context.new_page()
    console = browser.ConsoleLog().attach(page)
    try:
        browser.open_app(page, app_server.url)
        assert background(page) == BACKGROUND["dark"], "the dark theme did not follow the system setting"
        found = {}
        themes = ["dark", "light"]
        for title in browser.nav_titles(page):
            if browser.nav_link(page, title).get_attribute("aria-current") != "page":  # Home is open already
                browser.go_to(page, title)
            for theme in themes:
                use_theme(page, theme)
                page.wait_for_timeout(500)  # charts and images paint after the run ends or the theme changes
                problems = violations(page)
                if problems:
                    found[f"{title} ({theme})"] = problems
                    helpers.screenshot(page, f"axe-{theme}-{title}", full_page=True)
            themes.reverse()  # the next page starts in the theme this one ended in
        helpers.assert_clean(page, console, "both themes")
        assert not found, f"axe-core, serious or critical: {found}"
    finally:
        context.close()
