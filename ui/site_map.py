"""The app's pages, once: the router builds its navigation from this table, and the tests and benchmarks
derive their page lists from it (which pages exist, which must paint without torch).

Page scripts live in ``app_pages/``, not ``pages/``: Streamlit treats a folder named "pages" next to the entry
script as a legacy multipage app, so the first request after a server start (and every AppTest run) would run
a page directly, without the router, its sections or the shared image picker.
"""

from __future__ import annotations

from typing import NamedTuple


class PageEntry(NamedTuple):
    section: str  # "" for Home, which has no section header
    path: str  # the script, relative to the project root
    title: str
    url_path: str  # "" for the default page, served at "/"
    image_picker: bool = False  # the sidebar shows the image picker (the page works on the current image)


SITE_MAP: tuple[PageEntry, ...] = (
    PageEntry("", "app_pages/home.py", "Home", "", image_picker=True),
    PageEntry(
        "Images", "app_pages/images_are_numbers.py", "Images are numbers", "images-are-numbers", image_picker=True
    ),
    PageEntry("Images", "app_pages/color.py", "Color", "color", image_picker=True),
    PageEntry("Images", "app_pages/kernels.py", "Kernels", "kernels", image_picker=True),
    PageEntry("Classical vision", "app_pages/edges.py", "Edges & gradients", "edges", image_picker=True),
    PageEntry("Classical vision", "app_pages/fourier.py", "Fourier", "fourier", image_picker=True),
    PageEntry(
        "Classical vision", "app_pages/morphology.py", "Morphology & segmentation", "morphology", image_picker=True
    ),
    PageEntry("Classical vision", "app_pages/features.py", "Features & detection", "features", image_picker=True),
    PageEntry("Neural networks", "app_pages/neurons.py", "Neurons", "neurons"),
    PageEntry("Neural networks", "app_pages/cnn_anatomy.py", "CNN anatomy", "cnn-anatomy"),
    PageEntry("Neural networks", "app_pages/train.py", "Train a CNN", "train"),
    PageEntry(
        "Inspect a CNN", "app_pages/feature_maps.py", "Feature maps & filters", "feature-maps", image_picker=True
    ),
    PageEntry("Inspect a CNN", "app_pages/attribution.py", "Attribution", "attribution", image_picker=True),
    PageEntry("Inspect a CNN", "app_pages/occlusion.py", "Occlusion", "occlusion", image_picker=True),
    PageEntry("Inspect a CNN", "app_pages/embeddings.py", "Embeddings", "embeddings", image_picker=True),
    PageEntry("Inspect a CNN", "app_pages/draw_predict.py", "Draw & predict", "draw"),
    PageEntry("Deep features", "app_pages/pretrained.py", "A pretrained network", "pretrained", image_picker=True),
    PageEntry("Deep features", "app_pages/dreams_style.py", "Dreams and style", "dreams", image_picker=True),
)

# Pages that must paint fast, so must never import torch (a test and the startup benchmark check it).
TORCH_FREE_SECTIONS = ("Images", "Classical vision")
CLASSICAL_PAGES: tuple[str, ...] = tuple(entry.path for entry in SITE_MAP if entry.section in TORCH_FREE_SECTIONS)
PICKER_URL_PATHS: frozenset[str] = frozenset(entry.url_path for entry in SITE_MAP if entry.image_picker)
