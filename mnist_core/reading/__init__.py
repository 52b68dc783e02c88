"""Reading what a user gives: a canvas drawing or a photo turned into MNIST's 28x28 input by the
steps MNIST's own digits went through, and how much it looks like a digit at all."""
