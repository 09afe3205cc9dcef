"""The "Classical vision" section: edges, Hough, Fourier, morphology and segmentation, keypoints, HOG, bags of
visual words and face detection. Never imports torch (these pages must paint fast)."""
