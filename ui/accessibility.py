"""What every page gets for keyboard, contrast and phones, whichever theme (light or dark) is showing.

- Code colours: Streamlit's syntax colours are fixed for a light and a dark background and fall
  under WCAG AA contrast (4.5:1) on its own code boxes (numbers 2.6:1, strings 2.9:1, comments
  3.6:1 in the light theme). Each token's colour is mixed from the box's own text colour
  (``currentColor``, dark in the light theme, light in the dark one) and a hue, so it keeps the
  text's contrast in both themes without knowing which one is showing.
- A row of small images (a container keyed ``TILES_KEY_PREFIX`` + name) shows no "Fullscreen"
  button on each: ten in a row were ten Tab stops to nothing useful.
- On a phone (Streamlit stacks columns under 640 px) the Train form's Start button comes first
  in the form, on the first screen, instead of under the form's three stacked columns (about
  two screens down at 390x844); a table's toolbar (shown on a tap) gets its own room above the
  table instead of covering the sentence before it; toasts sit at the bottom, clear of the
  header and the sidebar's menu.
- Pictures of arrays sent at one pixel per value (in a container keyed ``PIXELS_KEY_PREFIX`` + name)
  are enlarged with sharp square pixels, each the value it shows, where a browser would blur them.
- Chart text: Streamlit's Plotly theme draws axis labels, titles and colour bars in its gray70
  (``STREAMLIT_CHART_TEXT["light"]``), 3.7:1 on the light background, under WCAG's 4.5:1; that text
  gets ``CHART_TEXT_COLOUR``. The dark theme's (gray30) keeps 4.5:1 and text a figure colours itself
  is left alone, so the rule matches that one colour.
- Images: each page gives its images alt text; one shown without it (a page added later) gets
  its caption as alt text, so a screen reader says at least what a sighted reader sees.
- Scrollable boxes (long code, wide formulas) can be reached with Tab and scrolled with the
  arrow keys: a small script gives every box that overflows ``tabindex="0"``.
"""

from __future__ import annotations

import streamlit as st

from mnist_core.config import CHART_TEXT_COLOUR

TILES_KEY_PREFIX = "tiles_"
PIXELS_KEY_PREFIX = "pixels_"
PHONE_WIDTH = 640  # px: under this Streamlit stacks columns
# Streamlit 1.67's Plotly theme: the text colour of axes, titles and colour bars in each theme
STREAMLIT_CHART_TEXT = {"light": "rgb(128, 132, 149)", "dark": "rgb(230, 234, 241)"}
# token classes -> hue mixed into the text colour (the text colour keeps the larger share)
TOKEN_HUES = {
    "keyword, .token.builtin, .token.important": "#4F46E5",
    "number, .token.boolean, .token.constant": "#0D9488",
    "string, .token.char, .token.attr-value": "#16A34A",
    "function, .token.class-name": "#B45309",
    "operator, .token.punctuation": "#64748B",
}
TEXT_SHARE = 0.6  # the text colour's share of each token colour (comments: 72 % of it, mixed with grey)
CSS = "<style>\n" + "".join(
    f'[data-testid="stCode"] .token.{tokens} '
    f'{{ color: color-mix(in srgb, currentColor {TEXT_SHARE:.0%}, {hue}); }}\n'
    for tokens, hue in TOKEN_HUES.items()
) + (
    '[data-testid="stCode"] .token.comment { color: color-mix(in srgb, currentColor 72%, #808495); }\n'
    f'[class*=" st-key-{TILES_KEY_PREFIX}"] [data-testid="stElementToolbar"] {{ display: none; }}\n'
    f'[class*=" st-key-{PIXELS_KEY_PREFIX}"] img {{ image-rendering: pixelated; }}\n'
    f'[data-testid="stPlotlyChart"] text[style*="fill: {STREAMLIT_CHART_TEXT["light"]};"]'
    f' {{ fill: {CHART_TEXT_COLOUR} !important; }}\n'
    f"@media (max-width: {PHONE_WIDTH}px) {{\n"
    "  .st-key-train_start { order: -1; }\n"
    '  [data-testid="stElementContainer"]:has(> [data-testid="stFullScreenFrame"]'
    ' [data-testid="stDataFrame"]) { padding-top: 2.25rem; }\n'
    '  [data-testid="stToastContainer"] { top: auto; bottom: 1rem; }\n'
    "}\n"
    "</style>"
)
# Scrollable regions must be keyboard-reachable (axe-core's scrollable-region-focusable).
SCROLLABLE = '[data-testid="stCode"] pre, .katex-display, [data-testid="stMarkdownContainer"] pre'
SCRIPT = """<script>
(() => {
  if (window.__mnistScrollables) return;
  window.__mnistScrollables = true;
  const mark = () => {
    // An image shown without alt text says at least what its caption says.
    for (const img of document.querySelectorAll('[data-testid="stImageContainer"] img:not([alt])')) {
      const caption = img.closest('[data-testid="stImageContainer"]')
        .querySelector('[data-testid="stImageCaption"]');
      if (caption && caption.textContent.trim()) img.setAttribute('alt', caption.textContent.trim());
    }
    for (const box of document.querySelectorAll('SCROLLABLE')) {
      const scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls && !box.hasAttribute('tabindex')) {
        box.setAttribute('tabindex', '0');
        box.setAttribute('data-mnist-scrollable', '');
      } else if (!scrolls && box.hasAttribute('data-mnist-scrollable')) {
        box.removeAttribute('tabindex');
        box.removeAttribute('data-mnist-scrollable');
      }
    }
  };
  let queued = false;
  const soon = () => {
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; mark(); }); }
  };
  new MutationObserver(soon).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                    attributeFilter: ['src']});
  window.addEventListener('resize', soon);
  mark();
})();
</script>""".replace("SCROLLABLE", SCROLLABLE)


def accessibility_layer() -> None:
    """Once per script run, from app.py: the code colours and the scrollable-box script (in the
    sidebar, where its empty element takes no room from a page)."""
    st.html(CSS)
    st.sidebar.html(SCRIPT, unsafe_allow_javascript=True)
