"""The training worker process and the command-line trainer: the only package that imports Keras
or TensorFlow (building, fitting and saving models)."""
