"""Reading the declared YAML files: one safe loader for all of them.

libyaml's C loader (`CSafeLoader`) reads the catalogues about five times faster than the pure-Python one, and every
page run of a fresh study and many tests load them; it accepts the same safe subset. Falls back to `SafeLoader`
where PyYAML was built without libyaml.

Even with the C parser, PyYAML builds the Python values in pure Python, one generator per mapping and a dozen calls
per scalar: that was half of a load. `parse_yaml` builds plain documents (mappings, sequences and the standard
scalars, which is every declared file) from libyaml's node tree in one tight walk, scalars through PyYAML's own
constructors; anything else (merge keys, aliases of collections, other tags, an error) is loaded again by PyYAML's
usual path, so every result and every error is the one `yaml.load(text, Loader=CSafeLoader)` gives.
"""

from __future__ import annotations

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml's C emitter writes the very text yaml.safe_dump writes, several times faster (claims.yaml: 67 vs 12 ms).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
# Scalar tags whose SafeConstructor functions return a new value from the node alone (no generators, no state).
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp", "binary")
)


class _Unusual(Exception):
    """The document holds something the quick walk leaves to PyYAML's own constructor."""


def parse_yaml(text: str):
    """The YAML document in `text`, read with the safe loader (no Python objects, no tags)."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()  # parse errors are raised here, exactly as yaml.load raises them
        if node is None:
            return None
        try:
            return _plain_value(node, loader)
        except Exception:  # noqa: BLE001 - anything unusual or wrong: PyYAML's own path gives its result or error
            pass
    finally:
        loader.dispose()
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader


def _plain_value(root, loader):
    """The Python value of `root`, as SafeConstructor builds it, for trees of maps, sequences and standard scalars.

    Raises _Unusual for a node of any other kind, a merge key or a collection met twice (an alias).
    """
    constructors = loader.yaml_constructors
    seen: set[int] = set()

    def value(node):
        if node.__class__ is ScalarNode:
            if node.tag == _STR_TAG:
                return node.value
            if node.tag in _SCALAR_TAGS:
                return constructors[node.tag](loader, node)
            raise _Unusual(node.tag)
        if id(node) in seen:  # an alias: PyYAML hands back the very same object, and may be recursive
            raise _Unusual("alias")
        seen.add(id(node))
        if node.__class__ is MappingNode and node.tag == _MAP_TAG:
            mapping = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not ScalarNode or key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Unusual("key")
                mapping[value(key_node)] = value(value_node)
            return mapping
        if node.__class__ is SequenceNode and node.tag == _SEQ_TAG:
            return [value(item) for item in node.value]
        raise _Unusual(node.tag)

    return value(root)


def dump_yaml(document, **options) -> str:
    """`yaml.safe_dump(document, **options)`, through the C emitter where PyYAML has it (tests that edit a declared
    file write it back with this)."""
    return yaml.dump(document, Dumper=_DUMPER, **options)
