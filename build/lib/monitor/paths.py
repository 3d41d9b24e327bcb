"""Names that become one path component (service ids, terms types): one check for all who use them.

The configuration, the declarations and the evidence archive all turn these names into folders, so a
name that could climb out of its folder or hide itself is refused everywhere by the same rule.
"""

from __future__ import annotations

import unicodedata

MAX_COMPONENT_LENGTH = 150


def safe_component(name: str) -> bool:
    """True when `name` can be used as one path component (service ids, terms types)."""
    if not name or name in (".", "..") or name.startswith("."):
        return False
    if len(name) > MAX_COMPONENT_LENGTH:
        return False
    if any(ch in "/\\\x00" for ch in name):
        return False
    return not any(unicodedata.category(ch) == "Cc" for ch in name)
