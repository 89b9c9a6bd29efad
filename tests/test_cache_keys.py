"""The cached builds' keys (src.app.data.text_key): the text a key becomes is equal exactly when the key's contents
are, so a build is shared only between reruns that ask for the same thing. Small made-up keys."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from src.app.data import text_key


@dataclass(frozen=True)
class Choice:
    focus: str
    window: tuple[int, int]
    benchmarks: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class OtherChoice:
    focus: str
    window: tuple[int, int]
    benchmarks: tuple[tuple[str, float], ...] = ()


BASE = ("C1.1", Choice("PAK", (2015, 2025), (("mil_gdp", 2.0),)))


def test_equal_contents_give_one_text():
    again = ("C1.1", Choice("PAK", (2015, 2025), (("mil_gdp", 2.0),)))
    assert again is not BASE and text_key(again) == text_key(BASE)
    assert isinstance(text_key(BASE), str)


def test_each_difference_gives_another_text():
    claim, choice = BASE
    variants = [
        ("C1.2", choice),
        (claim, replace(choice, focus="IND")),
        (claim, replace(choice, window=(2016, 2025))),
        (claim, replace(choice, benchmarks=(("mil_gdp", 2.5),))),
        (claim, replace(choice, benchmarks=(("mil_gdp", 2),))),  # an int is not the float it equals
        (claim, replace(choice, benchmarks=())),
        (claim, OtherChoice(choice.focus, choice.window, choice.benchmarks)),  # another class, the same fields
        (claim, (choice.focus, choice.window, choice.benchmarks)),  # a plain tuple of the same values
        (claim, choice, None),
        ("C1.1,", choice),
        (True,), (1,), (1.0,), ("1",), (None,), ((),), (),
    ]
    texts = [text_key(k) for k in [BASE, *variants]]
    assert len(set(texts)) == len(texts)


def test_a_key_holding_anything_else_is_handed_on_as_it_is():
    frame = pd.DataFrame({"a": [1]})
    for key in [("x", frame), ("x", [1, 2]), ("x", {"a": 1}), ("x", Choice("PAK", (2015, 2025), [("a", 1.0)]))]:
        assert text_key(key) is key
