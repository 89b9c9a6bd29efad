"""Is a chart the figure plotly's checks would have made of its dict? (src.charts.common.as_figure skips them.)

`unchecked_differences(figure)` rebuilds the figure through `go.Figure(...)`, which checks and coerces every
property, and lists where the two differ: a value, a type (a numpy number where plotly keeps a Python one, a tuple
where it keeps a list), a missing key. Key order is not compared: plotly's JSON and plotly.js do not depend on it.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go


def unchecked_differences(figure: go.Figure) -> list[str]:
    """Where `figure` differs from `go.Figure(figure.to_plotly_json())` (empty: none)."""
    found: list[str] = []
    _compare(figure.to_plotly_json(), go.Figure(figure.to_plotly_json()).to_plotly_json(), "figure", found)
    return found


def _compare(mine, checked, path: str, found: list[str]) -> None:
    if type(mine) is not type(checked):
        found.append(f"{path}: {type(mine).__name__} {mine!r:.60} where plotly keeps {type(checked).__name__}")
    elif isinstance(mine, dict):
        if set(mine) != set(checked):
            found.append(f"{path}: keys {sorted(set(mine) ^ set(checked))} in one only")
        for key in set(mine) & set(checked):
            _compare(mine[key], checked[key], f"{path}.{key}", found)
    elif isinstance(mine, (list, tuple)):
        if len(mine) != len(checked):
            found.append(f"{path}: {len(mine)} items where plotly keeps {len(checked)}")
        for position, (a, b) in enumerate(zip(mine, checked)):
            _compare(a, b, f"{path}[{position}]", found)
    elif isinstance(mine, np.ndarray):
        if mine.dtype != checked.dtype or not np.array_equal(mine, checked, equal_nan=mine.dtype.kind == "f"):
            found.append(f"{path}: array differs")
    elif isinstance(mine, float) and math.isnan(mine):
        if not math.isnan(checked):
            found.append(f"{path}: NaN where plotly keeps {checked!r}")
    elif mine != checked:
        found.append(f"{path}: {mine!r:.60} where plotly keeps {checked!r:.60}")
