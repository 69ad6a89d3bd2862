"""Measures and confidentiality: pure Python, no Streamlit."""
