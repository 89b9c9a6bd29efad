"""The README documents what the code declares (datasette-style doc tests): a rule, source or page the README
does not mention is one a researcher cannot find."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from src.claims.rules import RULES
from tests.shipped import shipped_sources

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("rule_key", [rule.key for rule in RULES])
def test_every_rule_key_is_documented(rule_key):
    assert f"`{rule_key}`" in README


@pytest.mark.parametrize("source_id", sorted(shipped_sources()))
def test_every_source_id_is_documented(source_id):
    assert re.search(rf"\b{re.escape(source_id)}\b", README)


@pytest.mark.parametrize("page", sorted(p.stem for p in (ROOT / "pages").glob("*.py")))
def test_every_page_is_documented(page):
    assert page.replace("_", " ") in README.lower() or page in README


def test_readme_starts_with_the_two_set_up_commands_and_ci_runs_the_same_test_command():
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["bash scripts/start.sh", "bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
