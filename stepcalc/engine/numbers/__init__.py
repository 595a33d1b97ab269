"""Running the numbers: forward/backward passes, optimizers, long runs, gradient check."""
