"""Home: what Vision Explorer is, the map of pages, how to use it in a workshop or alone."""

import streamlit as st

from ui import challenge_board

st.title("Vision Explorer")
st.markdown(
    """
Learn computer vision and convolutional neural networks by **touching them**: every idea here is something
you change and watch. Pick an image in the sidebar (a built-in sample, a test pattern, your own upload or
a camera photo): every page of *Images* and *Classical vision* works on it until you pick another. The
neural-network pages bring their own data sets; the *Inspect a CNN* pages open up the network you trained on
the Train page (or a built-in one) and can use the sidebar's picture as its input.
"""
)

st.subheader("Map of the pages")
st.markdown(
    """
| Section | Page | What you do there |
|---|---|---|
| Images | Images are numbers | Hover over pixels, read a region as a table of numbers, split colour channels, compare handwritten digits by cosine similarity. |
| Images | Color | Look at one image in RGB, BGR, HSV, Lab and gray; select a colour range like a green screen; measure brightness. |
| Images | Kernels | Edit a convolution kernel cell by cell, change padding and stride, click a pixel to see the sum that produced it, pass three challenges. |
| Classical vision | Edges & gradients | Sobel, gradient direction, Canny step by step, Harris corners, Hough lines and circles. |
| Classical vision | Fourier | See an image's frequencies, filter them with masks you pick or draw, swap magnitude and phase, check the convolution theorem. |
| Classical vision | Morphology & segmentation | Threshold, erode, dilate, open and close with an element you draw; contours, k-means colours, connected components. |
| Classical vision | Features & detection | ORB keypoints and matching, HOG, face detection (and its bias), a bag of visual words. |
| Neural networks | Neurons | Train a perceptron step by step, watch it fail on XOR, solve XOR with a hidden layer; activations and losses. |
| Neural networks | CNN anatomy | Output sizes, receptive fields, a layer-by-layer summary, and why convolution follows a moved pattern when a dense layer doesn't. |
| Neural networks | Train a CNN | Train a small CNN live on digits, shapes or your own pictures, stop and continue it, read its confusion matrix and mistakes, download it. |
| Inspect a CNN | Feature maps & filters | See what every layer of your network makes of an image, its first layer's filters forming epoch by epoch, the patches each channel loves, and your own kernel inside the network. |
| Inspect a CNN | Attribution | Which pixels made the network decide: saliency, integrated gradients, Grad-CAM and more, side by side, with sanity checks and a test of which explanation is right. |
| Inspect a CNN | Occlusion | Cover parts of the image and watch the network's confidence drop; paint your own gray patches. |
| Inspect a CNN | Embeddings | The test set as the network sees it, in 2-D (PCA, t-SNE), moving as training goes on; find the most similar images. |
| Inspect a CNN | Draw & predict | Draw, watch the network's probabilities follow every stroke, and see what it thinks each class looks like. |
"""
)

st.subheader("Challenges")
st.markdown(
    "Graded puzzles across the app. Each page grades its own; the marks show what you have passed in this session."
)
challenge_board.board()

st.subheader("Using it")
left, right = st.columns(2)
with left:
    st.markdown(
        """
**In a workshop.** The instructor opens a page, sets it up (image, kernel, padding…) and shares the page's
address: every setting lives in the URL, so the link opens the same view for everyone. Each attendee then
explores on their own; nobody's changes affect anyone else.
"""
    )
with right:
    st.markdown(
        """
**On your own.** Go through the pages in order. Each one has a short explanation, a *Check yourself*
question with a hidden answer, and a *Show the code* box with the Python calls that reproduce the page in a
notebook (`from explorer.images import convolution`, and so on).
"""
    )
st.info("Everything here runs offline on built-in images; nothing you upload leaves this server or is kept.")
