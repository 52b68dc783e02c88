"""Looking inside a trained dense network: activations, exact score decompositions, unit
statistics, and the 2-D map of the test digits."""
