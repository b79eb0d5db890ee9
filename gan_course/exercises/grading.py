"""Grade the "Your turn" exercises with nbgrader: write an nbgrader course folder from the chapters.

    python -m gan_course.exercises.grading notebooks build/nbgrader            (what `make nbgrader` runs)
    python -m gan_course.exercises.grading notebooks build/nbgrader 04 07      (only chapters 04 and 07)

The committed notebooks already mark each reference solution with nbgrader's own `### BEGIN SOLUTION` /
`### END SOLUTION`. nbgrader also needs its cell metadata, which the committed notebooks do not carry
(it would clutter every learner's copy). This writes, for each chapter, the nbgrader *source* version:

    build/nbgrader/nbgrader_config.py
    build/nbgrader/source/<NN_name>/<NN_name>.ipynb      one assignment per chapter

in which every solution cell is an nbgrader "autograded answer" cell and every `exercises.check(...)`
cell after it an "autograder tests" cell worth `points` (locked: `nbgrader autograde` restores it, so
a student cannot edit a check into passing). A check cell gets a trailing `;`: its `True` is then not
displayed, which nbgrader would otherwise try to read as a partial-credit score. Nothing else changes.

From there nbgrader's own commands do the rest (TEACHERS.md has the recipe, tests/test_grading.py runs
it): `nbgrader generate_assignment NN_name` writes release/NN_name/ with the solutions replaced by the
same stub `make student` writes; `nbgrader validate` runs a notebook and reports failing checks (under
nbgrader, `exercises.check` fails an exercise that is not attempted yet instead of printing "not
attempted", see `gan_course.exercises.check`); `nbgrader autograde` scores submissions.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from .student import answer_leaks, exercise_cells

CHECK = re.compile(r"^exercises\.check\(\s*[\"']([\w.]+)[\"']")
SCHEMA_VERSION = 3  # nbgrader's cell-metadata schema (nbgrader 0.6 - 0.9)

CONFIG = '''\
# nbgrader settings of the GAN Course (written by `make nbgrader`; see TEACHERS.md).
c = get_config()  # noqa: F821 -- nbgrader's config loader defines it
c.CourseDirectory.course_id = "gan-course"
# The stub nbgrader puts where a solution was: the same as `make student` writes.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
# validate/autograde run the whole chapter; a training cell on a busy CPU takes minutes (nbgrader's default: 30 s).
c.Execute.timeout = 1800
'''


def grade_id(exercise: str, kind: str) -> str:
    """nbgrader's id of a cell: "ch01_d_loss_answer", "ch01_d_loss_check"."""
    return f"{exercise.replace('.', '_')}_{kind}"


def nbgrader_notebook(nb, points: float = 1):
    """A copy of a chapter notebook (nbformat node) with nbgrader's metadata on its exercise cells."""
    import copy

    if not points > 0:
        raise ValueError(f"points={points!r}: each exercise must be worth more than 0 points")
    nb = copy.deepcopy(nb)
    answers = {ex.index: ex.name for ex in exercise_cells(nb)}
    checks: dict[str, int] = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        source = cell.source.strip()
        if i in answers:
            cell.metadata["nbgrader"] = {"grade": False, "grade_id": grade_id(answers[i], "answer"),
                                         "locked": False, "schema_version": SCHEMA_VERSION, "solution": True}
        match = CHECK.match(source)
        if match:
            name = match.group(1)
            if "\n" in source:
                raise ValueError(f"cell {i}: a check cell must hold only `exercises.check(...)` (it is the graded "
                                 f"cell), found:\n{source}")
            if name in checks:
                raise ValueError(f"cell {i}: {name} is checked twice (cells {checks[name]} and {i})")
            checks[name] = i
            cell.source = source.rstrip(";") + ";"
            cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id(name, "check"), "locked": True,
                                         "points": points, "schema_version": SCHEMA_VERSION, "solution": False}
    unchecked = sorted(set(answers.values()) - set(checks))
    if unchecked:
        raise ValueError(f"no cell checks {', '.join(unchecked)} on its own (exercises.check(...) in a cell of its own)")
    return nb


def write_course(src: str | Path, dst: str | Path, chapters: list[str] | None = None,
                 points: float = 1) -> list[Path]:
    """Write the nbgrader course folder `dst` from the chapter notebooks in `src`; returns the notebooks
    written. `chapters`: numbers or names ("04", "07_stylegan"); None: all."""
    import nbformat

    src, dst = Path(src), Path(dst)
    notebooks = sorted(src.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no chapter notebooks (NN_name.ipynb) in {src}")
    if chapters:
        wanted = [next((p for p in notebooks if p.stem == c or p.stem[:2] == c), None) for c in chapters]
        missing = [c for c, p in zip(chapters, wanted) if p is None]
        if missing:
            raise ValueError(f"chapters={missing!r}: valid are {', '.join(p.stem[:2] for p in notebooks)} "
                             f"or the full names ({notebooks[0].stem}, ...)")
        notebooks = list(dict.fromkeys(wanted))
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    written = []
    for path in notebooks:
        original = nbformat.read(path, as_version=4)
        leaks = answer_leaks(original)
        if leaks:
            raise ValueError(f"{path.name} would give exercise answers away in its student version:\n  "
                             + "\n  ".join(leaks))
        nb = nbgrader_notebook(original, points)
        out = dst / "source" / path.stem / path.name
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
        written.append(out)
    return written


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python -m gan_course.exercises.grading SOURCE_DIR COURSE_DIR [CHAPTER ...]")
    for p in write_course(sys.argv[1], sys.argv[2], sys.argv[3:] or None):
        print(f"wrote {p}")
