"""Draw: classify a digit drawn on a canvas, or a photo of one, with the active model.

Each finished stroke goes through the MNIST steps (crop, stroke width, 20x20 box, centre of
mass) and the network; the page shows the prediction, whether the drawing looks like the
digits the network learned from, the 10 probabilities and every step.
"""

from __future__ import annotations

from concurrent.futures import Future

import streamlit as st

from mnist_core import BlankImageError, MnistLabError
from mnist_core.charts.drawing import STEP_CAPTIONS, TILE_SIZE, probability_bars, step_tiles
from mnist_core.charts.gallery import png_data_url
from mnist_core.inspection.selection import DRAWING
from mnist_core.reading.familiarity import DigitFamiliarity, calibrate_in_background
from mnist_core.reading.preprocess import MAX_IMAGE_PIXELS, STROKE_RATIO, canvas_to_mnist_steps
from mnist_core.reading.reader import Reading, read_steps, read_upload
from mnist_core.text.digits import WRONG_HELP, WRONG_LABEL
from mnist_core.text.reading import (
    FORCED_CHOICE,
    INSTRUCTION,
    PHOTO_INSTRUCTION,
    UPLOAD_BUSY,
    UPLOAD_PROMPT,
    confidence_text,
    hint,
    thick_pen_hint,
    unfamiliar_warning,
    upload_error,
    upload_refused,
)
from ui.canvas import CANVAS_KEY, drawing_canvas
from ui.digit_set import add_drawing, show_notice
from ui.session import DRAWN_INPUT_KEY, ActiveModel, active_model

PEN_WIDTH_KEY = "draw_pen_width"
DEFAULT_PEN_WIDTH = 20  # pixels on the 280-pixel canvas
UPLOAD_KEY = "draw_upload"
UPLOAD_READING_KEY = "draw_upload_reading"  # (file id, model key, Reading or error message)


@st.cache_resource(show_spinner=False, max_entries=8)
def calibration_of(model_key: str, _network) -> Future:
    """The network's ``DigitFamiliarity`` (calibrated on drawn MNIST digits) as a ``Future``,
    started once per model key and process by the page's first run, off its critical path."""
    return calibrate_in_background(_network)


def familiarity_of(active: ActiveModel) -> DigitFamiliarity | None:
    """The calibrated signal, waiting for it if need be; None if models/familiarity-digits.npz
    is missing (no check then)."""
    try:
        return calibration_of(active.key, active.network).result()
    except OSError:
        return None


def show_reading(reading: Reading, chart_key: str, pen_width: int | None = None) -> None:
    """The prediction with its confidence, at most one hint, and the 10 probability bars."""
    st.metric(
        "Prediction",
        reading.digit,
        delta=confidence_text(reading.confidence),
        delta_color="off",
        delta_arrow="off",
    )
    if not reading.looks_like_a_digit:
        st.warning(unfamiliar_warning(reading), icon=":material/help:")
    elif (thick := thick_pen_hint(reading, pen_width)) is not None:
        st.info(thick, icon=":material/line_weight:")
    elif (unsure := hint(reading)) is not None:
        st.warning(unsure, icon=":material/help:")
    st.plotly_chart(probability_bars(reading.probabilities), key=chart_key, config={"displayModeBar": False})


def show_steps(reading: Reading, first_caption: str = STEP_CAPTIONS[0], source: str = "drawing") -> None:
    """The preprocessing steps side by side, each pixel of the small ones visible."""
    steps = reading.steps
    captions = (first_caption, *STEP_CAPTIONS[1:])
    shapes = (steps.ink, steps.cropped, steps.normalised, steps.boxed, steps.centred)
    for column, tile, caption, image in zip(
        st.columns(len(captions)), step_tiles(steps), captions, shapes, strict=True
    ):
        column.image(
            png_data_url(tile),  # inside the page's message: no media file to expire between strokes
            caption=f"{caption} ({image.shape[1]}×{image.shape[0]})",
            alt=f"The drawing at the step: {caption}",
            width=TILE_SIZE,
        )
    st.caption(
        f"MNIST's digits were scaled to fit a 20×20 box and centred by their centre of mass in "
        f"28×28 (LeCun), with strokes about {STROKE_RATIO:.0%} of the digit's height. Your {source} "
        "goes through the same steps, so the network sees what it was trained on."
    )


def pen_slider() -> None:
    st.slider("Pen width", 8, 40, DEFAULT_PEN_WIDTH, step=2, key=PEN_WIDTH_KEY, format="%d px")


@st.fragment
def draw_tab(active: ActiveModel) -> None:
    """Canvas on the left (on top on a phone), prediction beside it, steps below.

    A fragment: a stroke reruns only this part, not the page around it."""
    canvas_column, result_column = st.columns([3, 4], gap="medium")
    with canvas_column:
        pen_width = int(st.session_state.get(PEN_WIDTH_KEY, DEFAULT_PEN_WIDTH))
        rgba = drawing_canvas(pen_width, pen_slider)
    calibration_of(active.key, active.network)  # starts the non-digit check's calibration
    try:  # the steps first: a blank canvas raises before the calibration is waited for
        steps = None if rgba is None else canvas_to_mnist_steps(rgba)
        reading = None if steps is None else read_steps(steps, active.network, familiarity_of(active))
    except BlankImageError:
        reading = None
    with result_column:
        if reading is None:
            st.info(INSTRUCTION, icon=":material/draw:")
            return
        show_reading(reading, chart_key="draw_canvas_chart", pen_width=pen_width)
        st.session_state[DRAWN_INPUT_KEY] = reading.steps.centred  # for Inside the network
        st.page_link("app_pages/network.py", label="Look inside the network", icon=":material/hub:",
                     query_params={"input": DRAWING})
        st.page_link("app_pages/lab.py", label="Why this answer? Try it in the lab",
                     icon=":material/science:", query_params={"input": DRAWING})
        tell_right_digit(reading.digit)
    show_steps(reading)


def tell_right_digit(predicted: int) -> None:
    """"Wrong? Tell it the right digit": adds the drawing to the session's own digits (Your digits)
    with the label chosen, for a test set of the network's mistakes."""
    with st.popover(WRONG_LABEL, icon=":material/flag:"):
        st.caption(WRONG_HELP)
        with st.container(horizontal=True):
            for label in range(10):
                st.button(str(label), key=f"draw_right_{label}", on_click=add_drawing,
                          args=(CANVAS_KEY, label), kwargs={"clear": False}, disabled=label == predicted)
        show_notice(CANVAS_KEY)
        st.page_link("app_pages/mine.py", label="Your digits", icon=":material/edit_note:")


def upload_reading(uploaded, active: ActiveModel) -> Reading | str:
    """The upload's Reading, or the error message to show; computed once per file and model."""
    cached = st.session_state.get(UPLOAD_READING_KEY)
    if cached is not None and cached[:2] == (uploaded.file_id, active.key):
        return cached[2]
    try:
        outcome: Reading | str = read_upload(uploaded.getvalue(), active.network, familiarity_of(active))
    except MnistLabError as error:  # ImageFileError, PhotoError: messages say what to do
        outcome = str(error)
    st.session_state[UPLOAD_READING_KEY] = (uploaded.file_id, active.key, outcome)
    return outcome


def outcome_changes(uploaded, active: ActiveModel) -> bool:
    """Whether this run shows another outcome than the last one did: another file or model, or
    none (then the last file's reading is forgotten)."""
    cached = st.session_state.get(UPLOAD_READING_KEY)
    if uploaded is None:
        return st.session_state.pop(UPLOAD_READING_KEY, None) is not None
    return cached is None or cached[:2] != (uploaded.file_id, active.key)


# One outcome at a time: while a newly chosen file uploads, or when the uploader has refused the
# newest one (over server.maxUploadSize), the previous file's outcome is hidden and a note says why.
# stFileChips (a list of chips, newest last), stFileChipIconSpinner and stFileChipIconError are
# Streamlit 1.67's file uploader; the browser test
# tests/browser/test_draw_upload.py fails if they change.
NEWEST_CHIP = '.st-key-draw_upload [data-testid="stFileChips"] > div > div:last-child'
BUSY = '.stApp:has(.st-key-draw_upload [data-testid="stFileChipIconSpinner"])'
REFUSED = f'.stApp:has({NEWEST_CHIP} [data-testid="stFileChipIconError"])'
UPLOAD_CSS = f"""
<style>
.st-key-draw_upload_refused, .st-key-draw_upload_busy {{ display: none; }}
.mnist-note {{ padding: 1rem; border-radius: 0.5rem; background: rgba(28, 131, 225, 0.1); margin: 0; }}
.mnist-refused {{ background: rgba(255, 43, 43, 0.09); color: rgb(125, 53, 59); }}
{BUSY} .st-key-draw_upload_busy, {REFUSED} .st-key-draw_upload_refused {{ display: block; }}
{BUSY} .st-key-draw_upload_outcome, {BUSY} .st-key-draw_upload_steps,
{REFUSED} .st-key-draw_upload_outcome, {REFUSED} .st-key-draw_upload_steps {{ display: none; }}
</style>
"""


@st.fragment
def upload_tab(active: ActiveModel) -> None:
    """A photo or scan of one handwritten digit, through the same steps.

    A fragment: choosing another file reruns only this part. The outcome (the prediction or
    the error) sits in one placeholder, so one replaces the other at once, and UPLOAD_CSS hides
    it while a new file is on its way or has been refused.
    """
    st.html(UPLOAD_CSS)
    limit = st.get_option("server.maxUploadSize")
    upload_column, result_column = st.columns([3, 4], gap="medium")
    with upload_column:
        uploaded = st.file_uploader(
            "Photo or scan of one handwritten digit",
            key=UPLOAD_KEY,
            help=f"PNG, JPEG, WebP, BMP, GIF or TIFF, up to {limit} MB and "
            f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels; dark ink on light paper or light on dark.",
        )
        st.caption(PHOTO_INSTRUCTION)
    with result_column:
        # Plain HTML, not st.info/st.error: they are shown only by UPLOAD_CSS, never as an outcome.
        with st.container(key="draw_upload_busy"):
            st.html(f'<p class="mnist-note">{UPLOAD_BUSY}</p>')
        with st.container(key="draw_upload_refused"):
            st.html(f'<p class="mnist-note mnist-refused">{upload_refused(limit, html=True)}</p>')
        outcome_box = st.empty()
    steps_box = st.empty()
    if outcome_changes(uploaded, active):
        # Emptied first, the boxes start bare: a container Streamlit re-sends in place keeps its last
        # elements (the last photo's prediction under a new error) until the run has ended.
        outcome_box.empty()
        steps_box.empty()
    with outcome_box.container(key="draw_upload_outcome"):
        if uploaded is None:
            st.info(UPLOAD_PROMPT, icon=":material/upload:")
            return
        outcome = upload_reading(uploaded, active)
        if isinstance(outcome, str):
            st.error(upload_error(uploaded.name, outcome), icon=":material/broken_image:")
            return
        st.caption(f"Classified: **{uploaded.name}**")
        show_reading(outcome, chart_key="draw_upload_chart")
    with steps_box.container(key="draw_upload_steps"):
        show_steps(outcome, first_caption="1 · the photo as ink", source="photo")


st.title("Draw a digit")
active = active_model()
if active is None:
    st.stop()
st.caption(f"Classified by **{active.name}**. {FORCED_CHOICE}")
drawing, upload = st.tabs(["Draw", "Upload"])
with drawing:
    draw_tab(active)
with upload:
    upload_tab(active)
