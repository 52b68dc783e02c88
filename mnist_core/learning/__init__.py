"""The "How it learns" engine: the lesson's network trained from scratch in NumPy, one batch at a time.

NumPy only (no Streamlit, no Keras). One module per concern:
``settings`` (the frozen ``LearningSettings``), ``network`` (initialisation, forward, backward),
``optimisers`` (SGD, momentum, RMSprop exactly as Keras updates), ``batches`` (which images each step
trains on), ``gradcheck`` (central finite differences), ``landscape`` (Li et al.'s filter-normalised
2-D slice of the loss and the path projected onto it), ``race`` (three optimisers from the same start)
and ``lesson`` (one session's run: weights, optimiser state, history).
"""
