"""What the Draw page says about a reading: instructions, hints and warnings, without Streamlit.

Every sentence the page shows about a drawing or photo is built here, so docs/robustness.md
can quote them and tests can check both against each other.
"""

from __future__ import annotations

from mnist_core.reading.preprocess import STROKE_RATIO
from mnist_core.reading.reader import Reading

INSTRUCTION = (
    "Draw one digit, 0 to 9, in the black square with the mouse or a finger. "
    "It is classified each time you lift the pen."
)
PHOTO_INSTRUCTION = (
    "One digit per photo, on plain, lined or squared paper, in any pen. The photo is turned to "
    "grey, the paper's brightness (shadows included) is divided out, and what touches the photo's "
    "edge or is a speck is dropped before the MNIST steps."
)
UPLOAD_PROMPT = "Upload a photo of a single handwritten digit to classify it."
UPLOAD_BUSY = "Reading the new file …"
FORCED_CHOICE = (
    "A classifier like this must pick one of 0–9 for anything; a warning says when a drawing "
    "looks unlike the digits it learned."
)
UNSURE_BELOW = 0.7  # top probability under this gets the "network is unsure" hint
# The thick-pen hint is true when the strokes, as measured, are wider than this share of the
# digit's longer side (well above MNIST's own, whose median is STROKE_RATIO), and useful
# only when the network is not sure of its answer. Precision per pen width:
# benchmarks/bench_reading.py.
THICK_RATIO = 0.25
THICK_USEFUL_BELOW = 0.9


def upload_error(file_name: str, reason: str) -> str:
    """The one message shown for an upload that cannot be classified."""
    return f"**{file_name} cannot be classified.** {reason}"


def upload_refused(limit_mb: int, html: bool = False) -> str:
    """Shown when the uploader refused the file just chosen (larger than its limit); Markdown,
    or HTML with ``html``."""
    lead = "<b>That file was not uploaded:</b>" if html else "**That file was not uploaded:**"
    return (
        f"{lead} it is larger than {limit_mb} MB. Choose a smaller photo (a phone's medium size is "
        "plenty), or crop it around the digit."
    )


def confidence_text(confidence: float) -> str:
    """'97.3% confident'; above 99.9 % say so rather than round up to a certain 100 %."""
    return "over 99.9% confident" if confidence > 0.999 else f"{confidence:.1%} confident"


def hint(reading: Reading) -> str | None:
    """The "network is unsure" hint, or None when the top probability is high enough."""
    if reading.confidence >= UNSURE_BELOW:
        return None
    return (
        f"The network is unsure: {reading.confidence:.0%} for {reading.digit}, "
        f"{reading.probabilities[reading.runner_up]:.0%} for {reading.runner_up}. "
        "Write it the usual way, strokes joined where they belong; size and position do not matter."
    )


def thick_pen_hint(reading: Reading, pen_width: int | None) -> str | None:
    """The thick-pen hint, only when it is both true (measured strokes wider than ``THICK_RATIO``
    of the digit) and useful (the network is unsure); None otherwise or for photos."""
    if pen_width is None or reading.confidence >= THICK_USEFUL_BELOW:
        return None
    if reading.steps.stroke_ratio <= THICK_RATIO:
        return None
    drawing_size = max(reading.steps.cropped.shape)
    return (
        f"The strokes are thick for a digit this small ({pen_width} px pen, {drawing_size} px "
        f"drawing) and the network is unsure. The page thins them to MNIST's width (about "
        f"{STROKE_RATIO:.0%} of the digit), but loops a thick pen has filled stay filled: draw it "
        "bigger or choose a thinner pen."
    )


def unfamiliar_warning(reading: Reading) -> str:
    """The warning shown when the input does not look like a digit the network was trained on."""
    return (
        f"**This does not look like a digit I was trained on.** The network still had to answer "
        f"{reading.digit}, but inside it the drawing looks unlike the MNIST digits it learned from, "
        "so treat the answer as a forced guess. Draw a single digit, 0 to 9."
    )
