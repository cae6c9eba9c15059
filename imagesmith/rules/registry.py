"""Rule discovery: every module `imagesmith/rules/<group>/IS###.py` that defines `RULE`.

Adding a rule is adding one module; nothing here lists rules by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

from imagesmith.core.errors import UsageError
from imagesmith.rules.base import Rule

_RULE_MODULE = re.compile(r"^[A-Z]{2}\d{3}$")


@lru_cache(maxsize=1)
def _discover() -> dict[str, Rule]:
    import imagesmith.rules as root

    found: dict[str, Rule] = {}
    for group in pkgutil.iter_modules(root.__path__):
        if not group.ispkg:
            continue
        package = importlib.import_module(f"{root.__name__}.{group.name}")
        for mod in pkgutil.iter_modules(package.__path__):
            if not _RULE_MODULE.match(mod.name):
                continue
            module = importlib.import_module(f"{package.__name__}.{mod.name}")
            rule = getattr(module, "RULE", None)
            if not isinstance(rule, Rule):
                continue
            if rule.code != mod.name:
                raise RuntimeError(
                    f"{module.__name__} defines RULE {rule.code}; name it {rule.code}.py"
                )
            found[rule.code] = rule
    return dict(sorted(found.items()))


def all_rules() -> list[Rule]:
    """Every rule, sorted by code."""
    return list(_discover().values())


def get_rule(code: str) -> Rule:
    """The rule with this code (case-insensitive); a UsageError naming close codes otherwise."""
    rules = _discover()
    rule = rules.get(code.upper())
    if rule is None:
        import difflib

        close = difflib.get_close_matches(code.upper(), list(rules), n=3)
        hint = (
            f"did you mean {', '.join(close)}?" if close else "run `imagesmith rules` for the list"
        )
        raise UsageError(f"unknown rule code {code!r}", hint=hint)
    return rule


def rules_matching(selector: str) -> list[Rule]:
    """Rules whose code starts with `selector` (a code, or a prefix such as IS1 or IS10)."""
    prefix = selector.upper()
    return [r for r in all_rules() if r.code.startswith(prefix)]
