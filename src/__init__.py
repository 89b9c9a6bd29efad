"""Human security dashboard: data, claim evaluation and figures (no Streamlit here but src/app/ui.py)."""
