"""Write the student edition of the notebooks: every solution replaced by a stub.

    python -m gan_course.exercises.student notebooks build/student      (what `make student` runs)

In the committed notebooks each reference solution sits between nbgrader-style markers:

    def d_loss(real_logits, fake_logits):
        ### BEGIN SOLUTION
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        ### END SOLUTION

The student edition keeps everything else and puts, at the marker's indentation,
`# YOUR CODE HERE` and `raise NotImplementedError()`. Outputs are cleared too.
"""
from __future__ import annotations

import re
import sys
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


def write_student_edition(src: str | Path, dst: str | Path) -> list[Path]:
    import nbformat

    src, dst = Path(src), Path(dst)
    notebooks = sorted(src.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no chapter notebooks (NN_name.ipynb) in {src}")
    dst.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb = student_notebook(nbformat.read(path, as_version=4))
        nbformat.write(nb, dst / path.name)
        written.append(dst / path.name)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m gan_course.exercises.student SOURCE_DIR DEST_DIR")
    for p in write_student_edition(sys.argv[1], sys.argv[2]):
        print(f"wrote {p}")
