"""Benchmarks: `python -m bench` prints speed, load and fault figures for this machine."""
