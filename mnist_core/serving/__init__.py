"""What the server predicts with, NumPy only: the dense network read from a ``.keras`` file,
evaluation on the test set, browsing the predictions, and the server process's tuning."""
