"""Placeholder for the Interviews: your own coding page; its owner replaces this file."""

import streamlit as st

st.title("Interviews: your own coding")
st.info("Coming soon.")
