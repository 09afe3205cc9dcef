"""What every section builds on: argument checks, the one uint8 <-> float32 rule, display conversion, grading
types. Never imports torch, Streamlit or ``ui``."""
