"""Grading with nbgrader (TEACHERS.md's recipe): the course folder `make nbgrader` writes, then nbgrader's own
generate_assignment, validate and autograde on a real chapter, on the tiny preset."""
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gan_course import exercises
from gan_course.exercises import grading, student

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# The chapter the whole recipe runs on: three exercises, one of the quickest chapters on tiny.
CHAPTER = os.environ.get("GAN_COURSE_GRADING_CHAPTER", "09_srgan")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_becomes_an_answer_cell_and_a_graded_check(path):
    original = nbformat.read(path, as_version=4)
    nb = grading.nbgrader_notebook(original, points=2)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    names = [ex.name for ex in student.exercise_cells(original)]
    assert len(answers) == len(checks) == len(names) >= 2
    assert [c.metadata.nbgrader.grade_id for c in answers] == [grading.grade_id(n, "answer") for n in names]
    assert [c.metadata.nbgrader.grade_id for c in checks] == [grading.grade_id(n, "check") for n in names]
    assert all("### BEGIN SOLUTION" in c.source for c in answers)
    assert all(c.metadata.nbgrader.points == 2 and c.metadata.nbgrader.locked for c in checks)
    functions = [re.search(r", (\w+)\)", c.source).group(1) for c in checks]
    assert [c.source for c in checks] == [f'exercises.check("{n}", {f});' for n, f in zip(names, functions)]
    # nothing else changed
    for old, new in zip(original.cells, nb.cells):
        if "nbgrader" not in new.metadata:
            assert new == old
    pytest.importorskip("nbgrader")
    from nbgrader.nbgraderformat import MetadataValidator
    MetadataValidator().validate_nb(nb)  # nbgrader's own schema check (raises on a bad cell)


def chapter(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nb


SOLUTION = "def f(x):\n    ### BEGIN SOLUTION\n    return x.abs().sum() * 2.5\n    ### END SOLUTION"


def test_a_check_cell_with_more_code_is_refused():
    with pytest.raises(ValueError, match=r"cell 1: a check cell must hold only `exercises.check"):
        grading.nbgrader_notebook(chapter(SOLUTION, 'exercises.check("ch01.d_loss", f)\nprint(f(1))'))


def test_an_exercise_checked_twice_is_refused():
    with pytest.raises(ValueError, match=r"cell 2: ch01.d_loss is checked twice \(cells 1 and 2\)"):
        grading.nbgrader_notebook(chapter(SOLUTION, 'exercises.check("ch01.d_loss", f)',
                                          'exercises.check("ch01.d_loss", f)'))


def test_points_must_be_positive():
    with pytest.raises(ValueError, match=r"points=0: each exercise must be worth more than 0 points"):
        grading.nbgrader_notebook(chapter(SOLUTION, 'exercises.check("ch01.d_loss", f)'), points=0)


def test_an_unknown_chapter_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"chapters=\['11'\]: valid are 01, 02, .*, 10"):
        grading.write_course(ROOT / "notebooks", tmp_path, ["04", "11"])


def test_the_course_folder_holds_one_assignment_per_chapter(tmp_path):
    written = grading.write_course(ROOT / "notebooks", tmp_path, ["04", "07_stylegan"])
    assert written == [tmp_path / "source/04_dcgan/04_dcgan.ipynb", tmp_path / "source/07_stylegan/07_stylegan.ipynb"]
    assert 'course_id = "gan-course"' in (tmp_path / "nbgrader_config.py").read_text()


def test_an_unattempted_exercise_fails_under_nbgrader_and_only_there(monkeypatch, capsys):
    def stub(p_data, p_g):
        raise NotImplementedError()

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert exercises.check("ch01.optimal_discriminator", stub) is False  # a learner's "Run all" goes on
    assert "not attempted yet" in capsys.readouterr().out
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(exercises.ExerciseFailed, match="not attempted"):
        exercises.check("ch01.optimal_discriminator", stub)
    assert exercises.check("ch01.optimal_discriminator", lambda p, q: p / (p + q), quiet=True) is True


# --- nbgrader itself, on one chapter ---------------------------------------------------------------------
def nbgrader(course: Path, *args: str) -> str:
    # nbgrader runs `alembic` (its database migrations) from PATH: the venv's bin/ must be on it, as it is
    # in an activated venv (TEACHERS.md says to activate it)
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = dict(os.environ, GAN_COURSE_PRESET="tiny", GAN_COURSE_PROGRESS="0", PATH=path)
    env.pop("NBGRADER_EXECUTION", None)
    out = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                         text=True, timeout=1800)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-3000:]
    return text


def submit(course: Path, student_id: str, nb) -> None:
    folder = course / "submitted" / student_id / CHAPTER
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{CHAPTER}.ipynb")


def test_nbgrader_generates_validates_and_grades_a_chapter(tmp_path):
    pytest.importorskip("nbgrader")
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    grading.write_course(ROOT / "notebooks", course, [CHAPTER])
    original = nbformat.read(ROOT / "notebooks" / f"{CHAPTER}.ipynb", as_version=4)
    names = [ex.name for ex in student.exercise_cells(original)]

    # 1. the assignment step: release/ is the student version
    nbgrader(course, "generate_assignment", CHAPTER)
    release = nbformat.read(course / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    text = "\n".join(c.source for c in release.cells)
    assert "### BEGIN SOLUTION" not in text and text.count("raise NotImplementedError()") == len(names)
    for ex in student.exercise_cells(original):
        leaked = [line for line in student.answer_lines(ex.solution) if line in re.sub(r"\s+", "", text)]
        assert leaked == [], f"{ex.name}: the release holds its answer"
    # ... and it is `make student`'s edition, plus nbgrader's metadata and a `;` after each check
    ours = student.student_notebook(original)
    assert [c.source.rstrip(";") for c in release.cells] == [c.source for c in ours.cells]

    # 2. validation: the source passes every check; the release fails every one (the checks can fail)
    assert "Success! Your notebook passes all the tests." in \
        nbgrader(course, "validate", f"source/{CHAPTER}/{CHAPTER}.ipynb")
    assert "Success! The notebook does not pass any tests." in \
        nbgrader(course, "validate", "--invert", f"release/{CHAPTER}/{CHAPTER}.ipynb")

    # 3. autograde two submissions: alice solved everything; bob left the first exercise alone,
    #    answered the second wrongly, and solved the third
    solutions = {i: c.source for i, c in enumerate(original.cells) if "### BEGIN SOLUTION" in c.source}
    answer_cells = [i for i, c in enumerate(release.cells) if c.metadata.get("nbgrader", {}).get("solution")]
    assert answer_cells == sorted(solutions)
    alice, bob = nbformat.from_dict(release), nbformat.from_dict(release)
    for i in answer_cells:  # the reference answer, typed in without the markers
        alice.cells[i].source = "\n".join(line for line in solutions[i].splitlines()
                                          if line.strip() not in (student.BEGIN, student.END))
    bob.cells[answer_cells[1]].source = bob.cells[answer_cells[1]].source.replace(
        "raise NotImplementedError()", "return None")
    bob.cells[answer_cells[2]].source = alice.cells[answer_cells[2]].source
    submit(course, "alice", alice)
    submit(course, "bob", bob)
    nbgrader(course, "autograde", CHAPTER)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission(CHAPTER, s).score for s in ("alice", "bob")}
        assert gb.find_assignment(CHAPTER).max_score == len(names)
    assert scores == {"alice": len(names), "bob": 1}

    # 4. feedback for the students, and the grades as a table
    nbgrader(course, "generate_feedback", CHAPTER)
    feedback = (course / "feedback" / "bob" / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "not attempted" in feedback and f"Score: 1.0 / {len(names):.1f}" in feedback
    nbgrader(course, "export")
    import csv
    rows = {r["student_id"]: r for r in csv.DictReader((course / "grades.csv").open())}
    assert {s: float(r["raw_score"]) for s, r in rows.items()} == {"alice": len(names), "bob": 1.0}
