"""The "Neural networks" section: single neurons, convolution arithmetic, architectures (specs, their table
and JSON forms), training recipes, the trainer and its optimizers, augmentation, evaluation and checkpoints."""
