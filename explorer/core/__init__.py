"""What every section builds on, importing nothing but numpy (and OpenCV where it resizes):

- ``checks``: argument checks whose messages name the parameter;
- ``dtype``: the one ``uint8`` <-> ``float32`` rule (a ``uint8`` image is byte levels, divided by 255);
- ``resize``: enlarging by whole pixels and shrinking to fit a longest side;
- ``sizes``: the conv/pool output-size formula;
- ``picture``: handing OpenCV's detectors a gray ``uint8`` and drawing on a copy;
- ``display``: float results as pictures, with the choice made for negative values stated;
- ``grading``: what a graded challenge is and what grading it says.

Never imports torch, Streamlit or ``ui``.
"""
