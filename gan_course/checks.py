"""Argument checks shared by configs and functions: bad input gets an error that says what is valid.

Each check raises a `ValueError` naming the argument, the value it got and what it accepts, so a
typo in a config fails where it was made, not three calls later inside PyTorch.
"""
from __future__ import annotations

import math
from numbers import Real


def integer(name: str, value, *, minimum: int = 1, maximum: int | None = None, why: str = "") -> int:
    """An int (not a bool, not 2.5) in [minimum, maximum]; `why` is appended to the message."""
    why = f" ({why})" if why else ""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}{why}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an int <= {maximum}{why}, got {value!r}")
    return value


def power_of_two(name: str, value, *, minimum: int, why: str) -> int:
    """An int power of two >= minimum (a resolution that is doubled up to); `why` says why it must be."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or value & (value - 1):
        raise ValueError(f"{name} must be a power of two >= {minimum} ({minimum}, {2 * minimum}, {4 * minimum}, ...): "
                         f"{why}, got {value!r}")
    return value


def number(name: str, value, *, minimum: float | None = None, maximum: float | None = None,
           below: float | None = None) -> float:
    """A finite real number (not a bool) with minimum <= value (<= maximum) (< below)."""
    low = "" if minimum is None else f"[{minimum}"
    high = f"{maximum}]" if maximum is not None else f"{below})" if below is not None else ""
    valid = (f"in {low}, {high}" if low and high else f">= {minimum}" if low
             else f"<= {maximum}" if maximum is not None else f"< {below}" if below is not None else "a finite number")
    ok = not isinstance(value, bool) and isinstance(value, Real) and math.isfinite(value)
    ok = ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    ok = ok and (below is None or value < below)
    if not ok:
        raise ValueError(f"{name} must be {valid}, got {value!r}")
    return float(value)


def choice(name: str, value, valid) -> str:
    """One of `valid`."""
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(map(str, valid))}")
    return value
