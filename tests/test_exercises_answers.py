"""Every registered checker rejects the broken answers learners actually give (issue 22, must-show 6;
ERRATA 46): NaN or inf, the wrong dtype, shape or device, a detached result, and a function that raises.

The tests are parametrized over `exercises.EXERCISES`, so a new checker is covered the day it is
registered. Each broken answer is the reference's own answer with ONE thing changed (one value NaN,
one output's dtype, ...): whatever the checker says, it can only be about that one thing, and the
message must name it.
"""
import math

import pytest
import torch

from gan_course import exercises
from gan_course.exercises import ExerciseFailed, check

exercises._load_chapters()
NAMES = sorted(exercises.EXERCISES)


def _reference_answer(name):
    ex = exercises.EXERCISES[name]
    return ex.reference(*ex.make_inputs(torch.Generator().manual_seed(0)))


def _leaves(x, path=()):
    """(path, leaf) for every tensor or number in a (nested) tuple/list answer."""
    if isinstance(x, (tuple, list)):
        return [leaf for i, item in enumerate(x) for leaf in _leaves(item, path + (i,))]
    return [(path, x)]


def _replace(x, path, new):
    if not path:
        return new
    items = list(x)
    items[path[0]] = _replace(items[path[0]], path[1:], new)
    return type(x)(items)


def _is_float_leaf(leaf):
    return (isinstance(leaf, torch.Tensor) and leaf.is_floating_point()) or \
        (isinstance(leaf, float) and not isinstance(leaf, bool))


def answer_with(name, change_leaf, which="last"):
    """A learner's function: the reference's answer with `change_leaf` applied to one leaf (the last
    floating one, or the last one when there is none) or to every leaf (`which="all"`)."""
    reference = exercises.EXERCISES[name].reference

    def fn(*args):
        out = reference(*args)
        leaves = _leaves(out)
        if which == "all":
            for path, leaf in leaves:
                out = _replace(out, path, change_leaf(leaf))
            return out
        floats = [pl for pl in leaves if _is_float_leaf(pl[1])]
        path, leaf = (floats or leaves)[-1]
        return _replace(out, path, change_leaf(leaf))
    return fn


def poisoned(value):
    """The leaf with `value` (nan or inf) in its last entry: an int becomes that float."""
    def change(leaf):
        if isinstance(leaf, torch.Tensor):
            leaf = leaf.detach().clone() if leaf.is_floating_point() else leaf.float()
            leaf.view(-1)[-1] = value
            return leaf
        return value
    return change


def other_dtype(leaf, *, float_to=torch.float16):
    """The same values in another dtype: float -> float16 (or float64), int -> float, a Python float ->
    a float16 tensor, a Python int -> a float."""
    if isinstance(leaf, torch.Tensor):
        if leaf.is_floating_point():
            return leaf.detach().to(float_to if leaf.dtype != float_to else torch.float32)
        return leaf.float()
    if isinstance(leaf, int) and not isinstance(leaf, bool):
        return float(leaf)
    return torch.tensor(leaf, dtype=torch.float16)


TENSOR_ANSWERS = [n for n in NAMES if any(isinstance(leaf, torch.Tensor) for _, leaf in _leaves(_reference_answer(n)))]
GRAD_CHECKED = [n for n in NAMES if exercises.EXERCISES[n].grad_wrt is not None]


def test_the_lists_are_not_empty():
    assert len(NAMES) >= 30 and len(TENSOR_ANSWERS) >= 20 and len(GRAD_CHECKED) >= 9


@pytest.mark.parametrize("name", NAMES)
def test_the_unchanged_reference_answer_passes(name):
    """The harness below changes only what each test says: unchanged, the answer passes."""
    assert check(name, answer_with(name, lambda leaf: leaf), quiet=True) is True


@pytest.mark.parametrize("which", ["all", "last"])
@pytest.mark.parametrize("name", NAMES)
def test_a_nan_answer_fails_and_says_nan(name, which):
    with pytest.raises(ExerciseFailed, match="nan"):
        check(name, answer_with(name, poisoned(math.nan), which), quiet=True)


@pytest.mark.parametrize("name", NAMES)
def test_an_inf_answer_fails_and_says_inf(name):
    with pytest.raises(ExerciseFailed, match="inf"):
        check(name, answer_with(name, poisoned(math.inf)), quiet=True)


@pytest.mark.parametrize("float_to", [torch.float16, torch.float64], ids=["float16", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_a_wrong_dtype_answer_fails_and_names_the_dtype(name, float_to):
    """float64 keeps every value exactly, so only a dtype check can catch it."""
    with pytest.raises(ExerciseFailed, match=r"dtype torch\.\w+, got torch\.\w+|expected the int|expected a number"):
        check(name, answer_with(name, lambda leaf: other_dtype(leaf, float_to=float_to)), quiet=True)


def _last_tensor(name, change):
    def change_leaf(leaf):
        return change(leaf) if isinstance(leaf, torch.Tensor) else leaf
    reference = exercises.EXERCISES[name].reference

    def fn(*args):
        out = reference(*args)
        path, leaf = [pl for pl in _leaves(out) if isinstance(pl[1], torch.Tensor)][-1]
        return _replace(out, path, change_leaf(leaf))
    return fn


@pytest.mark.parametrize("name", TENSOR_ANSWERS)
def test_a_wrong_shape_answer_fails_and_names_the_shape(name):
    with pytest.raises(ExerciseFailed, match=r"expected shape \[[\d, ]*\], got \[1"):
        check(name, _last_tensor(name, lambda t: t.unsqueeze(0)), quiet=True)


@pytest.mark.parametrize("name", TENSOR_ANSWERS)
def test_a_wrong_device_answer_fails_and_names_the_device(name):
    """`meta` stands for a GPU here: a tensor on another device than the inputs (and the reference)."""
    with pytest.raises(ExerciseFailed, match="expected device cpu, got meta"):
        check(name, _last_tensor(name, lambda t: t.to("meta")), quiet=True)


@pytest.mark.parametrize("name", GRAD_CHECKED)
def test_a_detached_answer_fails_and_says_so(name):
    """The value is exactly right, but training through it would not move anything."""
    with pytest.raises(ExerciseFailed, match="carries no gradient"):
        check(name, _last_tensor(name, lambda t: t.detach()), quiet=True)


@pytest.mark.parametrize("name", NAMES)
def test_a_function_that_raises_is_reported_with_inputs_line_and_hint(name):
    def learners_function(*args):
        x = torch.zeros(2, 3)
        return x @ x  # a shape error, as learners make them

    with pytest.raises(ExerciseFailed) as failure:
        check(name, learners_function, quiet=True)
    message = str(failure.value)
    assert "your function raised RuntimeError" in message and "cannot be multiplied" in message
    assert "in learners_function(), line" in message and "return x @ x" in message
    assert "\n  inputs: " in message and "wrong on test 1 of" in message
    assert "\n  hint: " + exercises.EXERCISES[name].hint in message
    assert failure.value.__suppress_context__ and failure.value.__cause__ is None  # no raw traceback chained


@pytest.mark.parametrize("name", NAMES)
def test_not_implemented_is_still_not_attempted(name, capsys):
    def stub(*args):
        raise NotImplementedError()
    assert check(name, stub) is False
    assert "not attempted yet" in capsys.readouterr().out


# --- The cases ERRATA 46 names, as they were reported -------------------------------------------------
def test_lazy_adam_returning_nan_fails():
    with pytest.raises(ExerciseFailed, match=r"output 0: expected [\d.e-]+, got nan"):
        check("ch08.lazy_adam", lambda lr, betas, every: (math.nan, (math.nan, math.nan)), quiet=True)


def test_psnr_y_returning_nan_fails():
    with pytest.raises(ExerciseFailed, match=r"expected [\d.]+, got nan"):
        check("ch09.psnr_y", lambda sr, hr, shave: math.nan, quiet=True)


def test_nearest_code_returning_float_indices_fails():
    with pytest.raises(ExerciseFailed, match=r"expected dtype torch\.int64, got torch\.float32"):
        check("ch10.nearest_code", lambda z, codebook: torch.cdist(z, codebook).argmin(1).float(), quiet=True)


def test_a_float16_answer_names_the_dtype():
    with pytest.raises(ExerciseFailed, match=r"expected dtype torch\.float32, got torch\.float16"):
        check("ch07.adain", lambda x, s, b: exercises.EXERCISES["ch07.adain"].reference(x, s, b).half(), quiet=True)


# --- The shared comparison, case by case --------------------------------------------------------------
compare = exercises._compare


@pytest.mark.parametrize("got, expected, says", [
    (5.0, 5, "expected the int 5, got float 5.0 (use // for integer division"),
    (True, 1, "expected the int 1, got bool True"),
    (torch.tensor(5), 5, "expected the int 5, got a int64 tensor"),
    (float("inf"), 2.5, "expected 2.5, got inf"),
    (torch.tensor(float("nan"), dtype=torch.float64), 2.5, "expected 2.5, got nan"),
    (torch.tensor(2.5, dtype=torch.float16), 2.5, "got a float16 tensor"),
    ("2.5", 2.5, "expected a number, got str '2.5'"),
    ([1.0], (1.0, 2.0), "expected a tuple of 2 values, got list of 1"),
    (torch.tensor([1.0, float("nan"), 3.0]), torch.tensor([1.0, 2.0, 3.0]),
     r"got nan in 1 of 3 values (at index [1], expected [1, 2, 3], got [1, nan, 3])"),
    (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64),
     "expected dtype torch.float64, got torch.float32"),
    (torch.ones(2, 3, dtype=torch.float16), torch.ones(3), "expected dtype torch.float32, got torch.float16; "
                                                           "expected shape [3], got [2, 3]"),
    (torch.tensor([0, 2]), torch.tensor([0, 1]), "1 of 2 values differ"),
])
def test_compare_names_what_is_wrong(got, expected, says):
    problem = compare(got, expected, 1e-5, 1e-4)
    assert problem is not None and says in problem, problem


@pytest.mark.parametrize("got, expected", [
    (3, 3.0),                                                            # an int is a fine real number
    (torch.tensor(3.0, dtype=torch.float64), 3.0),                       # so is a one-element tensor
    ([torch.ones(2), 4], (torch.ones(2), 4)),                            # a list for a tuple
    (torch.tensor([1.0, float("nan")]), torch.tensor([1.0, float("nan")])),  # NaN where the reference has it
])
def test_compare_accepts_equivalent_answers(got, expected):
    assert compare(got, expected, 1e-5, 1e-4) is None


@pytest.mark.parametrize("name", NAMES)
def test_every_checker_has_a_chapter_case_with_plausible_wrong_answers(name):
    """Besides the generic broken answers above, each checker is tested against its own plausible
    mistakes (a swapped sign, a missing term, ...) in tests/test_exercises*.py's CASES."""
    from pathlib import Path

    files = sorted(Path(__file__).parent.glob("test_exercises*.py"))
    assert any(f'"{name}": (' in f.read_text() for f in files), f"no CASES entry for {name} in tests/test_exercises*.py"
