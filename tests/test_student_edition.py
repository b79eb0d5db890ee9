"""The student edition gives no answer away before its exercise, and "Run all" gets past every stub."""
from pathlib import Path

import nbformat
import pytest

from gan_course.exercises import student

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_before_an_exercise_contains_its_answer(path):
    """Static part: code before each exercise. (The printed outputs are checked on the executed
    notebook, in test_notebooks.py.)"""
    nb = nbformat.read(path, as_version=4)
    assert len(student.exercise_cells(nb)) >= 2
    assert student.answer_leaks(nb) == []


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) if isinstance(c, str) else c for c in cells]
    return nb


SOLUTION = ("import torch.nn.functional as F\n\ndef d_loss(real_logits, fake_logits):\n    ### BEGIN SOLUTION\n"
            "    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()\n    ### END SOLUTION")
CHECK = 'exercises.check("ch01.d_loss", d_loss)'


def test_a_clean_notebook_has_no_leaks():
    assert student.answer_leaks(notebook("x = 1", SOLUTION, CHECK, "print(losses.d_loss_bce)")) == []


def test_an_earlier_cell_with_the_answer_is_found():
    leaks = student.answer_leaks(notebook("l = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()",
                                          SOLUTION, CHECK))
    assert len(leaks) == 1 and "ch01.d_loss: cell 0 (before the exercise, cell 1) contains the answer" in leaks[0]


def test_printed_package_source_before_the_exercise_is_found():
    shown = nbformat.v4.new_code_cell("print(inspect.getsource(losses.d_loss_bce))")
    shown.outputs = [nbformat.v4.new_output("stream", name="stdout", text=(
        "def d_loss_bce(real_logits: Tensor, fake_logits: Tensor) -> Tensor:\n"
        "    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()\n"))]
    leaks = student.answer_leaks(notebook(shown, SOLUTION, CHECK))
    assert any("cell 0 (before the exercise, cell 1) printed the answer line" in m for m in leaks)
    assert student.answer_leaks(notebook(SOLUTION, CHECK, shown)) == []  # after the exercise it is fine


def test_a_later_call_of_the_learners_function_is_found():
    leaks = student.answer_leaks(notebook(SOLUTION, CHECK, "loss = d_loss(a, b)", "run.history['d_loss']"))
    assert leaks == ["ch01.d_loss: cell 2 calls the learner's d_loss(), which the student edition leaves as a stub"]


def test_the_writer_refuses_a_leaky_notebook(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    nbformat.write(notebook("x = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()", SOLUTION, CHECK),
                   src / "01_demo.ipynb")
    with pytest.raises(ValueError, match="would give exercise answers away"):
        student.write_student_edition(src, tmp_path / "out")


def test_answer_lines_skip_docstrings_comments_and_trivia():
    code = 'def f(x):\n    """Returns the answer = softplus(x).mean()."""\n    # a comment\n    y = x\n    return torch.cat([x, y], dim=1)'
    assert student.answer_lines(code) == ["torch.cat([x,y],dim=1)"]
