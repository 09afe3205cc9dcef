"""The Inspect section's graded challenges, as data (no torch: Home lists them). Each page grades its own:
"Feature maps & filters" finds conv1's vertical-edge detector, "Occlusion" hides a digit from the network."""

from __future__ import annotations

from explorer.core.grading import Challenge

# The "hide the digit" challenge: painted pixels are counted at the network's input resolution.
MAX_HIDDEN_PIXELS = 12

VERTICAL_EDGE = Challenge(
    key="vertical_edge",
    title="Find the vertical-edge detector",
    prompt="Among the first layer's learned filters, find the one that answers most strongly to vertical edges "
    "(a change from dark to light, or light to dark, from left to right) and least to horizontal ones.",
)
HIDE_THE_DIGIT = Challenge(
    key="hide",
    title="Hide the digit",
    prompt=f"Make the network change its answer about a test digit by painting at most {MAX_HIDDEN_PIXELS} gray "
    "pixels onto it.",
)
CHALLENGES: tuple[Challenge, ...] = (VERTICAL_EDGE, HIDE_THE_DIGIT)
