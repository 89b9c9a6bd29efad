"""Reading the declared YAML files: one safe loader for all of them.

libyaml's C loader (`CSafeLoader`) reads the catalogues about five times faster than the pure-Python one, and every
page run of a fresh study and many tests load them; it accepts the same safe subset. Falls back to `SafeLoader`
where PyYAML was built without libyaml.
"""

from __future__ import annotations

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str):
    """The YAML document in `text`, read with the safe loader (no Python objects, no tags)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
