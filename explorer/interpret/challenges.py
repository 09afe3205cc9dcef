"""The Inspect section's graded challenges, as data (no torch: Home lists them). Each page grades its own:
"Feature maps & filters" finds conv1's vertical-edge detector, "Occlusion" hides a digit from the network,
"Embeddings" finds an image that pixels misjudge and features don't."""

from __future__ import annotations

from explorer.core.grading import Challenge

# The "hide the digit" challenge: painted pixels are counted at the network's input resolution.
MAX_HIDDEN_PIXELS = 12

VERTICAL_EDGE = Challenge(
    key="vertical_edge",
    title="Find the vertical-edge detector",
    prompt="Among the first layer's learned filters, find one that answers strongly to vertical edges (a change "
    "from dark to light, or light to dark, from left to right) and only weakly to horizontal ones.",
)
HIDE_THE_DIGIT = Challenge(
    key="hide",
    title="Hide the digit",
    prompt=f"Make the network change its answer about a test digit by painting at most {MAX_HIDDEN_PIXELS} gray "
    "pixels onto it.",
)
# The Embeddings page's challenge. On the default digits model 10 of the 359 test images qualify (the
# pixels' nearest neighbour is of another class, the features' of the same class): a search, not a given.
PIXELS_MISLEAD = Challenge(
    key="pixels_mislead",
    title="Where pixels mislead",
    prompt="Find a test image whose most similar test image by pixels belongs to another class, while its most "
    "similar one by the network's features belongs to its own class.",
)
CHALLENGES: tuple[Challenge, ...] = (VERTICAL_EDGE, HIDE_THE_DIGIT, PIXELS_MISLEAD)
