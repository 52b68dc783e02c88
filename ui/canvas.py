"""The drawing square of the Draw page: streamlit-drawable-canvas with its toolbar taken away.

streamlit-drawable-canvas 0.13 lays its toolbar (upload, undo, redo, edit, delete) over the top
edge of the drawing square. It is invisible until hovered, yet takes pointer events there:
strokes that start in that strip are lost, and a tap can run the hidden Undo. ``st_canvas`` has
no parameter to hide it, and the component renders in an open shadow root that page CSS does not
reach. A tiny companion component (``canvas_guard``) adds a style sheet to that shadow root:
no toolbar, ``touch-action: none`` on the drawing surface (a stroke never scrolls the page),
and, on a phone, a zoom that makes the square as wide as the column. The page offers its own
Clear and Undo buttons instead of the toolbar's.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import streamlit as st
from PIL import Image
from streamlit_drawable_canvas import st_canvas

from ui.session import DRAW_CANVAS_KEY, drawing_keys

CANVAS_SIZE = 280  # pixels; 10x MNIST's 28
CANVAS_KEY = DRAW_CANVAS_KEY
GENERATION_KEY = "draw_canvas_generation"  # bumped on Clear and Undo: the canvas reloads
KEPT_KEY = "draw_canvas_kept"  # the strokes (Fabric objects) the canvas reloads after an Undo
PHONE_BELOW = 640  # viewport width (px) under which Streamlit stacks columns

# Inside the canvas' shadow root. .dc-toolbar and .dc-canvas are the component's own class names
# (streamlit-drawable-canvas 0.13); tests/browser/test_draw_canvas.py fails if they change.
GUARD_CSS = """
.dc-toolbar { display: none !important; }
.dc-root, .dc-container, .dc-canvas, canvas { touch-action: none; }
"""

GUARD_JS = """
export default function ({ data }) {
  const STYLE_ID = 'mnist-lab-canvas-guard';
  const watched = new WeakSet();
  let observer = null;
  const holder = () => document.querySelector('.st-key-' + data.key);
  const fit = () => {
    // On a phone the square is zoomed to the column's width (Fabric maps pointer positions
    // through its bounding box, so strokes land where the finger is).
    const element = holder();
    if (!element || !element.parentElement) return;
    const room = element.parentElement.getBoundingClientRect().width;
    const zoom = window.innerWidth < data.phoneBelow && room > data.size ? room / data.size : 1;
    element.style.zoom = zoom === 1 ? '' : String(zoom);
  };
  const guard = () => {
    const element = holder();
    if (!element) return;
    for (const node of element.querySelectorAll('*')) {
      const root = node.shadowRoot;
      if (!root) continue;
      if (!root.getElementById(STYLE_ID)) {
        const style = document.createElement('style');
        style.id = STYLE_ID;
        style.textContent = data.css;
        root.appendChild(style);
      }
      if (!watched.has(root)) {
        watched.add(root);
        observer.observe(root, { childList: true });
      }
    }
    fit();
  };
  observer = new MutationObserver(guard);
  observer.observe(document.body, { childList: true, subtree: true });
  window.addEventListener('resize', fit);
  guard();
  return () => {
    observer.disconnect();
    window.removeEventListener('resize', fit);
  };
}
"""

_guard = st.components.v2.component("mnist_lab.canvas_guard", js=GUARD_JS)


def _keys(key: str) -> tuple[str, str, str]:
    """The session-state keys of the canvas ``key``: its value, its generation, its kept strokes
    (Draw's are ``CANVAS_KEY``, ``GENERATION_KEY`` and ``KEPT_KEY``)."""
    return key, f"{key}_generation", f"{key}_kept"


def _raw(key: str = CANVAS_KEY) -> dict:
    """The canvas' drawing now (Fabric JSON with its "objects", the strokes), from session state."""
    value = st.session_state.get(key) or {}
    return dict((value.get("drawing") or {}).get("raw") or {})


def _objects(key: str = CANVAS_KEY) -> list:
    return list(_raw(key).get("objects") or [])


def _reload(objects: list, key: str = CANVAS_KEY) -> None:
    """Make the canvas reload with ``objects``; this rerun sees no image until it sends one.

    Clearing by changing the canvas key (a remount) lost strokes in Chromium: the first stroke
    after a remount often never reached Python. A changed ``initial_drawing`` makes the
    component reload it in place, reset its own history and send the new image.
    """
    canvas_key, generation_key, kept_key = _keys(key)
    st.session_state[generation_key] = st.session_state.get(generation_key, 0) + 1
    raw = {**_raw(key), "objects": objects}
    st.session_state[kept_key] = raw
    st.session_state[canvas_key] = {"drawing": {"raw": raw, "data": None}, "backgroundFit": None}
    st.session_state.pop(drawing_keys(canvas_key)[1], None)


def current_drawing(key: str = CANVAS_KEY) -> np.ndarray | None:
    """The canvas' latest image as uint8 (H, W, 4) RGBA, or None before anything was drawn: read
    from session state, so a button's on_click can take the drawing the page last received."""
    value = st.session_state.get(key) or {}
    url = (value.get("drawing") or {}).get("data")
    if not url or ";base64," not in url:
        return None if value.get("drawing") else st.session_state.get(drawing_keys(key)[1])
    encoded = url.split(";base64,", 1)[1]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))).convert("RGBA"))


def clear_canvas(key: str = CANVAS_KEY) -> None:
    """on_click of Clear: every stroke goes."""
    _reload([], key)


def undo_stroke(key: str = CANVAS_KEY) -> None:
    """on_click of Undo: the last stroke goes."""
    _reload(_objects(key)[:-1], key)


# Page CSS for phones: less space above the title, so the square, its buttons and the
# prediction under them fit one 844-pixel-high screen.
PHONE_CSS = f"""
<style>
.st-key-draw_canvas_guard, [class*="_canvas_guard"] {{ display: none; }}
@media (max-width: {PHONE_BELOW - 0.02}px) {{
  .stMainBlockContainer {{ padding-top: 3.25rem; }}
  .stMainBlockContainer h1 {{ font-size: 2rem; padding-top: 0.5rem; }}
}}
</style>
"""


def drawing_canvas(pen_width: int, pen_slider, key: str = CANVAS_KEY) -> np.ndarray | None:
    """The guarded canvas with Undo, Clear and a pen menu (``pen_slider()`` draws its slider)
    under it; returns the drawing as RGBA uint8 (280, 280, 4), or None while there is none.
    ``key`` names it (Draw's by default), so another page's canvas keeps its own strokes.

    A drawing survives leaving the page (Streamlit drops a widget's state then) and, for Draw's,
    a reload (``ui.session.KEPT_KEYS``): a new canvas starts with the last one's strokes, and
    until it sends an image of its own (after the next stroke) the last image stands in.
    """
    canvas_key, generation_key, kept_key = _keys(key)
    strokes_key, image_key = drawing_keys(canvas_key)
    prefix = "draw" if key == CANVAS_KEY else key
    st.html(PHONE_CSS)
    fresh = canvas_key not in st.session_state
    if fresh and strokes_key in st.session_state:
        st.session_state[kept_key] = st.session_state[strokes_key]
    canvas = st_canvas(
        stroke_width=pen_width,
        stroke_color="#FFFFFF",
        background_color="#000000",
        update_streamlit=True,
        height=CANVAS_SIZE,
        width=CANVAS_SIZE,
        drawing_mode="freedraw",
        initial_drawing={
            **st.session_state.get(kept_key, {"objects": []}),
            "mnistLabClears": st.session_state.get(generation_key, 0),
        },
        return_image_data=True,
        key=canvas_key,
    )
    if not fresh and (st.session_state.get(canvas_key) or {}).get("drawing") is not None:
        st.session_state[strokes_key] = {**_raw(key), "objects": _objects(key)}
        if canvas.image_data is None:
            st.session_state.pop(image_key, None)
        else:
            st.session_state[image_key] = canvas.image_data
    image = canvas.image_data if canvas.image_data is not None else st.session_state.get(image_key)
    _guard(
        key=f"{canvas_key}_guard",
        data={"key": canvas_key, "css": GUARD_CSS, "size": CANVAS_SIZE, "phoneBelow": PHONE_BELOW},
    )
    with st.container(horizontal=True):
        st.button("Undo", icon=":material/undo:", on_click=undo_stroke, args=(key,), key=f"{prefix}_undo",
                  disabled=not _objects(key), help="Take back the last stroke.")
        st.button("Clear", icon=":material/ink_eraser:", on_click=clear_canvas, args=(key,),
                  key=f"{prefix}_clear")
        with st.popover(f"Pen {pen_width} px", icon=":material/line_weight:"):
            pen_slider()
    return image
