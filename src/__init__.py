"""Human security dashboard: data, claim evaluation and figures (Streamlit only in src/app/ and pages/)."""
