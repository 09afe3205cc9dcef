"""The "Images" section: decoding uploads, built-in samples, reading pixel values, colour, the 8×8 digits,
convolution and kernels with their puzzles. Never imports torch (these pages must paint fast)."""
