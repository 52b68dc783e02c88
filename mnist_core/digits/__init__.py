"""One's own digits: a personal test set, its files and its scores.

NumPy only (no Streamlit, no Keras): ``collection`` (the set as a value), ``files`` (.npz export and
a validated import), ``scoring`` (any network on the set, through ``mnist_core.serving.evaluation``).
Its contact sheet is ``mnist_core.charts.gallery.contact_sheet``; fine-tuning on it is training's
(``mnist_core.training.tuning`` the values, ``training.worker.finetune`` the Keras work).
"""
