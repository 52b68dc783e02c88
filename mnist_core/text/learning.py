"""Every sentence and formula of the "How it learns" page (no Streamlit, no NumPy work).

Numbers are formatted here, one way each: a loss as ``loss_text``, an accuracy as a percentage, a
small gradient with ``number``'s 4 significant digits.
"""

from __future__ import annotations

import math

from mnist_core.text.format import percent

TITLE = "How it learns"
INTRO = (
    "Training is thousands of small steps. Each step takes one batch of 128 training images, runs the "
    "network forward, measures how wrong it is (the loss), works out how every one of the 407,050 "
    "weights should move to make it less wrong (the gradients, by backpropagation), and moves them a "
    "little (the optimiser). Here the lesson's network, 784 → 512 (ReLU) → 10 (softmax), is trained "
    "from scratch in NumPy, one step at a time, with every number on show. The same maths is checked "
    "against TensorFlow in this project's tests."
)
OPTIMISER_NAMES = {"sgd": "SGD", "momentum": "SGD with momentum 0.9", "rmsprop": "RMSprop (the lesson's)"}
SEED_HELP = ("Sets the random starting weights (Glorot uniform, biases 0, as Keras starts a Dense "
             "layer) and the order of the batches. A new seed starts a new run.")
OPTIMISER_HELP = ("How the gradients move the weights. Changing it keeps the weights and starts the "
                  "optimiser's memory (momentum, RMSprop's running average) from zero.")
RATE_HELP = "How far each step moves. Try 10 to see a run blow up."
STEP_HELP = {1: "Take the step shown below.", 10: "Ten steps, ten batches.",
             100: "A hundred steps; shows progress and can be stopped."}
RESET_HELP = "Back to the starting weights of this seed, step 0."
STOP_LABEL = "Stop"
EXAMPLE_HELP = "Which image of the batch to follow through the network (0 is the first)."
UNIT_HELP = "Which of the 512 hidden units to look at in the backward pass and the update."


def loss_text(loss: float) -> str:
    """A loss as shown everywhere on the page: '0.2871', '3.91e+06', 'NaN', 'inf'."""
    if math.isnan(loss):
        return "NaN"
    if math.isinf(loss):
        return "inf" if loss > 0 else "-inf"
    return f"{loss:.4f}" if abs(loss) < 1e4 else f"{loss:.3g}"


def number(value: float) -> str:
    """A weight, gradient or change: 4 significant digits, 'NaN' and 'inf' as they are."""
    return loss_text(value) if not math.isfinite(value) else f"{value:.4g}"


def status(step: int, steps_per_epoch: int, loss: float | None, accuracy: float) -> str:
    epoch, position = divmod(step, steps_per_epoch)
    where = f"step {step:,} (epoch {epoch + 1}, batch {position + 1} of {steps_per_epoch} next)"
    last = "" if loss is None else f" · last batch loss **{loss_text(loss)}**"
    return f"**{where[0].upper()}{where[1:]}**{last} · validation accuracy **{percent(accuracy)}**"


def diverged(loss: float, limit: float) -> str:
    what = "is not a number" if not math.isfinite(loss) else f"reached {loss_text(loss)}"
    return (f"**The run diverged.** The batch loss {what} (above {limit:g} counts as diverged, as on the "
            "Train page; a network guessing uniformly scores ln 10 = 2.30). The steps were too large: each "
            "one overshot and the weights blew up. Press Reset, and pick a smaller learning rate.")


def stopped(done: int, asked: int) -> str:
    return f"Stopped after {done} of {asked} steps; the weights keep every step taken."


def running(done: int, asked: int) -> str:
    return f"Step {done} of {asked}…"


# --- the run's history -------------------------------------------------------------------------
HISTORY_CAPTION = ("Batch loss of every step taken (each batch is new, so it is noisy) and accuracy "
                   "on a fixed slice of 1,000 test images the network never trains on, after every step.")
NO_HISTORY = "No step taken yet: press Step ×1."


def epoch_comparison(ours: float, keras_first_epoch: float | None, run_name: str | None) -> str:
    if keras_first_epoch is None:
        return (f"**One epoch done:** {percent(ours)} on the 1,000 validation images after 469 steps. "
                "Train the seed preset on the Train page to compare with Keras' own first epoch.")
    difference = (ours - keras_first_epoch) * 100
    return (f"**One epoch done:** {percent(ours)} on the 1,000 validation images after 469 steps; "
            f"{run_name}, trained by Keras on the Train page with the same settings, reached "
            f"{percent(keras_first_epoch)} after its first epoch ({difference:+.1f} points; its epoch is "
            "422 steps on 54,000 images and its validation set is the last 6,000 training images, so "
            "expect a point or so either way).")


# --- forward -----------------------------------------------------------------------------------
FORWARD_TITLE = "1 · Forward: one image through the network"


def forward_intro(batch_size: int, step: int) -> str:
    return (f"The batch of step {step:,}: {batch_size} training images, picked by the seed's shuffle. "
            "Follow one of them through the network:")


def pixels_caption(index: int, label: int) -> str:
    return f"Training image #{index:,}, a {label}: 784 pixels scaled to [0, 1]"


PRE_ACTIVATION_CAPTION = "z₁ = x W₁ + b₁: the 512 hidden pre-activations (16 × 32, red above 0, blue below)"


def mask_caption(active: int, total: int) -> str:
    return f"ReLU mask z₁ > 0: {active} of {total} units pass their value on (black), the rest output 0"


FORWARD_LATEX = (
    r"z_1 = x\,W_1 + b_1,\quad h = \max(0, z_1),\quad \text{logits} = h\,W_2 + b_2,\quad "
    r"p_k = \frac{e^{\text{logit}_k}}{\sum_j e^{\text{logit}_j}}"
)


def loss_latex(label: int, probability: float, loss: float) -> str:
    return rf"L = -\log p_{{{label}}} = -\log {latex_number(probability)} = {latex_number(loss)}"


def batch_loss_latex(batch_size: int, loss: float) -> str:
    return (rf"L_{{\text{{batch}}}} = \frac{{1}}{{{batch_size}}}\sum_{{i=1}}^{{{batch_size}}} "
            rf"-\log p_{{i,\,y_i}} = {loss_text(loss)}")


LOGITS_TITLE = "The 10 logits (before softmax)"
PROBABILITIES_TITLE = "Softmax: the 10 probabilities"

# --- backward ----------------------------------------------------------------------------------
BACKWARD_TITLE = "2 · Backward: which way each weight should move"
BACKWARD_INTRO = (
    "Backpropagation applies the chain rule from the loss back to every weight. For the batch mean of "
    "the cross-entropy through a softmax, the error at the logits is simply the probabilities minus the "
    "one-hot label, over the batch size; everything else follows from it:"
)
BACKWARD_LATEX = (
    r"\delta_2 = \frac{\partial L}{\partial\,\text{logits}} = \frac{p - \text{onehot}(y)}{N},\quad "
    r"\frac{\partial L}{\partial W_2} = h^\top \delta_2,\quad "
    r"\delta_1 = (\delta_2 W_2^\top) \odot \text{relu}'(z_1),\quad "
    r"\frac{\partial L}{\partial W_1} = x^\top \delta_1"
)


def delta_latex(label: int, probability: float, batch_size: int) -> str:
    return (rf"\text{{this image: }}\ \delta_{{2,{label}}} = "
            rf"\frac{{{probability:.4g} - 1}}{{{batch_size}}} = "
            rf"{(probability - 1) / batch_size:.4g}")


def unit_gradient_caption(unit: int) -> str:
    return (f"∂L/∂W₁ for hidden unit {unit}: one number per pixel (red: the loss rises with that weight, "
            "so the step lowers it)")


def unit_weights_caption(unit: int) -> str:
    return f"Unit {unit}'s 784 incoming weights now (red above 0, blue below)"


W2_GRADIENT_CAPTION = ("∂L/∂W₂: 10 rows (digits 0 to 9) × 512 columns (hidden units). Red: raising that "
                       "weight would raise the loss.")
NORMS_INTRO = "Gradient norm of each array: how strongly the batch pulls on it."
NORM_LABELS = {"w1": "‖∂L/∂W₁‖", "b1": "‖∂L/∂b₁‖", "w2": "‖∂L/∂W₂‖", "b2": "‖∂L/∂b₂‖"}


def norms_text(norms: dict[str, float]) -> str:
    """Each array's gradient norm on a line of its own (keys of NORM_LABELS), under what they mean: one
    block of text, sent as one element on every step."""
    return "  \n".join([NORMS_INTRO, *(f"{NORM_LABELS[name]} = **{number(value)}**"
                                       for name, value in norms.items())])

# --- update ------------------------------------------------------------------------------------
UPDATE_TITLE = "3 · The update: the optimiser moves every weight"
UPDATE_LATEX = {
    "sgd": r"w \leftarrow w - \eta\, g",
    "momentum": r"m \leftarrow 0.9\, m - \eta\, g,\quad w \leftarrow w + m",
    "rmsprop": (r"v \leftarrow 0.9\, v + 0.1\, g^2,\quad "
                r"w \leftarrow w - \frac{\eta\, g}{\sqrt{v + 10^{-7}}}"),
}
UPDATE_EXPLANATION = {
    "sgd": ("Plain gradient descent: every weight moves against its gradient, by the learning rate η "
            "times it."),
    "momentum": ("SGD with momentum (Keras' SGD(momentum=0.9)): the step m is a running sum of past steps, "
                 "so a direction that keeps coming back speeds up and noise cancels out."),
    "rmsprop": ("RMSprop, the lesson's optimiser: v is a running average of each weight's squared gradient, "
                "and each step is divided by its root, so every weight moves by about the same amount "
                "whatever the size of its gradient (epsilon 10⁻⁷ inside the root, as Keras has it)."),
}


def latex_lines(*lines: str) -> str:
    """Formulas one under the other, centred, in one ``st.latex`` (one element to send, not one each)."""
    return r"\begin{gathered}" + r" \\[10pt] ".join(lines) + r"\end{gathered}"


def latex_number(value: float, digits: int = 4) -> str:
    """A number for LaTeX: 0.01911, 4.119 \\times 10^{-6}, \\text{NaN}."""
    if not math.isfinite(value):
        return rf"\text{{{loss_text(value)}}}"
    text = f"{value:.{digits}g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def update_numbers_latex(optimiser: str, rate: float, pixel: int, weight: float, gradient: float,
                         slot_after: float | None, after: float) -> str:
    """The update of one weight (unit's weight from pixel ``pixel``) with its numbers in."""
    eta, g, w = latex_number(rate), latex_number(gradient), latex_number(weight)
    new, slot = latex_number(after, 6), latex_number(slot_after) if slot_after is not None else ""
    head = rf"\text{{pixel {pixel}: }}\ "
    if optimiser == "sgd":
        return head + rf"{w} - {eta} \times ({g}) = {new}"
    if optimiser == "momentum":
        return head + rf"m = {slot},\quad {w} + ({slot}) = {new}"
    fraction = rf"\frac{{{eta} \times ({g})}}{{\sqrt{{{slot} + 10^{{-7}}}}}}"
    return head + rf"v = {slot},\quad {w} - {fraction} = {new}"


def update_caption(rate: float, unit: int, largest_change: float) -> str:
    return (f"Learning rate η = {rate:g}. Unit {unit}'s weights before the step, after it, and the change "
            f"(after − before, largest {number(largest_change)} in size).")


BEFORE_CAPTION, AFTER_CAPTION, CHANGE_CAPTION = "Before", "After", "Change (its own colour scale)"
SLOT_CAPTION = {"momentum": "m after the step: the velocity of each weight",
                "rmsprop": "v after the step: running mean of g², per weight (darker = larger)"}

# --- gradient check -----------------------------------------------------------------------------
CHECK_TITLE = "4 · Gradient check: is backpropagation right?"
CHECK_INTRO = (
    "Nudge one weight by ±ε, recompute the whole batch loss both times, and the slope between is the "
    "gradient, no calculus needed: (L(w + ε) − L(w − ε)) / 2ε. It must match what backpropagation "
    "computed. Six weights picked at random (with a gradient other than 0), in float64, ε = 10⁻⁶."
)
CHECK_BUTTON = "Check 6 random weights"
CHECK_COLUMNS = ("weight", "backpropagation", "finite difference", "relative error")


def check_verdict(worst: float) -> str:
    if worst < 1e-4:
        return f"Largest relative error {worst:.1e}: backpropagation and the finite differences agree."
    return (f"Largest relative error {worst:.1e}: more than 10⁻⁴. A ReLU that switches within ±ε, or "
            "weights that diverged, can do this.")


def weight_name(name: str, position: tuple[int, ...]) -> str:
    labels = {"w1": "W₁[pixel {}, unit {}]", "b1": "b₁[unit {}]", "w2": "W₂[unit {}, digit {}]",
              "b2": "b₂[digit {}]"}
    return labels[name].format(*position)


# --- landscape ---------------------------------------------------------------------------------
LANDSCAPE_TITLE = "5 · The loss landscape around the current weights"
LANDSCAPE_INTRO = (
    "The loss lives in 407,050 dimensions; this is a 2-D slice through the current weights (the "
    "centre), along two random directions, each filter-normalised as in Li et al., 2018, \"Visualizing "
    "the Loss Landscape of Neural Nets\": every unit's direction is scaled to the size of that unit's "
    "weights, biases stay put. 21 × 21 points on a fixed batch of 256 training images."
)
LANDSCAPE_BUTTON = "Draw the landscape"
SPAN_LABEL = "How far from the centre (in filter norms)"


def path_note(points: int) -> str:
    if points <= 1:
        return "No steps taken yet, so there is no path to draw."
    return (f"The white line is the path of the {points - 1} steps taken so far, projected onto the slice. "
            "It looks short: random directions are almost at right angles to the path in 407,050 "
            "dimensions (Li et al. draw paths on principal directions of the path instead).")


def landscape_caption(centre: float, lowest: float, highest: float) -> str:
    return (f"Loss at the centre {loss_text(centre)}; on this slice from {loss_text(lowest)} to "
            f"{loss_text(highest)}.")


# --- race ----------------------------------------------------------------------------------------
RACE_TITLE = "6 · Optimiser race"
RACE_INTRO = ("SGD, SGD with momentum and RMSprop, each with its own learning rate, from the same starting "
              "weights (this seed's) on the same batches. Which gets the loss down fastest?")
RACE_STEPS_LABEL = "Steps"
RACE_BUTTON = "Race"
RACE_RATE_LABEL = "Learning rate of {}"


def race_caption(steps: int, finals: dict[str, float]) -> str:
    ends = ", ".join(f"{short_name(name)} {loss_text(value)}" for name, value in finals.items())
    return f"Batch loss of each of the {steps} steps. Mean of the last 10: {ends}."


# --- URL -----------------------------------------------------------------------------------------
def bad_whole_number(name: str, text: str, low: int, high: int, default: int) -> str:
    return (f"The link's {name} {text!r} is not a whole number from {low:,} to {high:,}; showing "
            f"{name} {default} instead.")


def bad_optimiser(text: str, default: str) -> str:
    return f"The link's optimiser {text!r} is not sgd, momentum or rmsprop; showing {default} instead."


def bad_learning_rate(text: str, low: float, high: float, default: float) -> str:
    return (f"The link's learning rate {text!r} is not a number from {low:g} to {high:g}; showing "
            f"{default:g} instead.")


NO_DATA = "This page trains on MNIST's training images, which could not be loaded."


def short_name(optimiser: str) -> str:
    """'SGD', 'SGD with momentum 0.9', 'RMSprop': the optimiser's name without the note."""
    return OPTIMISER_NAMES[optimiser].split(" (")[0]
