"""Draw: classify a digit drawn on a canvas, or a photo of one, with the active model.

Each finished stroke goes through the MNIST steps (crop, 20x20 box, centre of mass) and
the network; the page shows the prediction, the 10 probabilities and every step.
"""

from __future__ import annotations

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from app_pages.common import ActiveModel, active_model
from mnist_core import BlankImageError, MnistLabError
from mnist_core.charts.drawing import (
    STEP_CAPTIONS,
    TILE_SIZE,
    Reading,
    probability_bars,
    read_canvas,
    read_upload,
    step_tiles,
)
from mnist_core.inspection import DRAWING, DRAWN_INPUT_KEY

CANVAS_SIZE = 280  # pixels; 10x MNIST's 28
CANVAS_KEY = "draw_canvas"
CANVAS_GENERATION_KEY = "draw_canvas_generation"  # how many times Clear was pressed
EMPTY_CANVAS = {"drawing": {"raw": {"objects": []}, "data": None}, "backgroundFit": None}
PEN_WIDTH_KEY = "draw_pen_width"
UPLOAD_KEY = "draw_upload"
UPLOAD_READING_KEY = "draw_upload_reading"  # (file id, model key, Reading or error message)
UNSURE_BELOW = 0.7  # top probability under this gets the "network is unsure" hint
# Pen width over the drawing's longer side above which strokes come out thicker than
# MNIST's (about a tenth of the digit): on simulated pen drawings of 500 test digits,
# 30 px strokes on a 110 px digit (0.27) scored 61 %, 20 px on 100 px (0.2) 95 %, and
# ratios up to 0.17 scored 98-99 %.
THICK_ABOVE = 0.2
INSTRUCTION = (
    "Draw one digit, 0 to 9, in the black square with the mouse or a finger. "
    "It is classified each time you lift the pen."
)


def clear_canvas() -> None:
    """on_click of Clear: a new initial drawing empties the canvas; this rerun sees it empty.

    Clearing by changing the canvas key (a remount) lost strokes in Chromium: the first
    stroke after a Clear often never reached Python (2 of 5 rounds, and 2 of 6 digits
    lost without a keyed container). A changed ``initial_drawing`` makes the component
    reload it in place, reset its undo history and send the empty canvas: 0 of 5 lost.
    """
    st.session_state[CANVAS_GENERATION_KEY] = st.session_state.get(CANVAS_GENERATION_KEY, 0) + 1
    st.session_state[CANVAS_KEY] = EMPTY_CANVAS


def confidence_text(confidence: float) -> str:
    """'97.3% confident'; above 99.9 % say so rather than round up to a certain 100 %."""
    return "over 99.9% confident" if confidence > 0.999 else f"{confidence:.1%} confident"


def show_reading(reading: Reading, chart_key: str) -> None:
    """The prediction with its confidence, the unsure hint, and the 10 probability bars."""
    st.metric(
        "Prediction",
        reading.digit,
        delta=confidence_text(reading.confidence),
        delta_color="off",
        delta_arrow="off",
    )
    if reading.confidence < UNSURE_BELOW:
        st.warning(
            f"The network is unsure: {reading.confidence:.0%} for {reading.digit}, "
            f"{reading.probabilities[reading.runner_up]:.0%} for {reading.runner_up}. "
            "Write it the usual way, strokes joined where they belong; size and position "
            "do not matter.",
            icon=":material/help:",
        )
    st.plotly_chart(probability_bars(reading.probabilities), key=chart_key, config={"displayModeBar": False})


def show_steps(reading: Reading, first_caption: str = STEP_CAPTIONS[0], source: str = "drawing") -> None:
    """The four preprocessing steps side by side, each pixel of the small ones visible."""
    columns = st.columns(4)
    captions = (first_caption, *STEP_CAPTIONS[1:])
    shapes = (reading.steps.ink, reading.steps.cropped, reading.steps.boxed, reading.steps.centred)
    for column, tile, caption, image in zip(
        columns, step_tiles(reading.steps), captions, shapes, strict=True
    ):
        column.image(
            tile,
            caption=f"{caption} ({image.shape[1]}×{image.shape[0]})",
            width=TILE_SIZE,
            output_format="PNG",
        )
    st.caption(
        "MNIST's digits were scaled to fit a 20×20 box and centred by their centre of mass "
        f"in 28×28 (LeCun). Your {source} goes through the same steps, so the network sees "
        "what it was trained on."
    )


def draw_tab(active: ActiveModel) -> None:
    """Canvas on the left, prediction on the right, steps below."""
    canvas_column, result_column = st.columns([3, 4], gap="large")
    with canvas_column:
        pen_width = st.slider("Pen width", 8, 40, 20, step=2, key=PEN_WIDTH_KEY)
        canvas = st_canvas(
            stroke_width=pen_width,
            stroke_color="#FFFFFF",
            background_color="#000000",
            update_streamlit=True,
            height=CANVAS_SIZE,
            width=CANVAS_SIZE,
            drawing_mode="freedraw",
            initial_drawing={"objects": [], "mnistLabClears": st.session_state.get(CANVAS_GENERATION_KEY, 0)},
            return_image_data=True,
            key=CANVAS_KEY,
        )
        st.button("Clear", icon=":material/ink_eraser:", on_click=clear_canvas, key="draw_clear")
    rgba = canvas.image_data
    try:
        reading = None if rgba is None else read_canvas(rgba, active.network)
    except BlankImageError:
        reading = None
    with result_column:
        if reading is None:
            st.info(INSTRUCTION, icon=":material/draw:")
            return
        show_reading(reading, chart_key="draw_canvas_chart")
        st.session_state[DRAWN_INPUT_KEY] = reading.steps.centred  # for Inside the network
        st.page_link("app_pages/network.py", label="Look inside the network", icon=":material/hub:",
                     query_params={"input": DRAWING})
        drawing_size = max(reading.steps.cropped.shape)
        if pen_width / drawing_size > THICK_ABOVE:
            st.info(
                f"The strokes are thick for a digit this small ({pen_width} px pen, "
                f"{drawing_size} px drawing): MNIST's strokes are about a tenth of the digit. "
                "Draw it bigger or choose a thinner pen.",
                icon=":material/line_weight:",
            )
    show_steps(reading)


def upload_reading(uploaded, active: ActiveModel) -> Reading | str:
    """The upload's Reading, or the error message to show; computed once per file and model."""
    cached = st.session_state.get(UPLOAD_READING_KEY)
    if cached is not None and cached[:2] == (uploaded.file_id, active.key):
        return cached[2]
    try:
        outcome: Reading | str = read_upload(uploaded.getvalue(), active.network)
    except MnistLabError as error:  # ImageFileError, BlankImageError: messages say what to do
        outcome = str(error)
    st.session_state[UPLOAD_READING_KEY] = (uploaded.file_id, active.key, outcome)
    return outcome


def upload_tab(active: ActiveModel) -> None:
    """A photo or scan of one handwritten digit, through the same steps."""
    upload_column, result_column = st.columns([3, 4], gap="large")
    with upload_column:
        uploaded = st.file_uploader(
            "Photo or scan of one handwritten digit",
            key=UPLOAD_KEY,
            help="PNG, JPEG, WebP, BMP, GIF or TIFF, up to 24 megapixels; dark ink on light "
            "paper or light on dark. Crop close around the digit for the best result.",
        )
        st.caption(
            "One digit per photo, on plain paper. The photo is turned to grayscale, its "
            "background found, contrast stretched and specks removed before the MNIST steps."
        )
    with result_column:
        if uploaded is None:
            st.info("Upload a photo of a single handwritten digit to classify it.", icon=":material/upload:")
            return
        outcome = upload_reading(uploaded, active)
        if isinstance(outcome, str):
            st.error(f"**{uploaded.name} cannot be classified.** {outcome}", icon=":material/broken_image:")
            return
        # Named, so a file Streamlit's uploader refuses (over its size limit) cannot be
        # mistaken for the one still classified here.
        st.caption(f"Classified: **{uploaded.name}**")
        show_reading(outcome, chart_key="draw_upload_chart")
    show_steps(outcome, first_caption="1 · the photo as ink", source="photo")


def main() -> None:
    st.title("Draw a digit")
    active = active_model()
    if active is None:
        st.info(
            "Train a model on the **Train** page (when it completes, it becomes the active model), "
            "or restore the "
            "shipped one: `git checkout models/default.keras` or "
            "`python -m mnist_core.train --preset best`.",
            icon=":material/model_training:",
        )
        st.stop()
    st.caption(f"Classified by **{active.name}**.")
    drawing, upload = st.tabs(["Draw", "Upload"])
    with drawing:
        draw_tab(active)
    with upload:
        upload_tab(active)


main()
