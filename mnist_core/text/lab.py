"""What the Break-it page says, without Streamlit. Sentences that quote a figure take it from the
robustness curves or the probabilities on screen, so each stays true to what is shown."""

from __future__ import annotations

import math

from mnist_core.text.reading import confidence_text

TITLE = "Break it"
INTRO = (
    "Move, turn, grow, thin, blur or attack a digit and watch the networks' answers side by side: "
    "the lesson's dense network, the shipped dense model, your own model if you trained one, and a "
    "small convolutional network. Each slider says what it shows; the curves below measure the same "
    "change on all 10,000 test digits."
)
INPUT_HELP = (
    "Start from a test digit, your latest drawing on the Draw page, or a digit some model gets wrong."
)
NO_DRAWING = (
    "There is no drawing in this session yet (a drawing is never shared in a link): draw a digit on "
    "the Draw page, then come back. Showing a test digit instead."
)
NO_MISTAKE = (
    "The active model reads every test digit right: there is no mistake to show. Showing a test digit."
)

MODEL_NAMES = {
    "seed": "Lesson's dense network",
    "default": "Default dense model",
    "convnet": "Small convnet",
}
MODEL_NOTES = {
    "seed": "Dense(512) → Dense(10), RMSprop, 5 epochs, no augmentation: the network Home trains.",
    "default": "Two Dense(512) layers with dropout, trained on digits shifted up to 2 px, turned, zoomed.",
    "convnet": "Conv(32, 3×3) → pool → Conv(64, 3×3) → pool → Dense(10), trained with the same random "
    "moves as the default model: the two differ in architecture only.",
}
SESSION_MODEL_NOTE = "The model active in this session (trained on the Train page)."
MISSING_MODEL = (
    "{name} is not available ({reason}); the page shows the other models. Rebuild it with "
    "`python -m mnist_core --preset {preset} --out models/{key}.keras`."
)

CONTROL_HELP = {
    "shift": (
        "A dense network has one weight per pixel for each unit: a stroke that moves to other pixels "
        "meets other weights, so the same digit a few pixels away is, to the network, a different "
        "picture (Inside the network shows each unit's 28×28 weights). A convolution slides one small "
        "3×3 filter over every position, so a moved stroke gives the same response, moved; the "
        "pooling then forgives a pixel or two of where it was."
    ),
    "rotation": (
        "MNIST's digits are written upright, give or take a little slant. Turned further, strokes land "
        "on pixels no training digit used: both kinds of network fail, the convnet's filters are not "
        "rotation-invariant either."
    ),
    "scale": (
        "MNIST fitted each digit into a 20×20 box. Shrunk or grown, a digit's strokes move away from "
        "or towards the centre, and a dense network's templates no longer line up."
    ),
    "stroke": (
        "Thinner or thicker pens change how much ink each pixel gets. MNIST's strokes are about 2–3 px "
        "wide; thinning by a pixel erases the finest strokes altogether."
    ),
    "noise": (
        "Random grey specks everywhere: the noise is the same pattern for every model. Large noise "
        "hides the digit for every network; small noise is mostly averaged away by the weighted sums."
    ),
    "erase": (
        "Blanking a band or a box removes part of the digit, like a gap in the pen stroke. Whether a "
        "network still reads it shows which strokes its answer leaned on."
    ),
    "invert": (
        "Black ink on white paper: every pixel becomes 1 − pixel. MNIST's digits are white ink on black, "
        "so no network here has seen this; Draw and the photo reader turn pictures the MNIST way round."
    ),
}
WHY_DRAW_CENTRES = (
    "This is why the Draw page crops your digit, fits it in a 20×20 box and moves its centre of mass "
    "to the middle, as MNIST's own digits were prepared: a dense network reads digits only where "
    "MNIST put them."
)
FGSM_HELP = (
    "The fast gradient sign method (Goodfellow, Shlens and Szegedy, 2014) moves every pixel by ε, up "
    "or down, whichever way raises that model's loss for the true digit. Each move is invisibly "
    "small, but a network that is nearly linear in its pixels adds up 784 of them: the output moves "
    "by about ε times the sum of the gradient's sizes. Each model is attacked with its own gradient."
)
PERTURBATION_CAPTION = "The change made for the {name}, magnified: grey is 0, white +ε, black −ε."
TARGETED_HELP = (
    "A targeted attack: {steps} small steps, each lowering the loss of the chosen digit, while no "
    "pixel may move more than the budget from the original."
)
CURVES_HELP = (
    "Accuracy on all 10,000 test digits as one change grows, one line per model. The shipped models' "
    "curves were measured when the models were built; a model you trained is measured now, in the "
    "background."
)
CURVE_TITLES = {
    "shift_x": "Shift right (+) or left (−), pixels",
    "shift_y": "Shift down (+) or up (−), pixels",
    "rotation": "Rotation, degrees counter-clockwise",
    "scale": "Scale, times the digit's size",
    "stroke": "Stroke width, pixels thicker (+) or thinner (−)",
    "noise": "Gaussian noise, standard deviation",
    "epsilon": "FGSM ε (each pixel moved by at most ε)",
}
CURVES_PENDING = "Measuring {name} on the 10,000 test digits: {share:.0%} done. The page stays usable."
CURVES_FAILED = "The robustness curves of {name} could not be computed ({reason})."


def reads(name: str, probabilities, truth: int | None) -> str:
    """'Small convnet: **7** (over 99.9% confident)', marked right or wrong when the truth is known."""
    digit = int(probabilities.argmax())
    verdict = "" if truth is None else (" ✓" if digit == truth else f" ✗ (it is a {truth})")
    return f"{name}: **{digit}** ({confidence_text(float(probabilities[digit]))}){verdict}"


def shift_result(curves: dict, pixels: int = 4, axis: str = "shift_x") -> str:
    """The measured accuracy of each model (``curves``: model name -> Curves) with every test digit
    moved ``pixels`` along ``axis`` ("shift_x": + right, "shift_y": + down)."""
    if not curves or pixels == 0:
        return ""
    directions = {"shift_x": ("right", "left"), "shift_y": ("down", "up")}[axis]
    where = directions[0] if pixels > 0 else directions[1]
    parts = [f"{name} {value.at(axis, pixels):.1%}" for name, value in curves.items()]
    return (f"With all 10,000 test digits moved {abs(pixels)} px {where}, the share read right: "
            + ", ".join(parts) + ". " + WHY_DRAW_CENTRES)


NO_CHANGE = "Move a slider: the sentences here then say what that change shows."


def shift_gap(dense: float, convnet: float, augmented: float | None = None, pixels: int = 4) -> str:
    """What the gap at ``pixels`` px between the lesson's dense network (``dense``), the convnet and
    the default dense model (``augmented``, trained with the same random moves) measures."""
    gap = (convnet - dense) * 100
    if gap >= 20:
        text = (f"At {pixels} px the convnet reads {gap:.0f} points more test digits right than the "
                "lesson's dense network.")
    else:
        text = (f"At {pixels} px the convnet reads only {gap:.0f} points more test digits right than the "
                "lesson's dense network.")
    if augmented is None:
        return text
    return text + (
        f" But the default dense model, trained with the same random moves of up to 2 px, reads "
        f"{augmented:.0%} (the convnet {convnet:.0%}): most of the tolerance comes from training on moved "
        "digits. The convnet's last layer is a Dense layer over 5×5 pooled cells, tied to positions too, "
        "so beyond a few pixels it fails like the dense networks."
    )


def fgsm_result(name: str, epsilon: float, accuracy: float) -> str:
    return f"{name}: {accuracy:.1%} of the test digits still read right at ε = {epsilon:g}."


def convnet_fooled(dense: float, convnet: float, epsilon: float) -> str:
    """Honest about the convnet under FGSM, from the curves."""
    if math.isnan(convnet):
        return ""
    if convnet < 0.5:
        return (
            f"The convnet is fooled too: at ε = {epsilon:g} it reads {convnet:.0%} of the test digits "
            f"right (the lesson's dense network {dense:.0%}). Sharing weights helps with shifts, not "
            "with pixels chosen against it."
        )
    return (
        f"At ε = {epsilon:g} the convnet still reads {convnet:.0%} right (the lesson's dense network "
        f"{dense:.0%}); larger ε fools it too, as the curve shows."
    )


def targeted_outcome(name: str, target: int, success: bool, steps: int, budget: float) -> str:
    if success:
        return f"{name}: reads **{target}** after {steps} steps, no pixel moved more than {budget:g}."
    return f"{name}: still not **{target}** after {steps} steps within a budget of {budget:g}."


def bad_value(name: str, value: str, allowed: str, default) -> str:
    """A URL value that cannot be used: what it was, what is allowed, what is shown instead."""
    shown = f"{default:g}" if isinstance(default, float) else default
    return f"`{name}={value}` is not {allowed}; showing {name} = {shown} instead."
