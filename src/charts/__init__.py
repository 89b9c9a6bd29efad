"""Plotly figure builders: pure functions from tidy rows to figures (no Streamlit, no I/O).

`common` holds what every chart shares (gaps, hover with each value's year, source line, computed labels);
`evidence` the data pages' charts (time series, latest-value bar, scatter, guns vs butter, HDI);
`claims` the study pages' charts.
"""
