"""Lint rules: one module per rule, named by its code, grouped in subpackages.

See `imagesmith.rules.base` for the rule contract and `imagesmith.rules.registry`
for how rules are found. Rules are pure functions of a parsed input and a profile.
"""
