"""Every checker passes the reference, fails the stub and fails plausible wrong answers."""
import pytest
import torch
import torch.nn.functional as F

from gan_course import exercises
from exercise_checks import assert_cases_cover, assert_separates, stub
from gan_course.exercises import check, student



# name -> (a correct solution written independently of the package, [plausible wrong answers])
CASES = {
    "ch01.d_loss": (
        lambda r, f: F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
        + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)),
        [lambda r, f: F.softplus(r).mean() + F.softplus(-f).mean(),                       # labels swapped
         lambda r, f: -torch.log(torch.sigmoid(r)).mean() - torch.log(1 - torch.sigmoid(f)).mean(),  # unstable
         lambda r, f: F.softplus(-r).sum() + F.softplus(f).sum()],                         # sum, not mean
    ),
    "ch01.g_loss_nonsaturating": (
        lambda f: F.binary_cross_entropy_with_logits(f, torch.ones_like(f)),
        [lambda f: -F.softplus(f).mean(),     # the saturating (minimax) loss
         lambda f: F.softplus(f).mean()],     # sign error
    ),
    "ch01.optimal_discriminator": (
        lambda p, q: 1 / (1 + q / p),
        [lambda p, q: q / (p + q), lambda p, q: p / q],
    ),
}


def test_every_chapter_01_exercise_has_a_case():
    assert_cases_cover("ch01", CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_passes_solution_fails_stub_and_wrong_answers(name):
    assert_separates(name, *CASES[name])


def test_unknown_exercise():
    with pytest.raises(ValueError, match="valid: ch01.d_loss"):
        check("ch01.nope", stub)


def test_strip_solutions_keeps_indentation_and_removes_code():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    return secret(x)\n    ### END SOLUTION\n\nprint(1)"
    out = student.strip_solutions(src)
    assert "secret" not in out and "BEGIN SOLUTION" not in out
    assert out == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint(1)"
    with pytest.raises(ValueError, match="never closed"):
        student.strip_solutions("### BEGIN SOLUTION\nx = 1")


def test_student_edition_of_the_course_has_no_solution_code(tmp_path):
    import nbformat

    src = exercises.__file__.rsplit("/gan_course/", 1)[0] + "/notebooks"
    written = student.write_student_edition(src, tmp_path)
    assert written
    for path in written:
        original = nbformat.read(f"{src}/{path.name}", as_version=4)
        solutions = [line.strip() for cell in original.cells if cell.cell_type == "code"
                     for block in cell.source.split(student.BEGIN)[1:]
                     for line in block.split(student.END)[0].splitlines() if line.strip()]
        assert solutions, f"{path.name} has no exercise solution between markers"
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        assert student.BEGIN not in text and student.END not in text
        for line in solutions:
            assert line not in text, f"{path.name}: solution line {line!r} is still in the student edition"
        assert text.count("raise NotImplementedError()") >= 2
