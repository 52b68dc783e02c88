"""Looking inside the dense network: activations, unit statistics and exact score decompositions.

Plain NumPy on a ``DenseNetwork`` (no Keras, no Streamlit). The core fact used here: a hidden
unit computes ``a = f(z)``. Writing ``f(z) = f(0) + s * z`` with the unit's *slope*
``s = (f(z) - f(0)) / z`` makes the whole network, for one input and with those slopes held
fixed, an affine map from the 784 pixels to the 10 logits. Each logit is then exactly

    logit_k = sum_i pixel_i * M[i, k]  +  bias terms (one per layer)

For ReLU (and any piecewise-linear activation through 0) ``s`` is 1 for an active unit and 0
otherwise, the gradient itself, so ``pixel * M`` is input x gradient. For tanh, sigmoid and
gelu the slope is the secant through ``f(0)`` rather than the tangent (DeepLIFT's "rescale"
rule with a black reference): the parts still add up exactly, but they are not gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.serving.network import ACTIVATIONS, DenseNetwork, as_model_input

PIECEWISE_LINEAR = {"relu", "linear"}
# f'(0), the slope used for a unit whose pre-activation is exactly 0 (ReLU: off, by convention).
_SLOPE_AT_ZERO = {"relu": 0.0, "linear": 1.0, "tanh": 1.0, "sigmoid": 0.25, "gelu": 0.5}


def unit_slopes(pre_activations: np.ndarray, activation: str) -> np.ndarray:
    """Each unit's slope s = (f(z) - f(0)) / z, float64 (units,); f'(0) where z is 0."""
    z = np.asarray(pre_activations, dtype="float64")
    function = ACTIVATIONS[activation]
    at_zero = float(function(np.zeros(1))[0])
    safe = np.where(np.abs(z) > 1e-7, z, 1.0)
    slopes = (np.asarray(function(safe), dtype="float64") - at_zero) / safe
    return np.where(np.abs(z) > 1e-7, slopes, _SLOPE_AT_ZERO[activation])


@dataclass(frozen=True)
class Explanation:
    """What the network computes for one image, and the exact decomposition of its logits.

    - ``pixels`` float64 (784,): the input in [0, 1].
    - ``pre_activations[l]``, ``activations[l]``, ``slopes[l]`` float64 (units_l,) per hidden layer.
    - ``logits`` float64 (10,), ``probabilities`` float64 (10,).
    - ``pixel_weights`` float64 (784, 10): M, the input's effective weight on each logit.
    - ``unit_weights[l]`` float64 (units_l, 10): each unit's effective weight on each logit
      from hidden layer l onwards, so ``activations[l] @ unit_weights[l] + later biases``
      gives the logits.
    - ``bias_terms`` float64 (hidden layers + 1, 10): what each layer's biases (and f(0)
      offsets) add to each logit, the output layer's bias last.
    """

    activation_names: tuple[str, ...]
    pixels: np.ndarray
    pre_activations: tuple[np.ndarray, ...]
    activations: tuple[np.ndarray, ...]
    slopes: tuple[np.ndarray, ...]
    logits: np.ndarray
    probabilities: np.ndarray
    pixel_weights: np.ndarray
    unit_weights: tuple[np.ndarray, ...]
    bias_terms: np.ndarray

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.logits))

    @property
    def exact(self) -> bool:
        """True when every hidden activation is piecewise linear (ReLU, linear): then the pixel
        parts are input x gradient. Otherwise they are input x secant slope (still exact sums)."""
        return all(name in PIECEWISE_LINEAR for name in self.activation_names)

    def pixel_contributions(self, digit: int) -> np.ndarray:
        """float64 (28, 28): each pixel's part of logit ``digit`` (pixel x effective weight)."""
        return (self.pixels * self.pixel_weights[:, _digit(digit)]).reshape(28, 28)

    def bias_total(self, digit: int) -> float:
        """All bias terms' part of logit ``digit``: pixel parts + this = the logit."""
        return float(self.bias_terms[:, _digit(digit)].sum())

    def unit_contributions(self, layer: int) -> np.ndarray:
        """float64 (units, 10): each unit of hidden ``layer``'s part of every logit (a_j x M_l[j, k]).
        Summed over units, plus ``bias_terms[layer + 1:]``, it gives the logits."""
        return self.activations[layer][:, None] * self.unit_weights[layer]

    def top_units(self, layer: int, digit: int, count: int = 8) -> list[tuple[int, float]]:
        """The ``count`` units of ``layer`` pushing logit ``digit`` up most: [(unit, part)]."""
        parts = self.unit_contributions(layer)[:, _digit(digit)]
        order = np.argsort(-parts, kind="stable")[:count]
        return [(int(unit), float(parts[unit])) for unit in order if parts[unit] > 0]


def explain(network: DenseNetwork, image) -> Explanation:
    """The ``Explanation`` of one image, float (28, 28) or (784,) in [0, 1]. It works on float64 copies
    of every weight matrix (exact sums of the parts), so callers that show the same image to many
    sessions share one result (``ui.network_views.test_image_explanation``)."""
    pixels = as_model_input(image)
    if len(pixels) != 1:
        raise ValueError(f"explain takes one image, got {len(pixels)}.")
    values = pixels[0].astype("float64")
    kernels = [kernel.astype("float64") for kernel in network.kernels]
    biases = [bias.astype("float64") for bias in network.biases]
    pres, acts, slopes, offsets = [], [], [], []
    for kernel, bias, name in zip(kernels[:-1], biases[:-1], network.activations[:-1], strict=True):
        z = values @ kernel + bias
        values = np.asarray(ACTIVATIONS[name](z), dtype="float64")
        pres.append(z)
        acts.append(values)
        slope = unit_slopes(z, name)
        slopes.append(slope)
        offsets.append(slope * bias + float(ACTIVATIONS[name](np.zeros(1))[0]))
    logits = values @ kernels[-1] + biases[-1]
    weights = [kernels[-1]]  # unit_weights, built from the output backwards
    for layer in range(len(acts) - 1, 0, -1):
        weights.insert(0, kernels[layer] @ (slopes[layer][:, None] * weights[0]))
    pixel_weights = kernels[0] @ (slopes[0][:, None] * weights[0]) if acts else kernels[0]
    bias_terms = np.array([offset @ weight for offset, weight in zip(offsets, weights, strict=True)]
                          + [biases[-1]])
    probabilities = np.exp(logits - logits.max())
    return Explanation(
        activation_names=tuple(network.activations[:-1]),
        pixels=pixels[0].astype("float64"),
        pre_activations=tuple(pres),
        activations=tuple(acts),
        slopes=tuple(slopes),
        logits=logits,
        probabilities=probabilities / probabilities.sum(),
        pixel_weights=pixel_weights,
        unit_weights=tuple(weights),
        bias_terms=bias_terms,
    )


def _digit(digit: int) -> int:
    if not 0 <= int(digit) <= 9:
        raise ValueError(f"A digit is 0-9, got {digit}.")
    return int(digit)


# ---------------------------------------------------------------------- one unit


def incoming_weights(network: DenseNetwork, layer: int, unit: int) -> np.ndarray:
    """The weights into ``unit`` of hidden ``layer``, float32: (28, 28) for the first layer
    (one per pixel), (units of the layer before,) for a deeper one."""
    kernel = network.kernels[layer]
    if not 0 <= unit < kernel.shape[1]:
        raise ValueError(f"Layer {layer + 1} has {kernel.shape[1]} units, not {unit}.")
    weights = np.asarray(kernel[:, unit], dtype="float32")
    return weights.reshape(28, 28) if layer == 0 else weights


def hidden_activations(network: DenseNetwork, images, chunk: int = 2000) -> list[np.ndarray]:
    """Every hidden layer's activations for uint8 images (N, 28, 28) (scaled by 1/255) or floats in
    [0, 1] (N, 28, 28) / (N, 784): float32 (N, units_l) per layer, ``chunk`` images at a time."""
    scale = 255.0 if getattr(images, "dtype", None) == np.uint8 else 1.0
    batch = as_model_input(np.asarray(images, dtype="float32") / scale)
    parts = [network.layer_outputs(batch[start : start + chunk])[:-1]
             for start in range(0, len(batch), chunk)]
    return [np.concatenate([part[layer] for part in parts]) for layer in range(len(network.hidden_units))]
