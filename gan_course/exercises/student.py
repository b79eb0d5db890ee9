"""Write the student edition of the notebooks: every solution replaced by a stub.

    python -m gan_course.exercises.student notebooks build/student      (what `make student` runs)

In the committed notebooks each reference solution sits between nbgrader-style markers:

    def d_loss(real_logits, fake_logits):
        ### BEGIN SOLUTION
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        ### END SOLUTION

The student edition keeps everything else and puts, at the marker's indentation,
`# YOUR CODE HERE` and `raise NotImplementedError()`. Outputs are cleared too.

A student edition is only worth having if nothing before an exercise gives its answer away, and if
"Run all" gets past an unsolved exercise. `answer_leaks` finds both kinds of trouble in a notebook:
a cell before the exercise whose code (or, for an executed notebook, whose printed output, e.g. an
`inspect.getsource` of the package's function) contains a line of the answer; and a later cell that
calls the learner's function, which the stub would make fail. `write_student_edition` refuses a
notebook with leaks, and the tests check every chapter.
"""
from __future__ import annotations

import ast
import inspect
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]


def strip_solutions(source: str) -> str:
    """Replace every BEGIN/END SOLUTION block of a cell's source with the stub."""
    out, inside, indent = [], False, ""
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"line {number}: {BEGIN} inside another solution block")
            inside, indent = True, re.match(r"\s*", line).group(0)
            out += [indent + s for s in STUB]
        elif stripped == END:
            if not inside:
                raise ValueError(f"line {number}: {END} without a {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"a {BEGIN} block is never closed with {END}")
    return "\n".join(out)


def student_notebook(nb):
    """A copy of the notebook (nbformat node) with solutions stubbed and outputs cleared."""
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs, cell.execution_count = [], None
    return nb


# --- Does anything before an exercise give its answer away? ------------------------------------------
@dataclass(frozen=True)
class ExerciseCell:
    index: int           # the code cell holding the solution between the markers
    name: str            # the exercise's name, from the `exercises.check("...")` call after it
    solution: str        # the code between the markers
    defines: tuple[str, ...]  # top-level functions the cell defines (the learner's)


def exercise_cells(nb) -> list[ExerciseCell]:
    """Every solution cell of a notebook with the exercise it belongs to (the next `check` call)."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or BEGIN not in cell.source:
            continue
        solution = "\n".join(block.split(END)[0] for block in cell.source.split(BEGIN)[1:])
        name = next((m.group(1) for c in nb.cells[i:] if c.cell_type == "code"
                     for m in [re.search(r"exercises\.check\(\s*[\"']([\w.]+)[\"']", c.source)] if m), None)
        if name is None:
            raise ValueError(f"cell {i} holds a solution but no exercises.check(...) follows it")
        defines = tuple(re.findall(r"^def (\w+)\(", cell.source, re.M))
        found.append(ExerciseCell(i, name, solution, defines))
    return found


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def answer_lines(code: str) -> list[str]:
    """The lines of `code` that carry an answer, without whitespace: no comments, docstrings, `def`s,
    bare `return` keywords, or lines too short to be specific (under 12 characters)."""
    code = textwrap.dedent(code)
    skip: set[int] = set()  # docstrings (they repeat the markdown's maths) and signatures (not answers)
    try:
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                skip.update(range(first, node.body[0].lineno))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) \
                    and node.body and ast.get_docstring(node) is not None:
                skip.update(range(node.body[0].lineno, node.body[0].end_lineno + 1))
    except SyntaxError:
        pass
    lines = []
    for number, line in enumerate(code.splitlines(), 1):
        text = line.split("  #")[0].split(" # ")[0].strip()
        if number in skip or not text or text.startswith(("#", "def ", "@", "class ")):
            continue
        text = _squash(text[len("return"):] if text.startswith("return ") else text)
        if len(text) >= 12:
            lines.append(text)
    return lines


def _reference_lines(name: str) -> list[str]:
    from . import EXERCISES, _load_chapters

    _load_chapters()
    lines = []
    for fn in EXERCISES[name].answer_sources:
        try:
            lines += answer_lines(inspect.getsource(fn))
        except (OSError, TypeError):  # a builtin or a lambda defined inline: nothing printable to leak
            pass
    return lines


def _printed(cell) -> str:
    return "".join(o.get("text", "") + "".join(o.get("data", {}).get("text/plain", ""))
                   for o in cell.get("outputs", []))


def answer_leaks(nb) -> list[str]:
    """What in a notebook gives an exercise's answer away, or breaks "Run all" in its student edition.

    - a code cell before the exercise contains a line of the solution;
    - a cell before the exercise printed (in an executed notebook) a line of the solution or of the
      package function that is the reference answer (e.g. with `inspect.getsource`);
    - a cell after the exercise, other than its check, calls a function the exercise defines.
    Returns one message per problem (empty: none).
    """
    problems = []
    for ex in exercise_cells(nb):
        solution, reference = answer_lines(ex.solution), _reference_lines(ex.name)
        for i, cell in enumerate(nb.cells[:ex.index]):
            if cell.cell_type != "code":
                continue
            source, printed = _squash(cell.source), _squash(_printed(cell))
            problems += [f"{ex.name}: cell {i} (before the exercise, cell {ex.index}) contains the answer line "
                         f"{line!r}" for line in solution if line in source]
            problems += [f"{ex.name}: cell {i} (before the exercise, cell {ex.index}) printed the answer line "
                         f"{line!r}" for line in dict.fromkeys(solution + reference) if line in printed]
        for i, cell in enumerate(nb.cells[ex.index + 1:], ex.index + 1):
            if cell.cell_type != "code" or "exercises.check(" in cell.source:
                continue
            problems += [f"{ex.name}: cell {i} calls the learner's {fn}(), which the student edition leaves as a stub"
                         for fn in ex.defines if re.search(rf"(?<![\w.]){fn}\s*\(", cell.source)]
    return problems


def write_student_edition(src: str | Path, dst: str | Path) -> list[Path]:
    import nbformat

    src, dst = Path(src), Path(dst)
    notebooks = sorted(src.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no chapter notebooks (NN_name.ipynb) in {src}")
    dst.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        original = nbformat.read(path, as_version=4)
        leaks = answer_leaks(original)
        if leaks:
            raise ValueError(f"{path.name} would give exercise answers away in its student edition:\n  "
                             + "\n  ".join(leaks))
        nb = student_notebook(original)
        nbformat.write(nb, dst / path.name)
        written.append(dst / path.name)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m gan_course.exercises.student SOURCE_DIR DEST_DIR")
    for p in write_student_edition(sys.argv[1], sys.argv[2]):
        print(f"wrote {p}")
