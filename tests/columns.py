"""The set of a column's values and their counts, for assertions on big parsed frames and the store.

`set(frame[column])` boxes every cell one at a time (for pandas' arrow-backed text that is most of a check over
a parse of hundreds of thousands of rows); the set of the column's distinct values is the same set.
"""

from __future__ import annotations

import pandas as pd


def distinct(column: pd.Series) -> set:
    """`set(column)`, made from the distinct values (missing values included, as `set(column)` has them)."""
    return set(column.unique().tolist())


def counts_of(column: pd.Series) -> pd.Series:
    """How many rows hold each value present in a store column (most first), labelled by the value as str: what
    `column.astype(str).value_counts()` gives, counted on the categorical's codes instead of turning some 680,000
    cells into strings first (0.15 s each time)."""
    counts = column.value_counts()
    counts = counts[counts > 0]  # a categorical also counts its unused categories
    return counts.set_axis(counts.index.astype(str))
