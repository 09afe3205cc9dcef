"""Labelled image sets for training: the digits, synthetic shapes, the user's own pictures, torchvision sets.
All return one :class:`explorer.data.datasets.Dataset` format."""
