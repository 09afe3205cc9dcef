"""The "Inspect a CNN" section: activations, attribution, occlusion and embeddings of a trained network.

Empty for now; named ``interpret`` rather than ``inspect``, which would shadow the standard library."""
