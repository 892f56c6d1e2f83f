"""`ConfigError` and the range checks of the config dataclasses' ``__post_init__``: the message names the key,
the value and the allowed range, e.g. ``train.lr must be > 0, got -1.0``.

A rule is ``"> 0"``, ``">= 1"`` or an interval such as ``"(0, 1]"``. None (an optional setting left unset)
passes; NaN and infinities never do.
"""
from __future__ import annotations

import math


class ConfigError(ValueError):
    """A config value that cannot work; the message names the key (training.config.load_config raises it)."""


def check_ranges(section: str, obj, rules: dict[str, str]) -> None:
    """Raise ConfigError for the first field of ``obj`` outside its rule."""
    for key, rule in rules.items():
        value = getattr(obj, key)
        if value is not None and not (math.isfinite(value) and _holds(value, rule)):
            finite = "" if math.isfinite(value) else " and finite"
            raise ConfigError(f"{section}.{key} must be {_words(rule)}{finite}, got {value!r}")


def _holds(value: float, rule: str) -> bool:
    if rule.startswith(">="):
        return value >= float(rule[2:])
    if rule.startswith(">"):
        return value > float(rule[1:])
    low, high = (float(x) for x in rule[1:-1].split(","))
    return (low < value if rule[0] == "(" else low <= value) and (value < high if rule[-1] == ")" else value <= high)


def _words(rule: str) -> str:
    return rule if rule[0] in "<>" else f"in {rule}"
