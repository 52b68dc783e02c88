"""MNIST itself: loading it (Keras' layout, LeCun's IDX files, Keras' download), its statistics,
and synthetic drawings and photos made from its digits for tests and benchmarks."""
