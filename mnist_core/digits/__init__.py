"""One's own digits: a personal test set, its files, its scores and what fine-tuning on it needs.

NumPy only (no Streamlit, no Keras): ``collection`` (the set as a value), ``files`` (.npz export and
a validated import, the PNG contact sheet), ``scoring`` (any network on the set, through
``mnist_core.serving.evaluation``), ``tuning`` (the held-out split and a fine-tune's settings and
report; the training itself is ``mnist_core.training.worker.finetune``).
"""
