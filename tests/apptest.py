"""What the page AppTests share: the app, its pages, one timeout, and a stand-in for ``fit``.

Fixtures built on these are in tests/conftest.py (``app_test``, ``instant_training``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
# The page scripts, in the order app.py's st.navigation lists them: a new page is tested at once.
PAGES = tuple(re.findall(r'st\.Page\(\s*"(app_pages/[a-z_]+\.py)"', APP.read_text()))
# Their titles in the sidebar, in the same order.
PAGE_TITLES = tuple(re.findall(r'st\.Page\(\s*"app_pages/[a-z_]+\.py",\s*title="([^"]+)"', APP.read_text()))
# Seconds for one script run of a page in an AppTest. The first run in the process imports
# TensorFlow (for the tests' own references) and loads MNIST on 2 shared cores.
APP_TEST_TIMEOUT = 180


class InstantFit:
    """Stands in for the Keras model whose ``fit`` ``mnist_core.training.train`` calls.

    ``fit`` calls the callbacks as Keras does (train begin, each batch, each epoch end,
    honouring ``model.stop_training``) with a smoothly falling loss, and changes no weight:
    the model keeps its seeded initial weights. With a learning rate of 10 or more the loss
    is NaN from the third batch, as RMSprop and SGD really do on MNIST (tests/test_training.py
    trains for real).
    """

    def __init__(self, model):
        self.model = model

    def fit(self, x, y, *, epochs, batch_size, validation_split, callbacks, verbose=0):
        steps = math.ceil((len(x) - int(len(x) * validation_split)) / batch_size)
        diverges = float(np.asarray(self.model.optimizer.learning_rate)) >= 10.0
        for callback in callbacks:
            callback.set_model(self.model)
            callback.on_train_begin()
        self.model.stop_training = False
        for epoch in range(epochs):
            for callback in callbacks:
                callback.on_epoch_begin(epoch)
            for batch in range(steps):
                step = epoch * steps + batch
                loss = math.nan if diverges and step >= 2 else 2.3 / (1 + step / 10)
                logs = {"loss": loss, "accuracy": 1 - loss / 2.5}
                for callback in callbacks:
                    callback.on_train_batch_end(batch, logs)
                if self.model.stop_training:
                    break
            logs = {**logs, "val_loss": logs["loss"] * 1.1, "val_accuracy": logs["accuracy"] * 0.99}
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs)
            if self.model.stop_training:
                break
