"""axe-core's WCAG 2 A and AA rules on every page, in the light and the dark theme.

axe-core is the file ``axe.min.js`` that the PyPI package ``axe-playwright-python`` ships
(pinned in requirements-dev.txt, so CI installs it from the registry like any other test
dependency; no vendored copy to update by hand). It is injected with Playwright's
``page.add_script_tag``; the theme follows the browser's colour scheme, as it does for a user
whose system is set to dark.
"""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
import pytest

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


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_passes_axe_core_in_both_themes(app_server, chromium, theme):
    assert AXE.is_file(), f"{AXE} is missing: pip install -r requirements-dev.txt"
    context = chromium.new_context(viewport=browser.VIEWPORT, color_scheme=theme, device_scale_factor=1)
    context.set_default_timeout(browser.PAGE_TIMEOUT * 1000)
    page = context.new_page()
    console = browser.ConsoleLog().attach(page)
    try:
        browser.open_app(page, app_server.url)
        background = page.evaluate("() => getComputedStyle(document.querySelector('.stApp')).backgroundColor")
        assert background == BACKGROUND[theme], f"the {theme} theme did not follow the system setting"
        found = {}
        for title in browser.nav_titles(page):
            browser.go_to(page, title)
            page.wait_for_timeout(500)  # charts and images paint after the run ends
            problems = violations(page)
            if problems:
                found[title] = problems
                helpers.screenshot(page, f"axe-{theme}-{title}", full_page=True)
        helpers.assert_clean(page, console, f"{theme} theme")
        assert not found, f"axe-core ({theme} theme), serious or critical: {found}"
    finally:
        context.close()
