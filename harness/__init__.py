"""What the browser tests (tests/browser/) and the benchmarks (benchmarks/) both drive.

- ``browser``: ``streamlit run app.py`` on 127.0.0.1, Debian's Chromium at an ordinary user's
  CPU priority, and page helpers (wait for a script run, open a page, read a metric or a table);
- ``strokes``: drawing digits on the app's canvas and timing the prediction in the page;
- ``processes``: CPU, thread priority, run-queue wait and memory of processes, from /proc;
- ``environment``: what they run with unless told otherwise (MNIST from ``MNIST_PATH`` or the
  shared copy beside the checkout, quiet TensorFlow).

Tests and benchmarks never import each other (tests/test_boundaries.py): code both need lives here.
"""
