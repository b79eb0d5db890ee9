"""Checkers for the "Your turn" exercises in the chapter notebooks.

`check("ch01.d_loss", your_function)` calls your function and the package's reference on several
random inputs and compares the results:
- all agree: prints a tick and returns True;
- your function still raises NotImplementedError (the student edition's stub): says so and returns
  False, so "Run all" on a fresh student notebook goes on to the next cells;
- a result differs: raises `ExerciseFailed` saying on which input, what was expected, what came
  back, and a hint.

Each chapter's exercises live in `exercises/chNN.py` and register themselves in `EXERCISES`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import torch


class ExerciseFailed(AssertionError):
    """Your function ran but gave a different answer from the reference."""


@dataclass(frozen=True)
class Exercise:
    name: str                                          # "ch01.d_loss"
    title: str                                         # what the learner is asked to write
    reference: Callable[..., Any]                      # the package's implementation
    make_inputs: Callable[[torch.Generator], tuple]    # random arguments for one trial
    hint: str = ""
    trials: int = 6
    atol: float = 1e-5
    rtol: float = 1e-4
    reveals: tuple = ()        # package code that gives the answer away (default: the reference itself);
                               # the student edition must not print it before the exercise

    @property
    def answer_sources(self) -> tuple:
        """The functions whose printed source would reveal this exercise's answer."""
        return self.reveals or (self.reference,)


EXERCISES: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    EXERCISES[exercise.name] = exercise
    return exercise


def check(name: str, fn: Callable[..., Any], *, seed: int = 0, quiet: bool = False) -> bool:
    """Compare `fn` with the reference solution of exercise `name` on random inputs."""
    _load_chapters()
    if name not in EXERCISES:
        raise ValueError(f"unknown exercise {name!r}; valid: {', '.join(sorted(EXERCISES))}")
    ex = EXERCISES[name]
    gen = torch.Generator().manual_seed(seed)
    for trial in range(ex.trials):
        args = ex.make_inputs(gen)
        expected = ex.reference(*_clone(args))
        try:
            got = fn(*_clone(args))
        except NotImplementedError:
            if not quiet:
                print(f"⏳ {ex.title}: not attempted yet. Replace the `raise NotImplementedError` with your code.")
            return False
        problem = _compare(got, expected, ex)
        if problem:
            raise ExerciseFailed(
                f"{ex.title}: wrong on test {trial + 1} of {ex.trials}.\n  inputs: {_describe(args)}\n"
                f"  {problem}" + (f"\n  hint: {ex.hint}" if ex.hint else ""))
    if not quiet:
        print(f"✅ {ex.title}: matches the reference on {ex.trials} random tests.")
    return True


def _compare(got: Any, expected: Any, ex: Exercise) -> str | None:
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected a tuple of {len(expected)} values, got {type(got).__name__}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = _compare(g, e, ex)
            if problem:
                return f"output {i}: {problem}"
        return None
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"expected a tensor, got {type(got).__name__}"
        if got.shape != expected.shape:
            return f"expected shape {list(expected.shape)}, got {list(got.shape)}"
        if not torch.isfinite(got).all() and torch.isfinite(expected).all():
            return f"expected finite values {_short(expected)}, got {_short(got)} (numerically unstable?)"
        if not torch.allclose(got.double(), expected.double(), rtol=ex.rtol, atol=ex.atol):
            diff = (got.double() - expected.double()).abs().max().item()
            return f"expected {_short(expected)}, got {_short(got)} (largest difference {diff:.3g})"
        return None
    if isinstance(expected, float):
        if not isinstance(got, (int, float)) and not (isinstance(got, torch.Tensor) and got.numel() == 1):
            return f"expected a number, got {type(got).__name__}"
        got = float(got)
        if abs(got - expected) > ex.atol + ex.rtol * abs(expected):
            return f"expected {expected:.6g}, got {got:.6g}"
        return None
    return None if got == expected else f"expected {expected!r}, got {got!r}"


def _short(t: torch.Tensor) -> str:
    flat = t.detach().flatten()
    text = ", ".join(f"{v:.4g}" for v in flat[:4].tolist())
    return f"[{text}{', ...' if flat.numel() > 4 else ''}]" if t.dim() else f"{t.item():.6g}"


def _describe(args: tuple) -> str:
    parts = []
    for a in args:
        if isinstance(a, torch.Tensor):
            parts.append(f"tensor{list(a.shape)} {_short(a)}")
        elif callable(a):
            parts.append(getattr(a, "__name__", type(a).__name__))
        else:
            parts.append(repr(a))
    return "; ".join(parts)


def _clone(args: tuple) -> tuple:
    """Fresh copies for each call: a function that edits its inputs in place cannot fool the check."""
    return tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)


def _load_chapters() -> None:
    """Import every `chNN.py` beside this file; each registers its exercises on import."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        if re.fullmatch(r"ch\d\d", module.name):
            importlib.import_module(f"{__name__}.{module.name}")
