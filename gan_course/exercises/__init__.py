"""Checkers for the "Your turn" exercises in the chapter notebooks.

`check("ch01.d_loss", your_function)` calls your function and the package's reference on several
random inputs and compares the results:
- all agree: prints a tick and returns True;
- your function still raises NotImplementedError (the student edition's stub): says so and returns
  False, so "Run all" on a fresh student notebook goes on to the next cells. Under nbgrader's
  `validate` and `autograde` (they set $NBGRADER_EXECUTION) it raises `ExerciseFailed` instead, so an
  unattempted exercise fails its grade cell (see gan_course/exercises/grading.py);
- your function raises anything else (a shape error, say): raises `ExerciseFailed` with the error,
  the line of your code it came from, the test's inputs and the hint;
- a result differs: raises `ExerciseFailed` saying on which input, what was expected, what came
  back, and a hint.

"Differs" is decided in one place, `_compare`, for every exercise: the same structure (tuple/list
lengths), for tensors the same device, dtype and shape, no NaN or inf where the reference is finite,
and values within the exercise's tolerance; a Python int must be an int (5.0 is not 5), a Python float
any finite real number or a one-element float32/float64 tensor. Exercises whose answer is trained
through (losses, penalties, layers) also name `grad_wrt`: the gradients of your result with respect
to those tensors must match the reference's too, so a detached answer, or a gradient penalty taken
without `create_graph=True`, fails even when its value is right.

Each chapter's exercises live in `exercises/chNN.py` and register themselves in `EXERCISES`.
"""
from __future__ import annotations

import math
import numbers
import os
import re
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import torch


class ExerciseFailed(AssertionError):
    """Your function ran but gave a different answer from the reference, or raised an error."""


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
    grad_wrt: Callable[..., list] | None = None
    # grad_wrt(*args) -> [(name, tensor), ...]: the gradient of the result's sum with respect to each of
    # these (inputs made to require grad, or a module's parameters) must match the reference's.

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
        ref_args, fn_args = _clone(args), _clone(args)
        ref_wrt, fn_wrt = _wrt(ex, ref_args), _wrt(ex, fn_args)
        expected = ex.reference(*ref_args)

        def fail(problem: str) -> ExerciseFailed:
            return ExerciseFailed(
                f"{ex.title}: wrong on test {trial + 1} of {ex.trials}.\n  inputs: {_describe(args)}\n"
                f"  {problem}" + (f"\n  hint: {ex.hint}" if ex.hint else ""))

        try:
            got = fn(*fn_args)
        except NotImplementedError:
            if os.environ.get("NBGRADER_EXECUTION"):  # nbgrader's validate/autograde: an unattempted one scores 0
                raise ExerciseFailed(f"{ex.title}: not attempted (the function still raises NotImplementedError)") \
                    from None
            if not quiet:
                print(f"⏳ {ex.title}: not attempted yet. Replace the `raise NotImplementedError` with your code.")
            return False
        except Exception as err:  # noqa: BLE001 -- any error of the learner's code is reported, with the inputs
            raise fail(f"your function raised {_error_text(err)}") from None
        problem = _changed_inputs(args, ref_args, fn_args) or _compare(got, expected, ex.atol, ex.rtol)
        if problem is None and ex.grad_wrt is not None:
            problem = _compare_gradients(got, expected, fn_wrt, ref_wrt, ex)
        if problem:
            raise fail(problem)
    if not quiet:
        print(f"✅ {ex.title}: matches the reference on {ex.trials} random tests.")
    return True


def _wrt(ex: Exercise, args: tuple) -> list:
    """The named tensors whose gradients are compared; inputs among them are made to require grad."""
    if ex.grad_wrt is None:
        return []
    named = list(ex.grad_wrt(*args))
    for _, t in named:
        if t.is_leaf and not t.requires_grad:
            t.requires_grad_(True)
    return named


def _error_text(err: BaseException) -> str:
    """`TypeError: message`, and the line of the learner's code it came from (not torch's internals)."""
    text = f"{type(err).__name__}: {err}".strip()
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if os.path.abspath(f.filename) != os.path.abspath(__file__)
              and not os.path.abspath(f.filename).startswith(_TORCH_DIR)]
    if frames:
        where = frames[-1]
        line = f": {where.line.strip()}" if where.line else ""
        text += f"\n  in {where.name}(), line {where.lineno}{line}"
    return text


_TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__)) + os.sep


def _compare_gradients(got: Any, expected: Any, fn_wrt: list, ref_wrt: list, ex: Exercise) -> str | None:
    """The gradients of sum(result) with respect to `grad_wrt` agree (the answer is trained through)."""
    names = ", ".join(n for n, _ in fn_wrt)
    outs = [t for t in _tensor_leaves(got) if t.is_floating_point()]
    if not any(t.requires_grad for t in outs):
        return (f"your result carries no gradient (it is detached from the graph: .detach(), .item(), "
                f"torch.tensor(...) of a number, torch.no_grad(), or autograd.grad without create_graph=True), "
                f"so training through it would not change {names}")
    try:
        got_grads = torch.autograd.grad(sum(t.sum() for t in outs if t.requires_grad), [t for _, t in fn_wrt],
                                        allow_unused=True)
    except Exception as err:  # noqa: BLE001
        return f"the gradient of your result could not be computed: {_error_text(err)}"
    ref_outs = [t for t in _tensor_leaves(expected) if t.is_floating_point() and t.requires_grad]
    ref_grads = torch.autograd.grad(sum(t.sum() for t in ref_outs), [t for _, t in ref_wrt], allow_unused=True)
    for (name, t), g, r in zip(fn_wrt, got_grads, ref_grads):
        g = torch.zeros_like(t) if g is None else g
        r = torch.zeros_like(t) if r is None else r
        problem = _compare(g, r, ex.atol, ex.rtol)
        if problem:
            return f"the value is right, but its gradient with respect to {name} is not: {problem}"
    return None


def _tensor_leaves(x: Any) -> list:
    if isinstance(x, torch.Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for item in x for t in _tensor_leaves(item)]
    return []


def _compare(got: Any, expected: Any, atol: float, rtol: float) -> str | None:
    """What is wrong with `got` as an answer equal to `expected` (None: nothing). The one comparison
    every checker uses: structure, then device, dtype and shape, then NaN/inf, then the values."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            what = f"{type(got).__name__} of {len(got)}" if isinstance(got, (tuple, list)) else _kind(got)
            return f"expected a {type(expected).__name__} of {len(expected)} values, got {what}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = _compare(g, e, atol, rtol)
            if problem:
                return f"output {i}: {problem}"
        return None
    if isinstance(expected, torch.Tensor):
        return _compare_tensors(got, expected, atol, rtol)
    if isinstance(expected, bool):
        return None if got is expected else f"expected {expected!r}, got {_kind(got)}"
    if isinstance(expected, numbers.Integral):
        if isinstance(got, bool) or not isinstance(got, numbers.Integral):
            advice = " (use // for integer division, or int(...))" if isinstance(got, (float, torch.Tensor)) else ""
            return f"expected the int {expected}, got {_kind(got)}{advice}"
        return None if got == expected else f"expected {expected}, got {got}"
    if isinstance(expected, numbers.Real):
        return _compare_numbers(got, float(expected), atol, rtol)
    try:
        same = type(got) is type(expected) and bool(got == expected)
    except Exception:  # noqa: BLE001 -- an == that raises is not equal
        same = False
    return None if same else f"expected {expected!r}, got {_kind(got)}"


def _compare_tensors(got: Any, expected: torch.Tensor, atol: float, rtol: float) -> str | None:
    if not isinstance(got, torch.Tensor):
        return f"expected a tensor ({expected.dtype}, shape {list(expected.shape)}), got {_kind(got)}"
    wrong = []
    if got.device != expected.device:
        wrong.append(f"device {expected.device}, got {got.device} (make new tensors on the inputs' device: "
                     f"device=x.device, or torch.*_like(x))")
    if got.dtype != expected.dtype:
        wrong.append(f"dtype {expected.dtype}, got {got.dtype}")
    if got.shape != expected.shape:
        wrong.append(f"shape {list(expected.shape)}, got {list(got.shape)}")
    if wrong:
        values = ""
        if got.device.type != "meta":
            values = f"; your values: {_short(got)}"
            if got.is_floating_point() and not torch.isfinite(got).all():
                values += f" ({_nonfinite(got.detach())} in {int((~torch.isfinite(got)).sum())} of them)"
        return "expected " + "; expected ".join(wrong) + values
    g, e = got.detach(), expected.detach()
    if g.is_floating_point() or g.is_complex():
        bad = ~torch.isfinite(g) & torch.isfinite(e)
        if bad.any():
            first = tuple(int(i) for i in bad.nonzero()[0]) if g.dim() else ()
            kinds = _nonfinite(torch.where(bad, g, 0))
            where = f"at index {list(first)}, " if g.dim() else ""
            return (f"got {kinds} in {int(bad.sum())} of {g.numel()} values ({where}expected {_short(e)}, got "
                    f"{_short(g)}): numerically unstable? (a log or division of 0, an overflowing exp)")
        if not torch.allclose(g.double(), e.double(), rtol=rtol, atol=atol, equal_nan=True):
            diff = (g.double() - e.double()).abs().nan_to_num(nan=math.inf).max().item()
            return f"expected {_short(e)}, got {_short(g)} (largest difference {diff:.3g})"
        return None
    if not torch.equal(g, e):
        differ = int((g != e).sum())
        return f"expected {_short(e)}, got {_short(g)} ({differ} of {g.numel()} values differ)"
    return None


def _nonfinite(t: torch.Tensor) -> str:
    """"nan", "inf" or "nan and inf": what non-finite values a tensor holds."""
    return " and ".join(k for k, m in (("nan", torch.isnan(t)), ("inf", torch.isinf(t))) if m.any())


def _compare_numbers(got: Any, expected: float, atol: float, rtol: float) -> str | None:
    """A real number: a Python int or float, or a one-element float32/float64 tensor."""
    if isinstance(got, torch.Tensor):
        if got.numel() != 1 or got.dtype not in (torch.float32, torch.float64):
            return f"expected a number (a Python float, or a one-element float32/float64 tensor), got {_kind(got)}"
        if got.device.type == "meta":
            return f"expected a number, got {_kind(got)} (a tensor without values)"
        got = got.detach().item()
    elif isinstance(got, bool) or not isinstance(got, numbers.Real):
        return f"expected a number, got {_kind(got)}"
    got = float(got)
    if not math.isfinite(got) and math.isfinite(expected):
        return f"expected {expected:.6g}, got {got} (numerically unstable? a log or division of 0)"
    if not abs(got - expected) <= atol + rtol * abs(expected):
        return f"expected {expected:.6g}, got {got:.6g}"
    return None


def _kind(x: Any) -> str:
    """What a wrong answer is, in a few words: `float 5.0`, `a float16 tensor of shape [3]`."""
    if isinstance(x, torch.Tensor):
        on = f" on {x.device}" if x.device.type != "cpu" else ""
        values = f" {_short(x)}" if x.device.type != "meta" else ""
        return f"a {str(x.dtype).removeprefix('torch.')} tensor of shape {list(x.shape)}{on}{values}"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)}"
    text = repr(x)
    return f"{type(x).__name__} {text[:60] + '...' if len(text) > 60 else text}"


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


def _changed_inputs(args: tuple, ref_args: tuple, fn_args: tuple) -> str | None:
    """A learner's function that overwrites an input the reference leaves alone (ws[:, :k] = ... on the caller's
    ws) returns the right numbers here but corrupts the notebook's tensors: name the input."""
    for i, (a, r, f) in enumerate(zip(args, ref_args, fn_args)):
        if isinstance(a, torch.Tensor) and torch.equal(r, a) and not torch.equal(f.detach(), a):
            return (f"your function changed its input number {i + 1} ({_short(a)}) in place; work on a copy "
                    f"(x = x.clone()) or build a new tensor, so the caller's tensor stays as it was")
    return None


def _clone(args: tuple) -> tuple:
    """Fresh copies for each call: a function that edits its inputs in place cannot fool the check."""
    return tuple(a.detach().clone() if isinstance(a, torch.Tensor) else a for a in args)


def _load_chapters() -> None:
    """Import every `chNN.py` beside this file; each registers its exercises on import."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        if re.fullmatch(r"ch\d\d", module.name):
            importlib.import_module(f"{__name__}.{module.name}")
