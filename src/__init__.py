"""Human security dashboard: data, claim evaluation and figures (no Streamlit here but src/ui.py)."""
