"""One digest of a model's weights for the tests that check a computation left a network unchanged."""

import hashlib


def weights_hash(model) -> str:
    """SHA-256 over every ``state_dict`` entry's name and bytes (equal before and after = weights untouched)."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()
