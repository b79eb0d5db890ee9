"""What every chapter's exercise tests assert, written once (imported by tests/test_exercises*.py)."""
import pytest

from gan_course import exercises
from gan_course.exercises import ExerciseFailed, check


def stub(*args):
    """What the student edition leaves in place of a solution."""
    raise NotImplementedError()


def assert_cases_cover(chapter: str, cases: dict) -> None:
    """Every registered exercise of `chapter` ("ch02") has a test case, and no case is stale."""
    exercises._load_chapters()
    assert {n for n in exercises.EXERCISES if n.startswith(chapter + ".")} == set(cases)


def assert_separates(name: str, solution, wrongs) -> None:
    """The checker passes an independent solution and the reference, reports the stub as not
    attempted (False), and raises for every plausible wrong answer."""
    assert check(name, solution, quiet=True) is True
    assert check(name, exercises.EXERCISES[name].reference, quiet=True) is True
    assert check(name, stub, quiet=True) is False
    for wrong in wrongs:
        with pytest.raises(ExerciseFailed):
            check(name, wrong, quiet=True)
