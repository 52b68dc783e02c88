"""Exceptions raised by mnist_core.

Every error is a ``ValueError`` subclass whose message says what went wrong and
what to do about it, so a caller (the dashboard, the CLI) can show it as is.
"""


class MnistLabError(ValueError):
    """Base class of every error mnist_core raises on purpose."""


class DatasetError(MnistLabError):
    """MNIST could not be found, read or validated."""


class BlankImageError(MnistLabError):
    """The canvas or photo holds no ink to classify."""


class PhotoError(BlankImageError):
    """A photo holds no digit that can be read; the message says why in photo terms."""


class ImageFileError(MnistLabError):
    """An uploaded file is not a usable image (empty, corrupt, truncated, too large)."""


class ModelFileError(MnistLabError):
    """A saved model is missing, corrupt or not a model this package made."""


class ConfigError(MnistLabError):
    """A model or training setting is out of range."""


class DigitFileError(MnistLabError):
    """An imported set of one's own digits is not a file this app can read; the message says why."""
