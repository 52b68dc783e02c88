"""Training as the server sees it: the queue of jobs in front of the training worker, what a run
records, a session's runs, and the Train form's values. No Keras here: ``training.worker`` is
the separate process that trains."""
