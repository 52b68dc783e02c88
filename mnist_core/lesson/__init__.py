"""The Home lesson's facts about MNIST Lab's own code: source excerpts and the network's layers,
read without importing Keras."""
