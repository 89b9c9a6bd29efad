"""The set of a column's values, for assertions on big parsed frames.

`set(frame[column])` boxes every cell one at a time (for pandas' arrow-backed text that is most of a check over
a parse of hundreds of thousands of rows); the set of the column's distinct values is the same set.
"""

from __future__ import annotations

import pandas as pd


def distinct(column: pd.Series) -> set:
    """`set(column)`, made from the distinct values (missing values included, as `set(column)` has them)."""
    return set(column.unique().tolist())
