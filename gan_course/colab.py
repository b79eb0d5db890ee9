"""Open in Colab: each chapter's badge and its install cell, written into the notebooks by one script.

    python -m gan_course.colab notebooks/*.ipynb          (what `make colab` runs; safe to run again)
    python -m gan_course.colab --branch student notebooks/*.ipynb   (badges that open another branch, e.g. the
                                                          student edition a teacher publishes: TEACHERS.md)

Every chapter notebook gets, by `add_colab_cells`:
- in its first (markdown) cell, under the title, an "Open in Colab" badge that opens *this* notebook from
  the repository `REPOSITORY` on GitHub. The badge's picture is a small SVG attached to the cell (a cell
  attachment, not a web address): a page opened offline, or in CI, would log a console error for an image
  it cannot fetch, and the browser tests and the website's offline test fail on console errors;
- as its first code cell, before the `parameters` cell, a cell that installs the course's package from the
  same repository when it runs inside Colab (`"google.colab" in sys.modules`) and does nothing anywhere
  else. It pins nothing: Colab ships its own torch, and the package declares ranges (pyproject.toml).
  It is tagged `nbval-skip` (nbval does not run it) and `skip-execution` (Jupyter Book / MyST-NB do not);
  papermill runs it, and there it does nothing.

The script is idempotent: it replaces a badge or an install cell it wrote before (so a changed
`REPOSITORY` reaches every notebook), moves the install cell back in front of the parameters cell if an
edit moved it, and leaves every other cell untouched. A notebook it already matches is not rewritten.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

# The GitHub repository ("owner/name") that the badges open and the Colab cell installs from.
# A fork changes this one line and runs `make colab`; tests/test_colab.py checks every notebook uses it.
REPOSITORY = "gan-course/gan-course"
BRANCH = "main"

# The badge, drawn here (Colab's own is a web address): 104 x 20 px, "Open in | Colab" on Colab's orange.
BADGE_ATTACHMENT = "colab-badge.svg"
BADGE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="104" height="20" role="img" aria-label="Open in Colab">'
             '<rect width="104" height="20" rx="3" fill="#555"/>'
             '<path d="M56 0h45a3 3 0 0 1 3 3v14a3 3 0 0 1-3 3H56z" fill="#f9ab00"/>'
             '<g font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
             '<text x="7" y="14" fill="#fff">Open in</text>'
             '<text x="62" y="14" fill="#222">Colab</text>'
             '</g>'
             '</svg>')
INSTALL_CELL_ID = "colab-install"  # the install cell's nbformat id (stable, so re-running changes nothing)
INSTALL_TAGS = ["nbval-skip", "skip-execution"]
_BADGE = re.compile(r"^\[!\[Open In Colab\]\([^)]*\)\]\(https://colab\.research\.google\.com/github/[^)]*\)\n*",
                    re.M)
_INSTALL_MARK = "# Colab only:"


def colab_url(notebook: str, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The address that opens `notebooks/<notebook>` of `repository` in Colab."""
    name = Path(notebook).name
    if not re.fullmatch(r"[\w.-]+\.ipynb", name):
        raise ValueError(f"notebook={notebook!r}: expected a notebook file name such as '01_vanilla_gan.ipynb'")
    _check_repository(repository)
    if not isinstance(branch, str) or not re.fullmatch(r"(?!.*\.\.)[\w.-]+(/[\w.-]+)*", branch):
        raise ValueError(f"branch={branch!r}: expected a git branch name such as 'main' or 'student'")
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/notebooks/{name}"


def badge_markdown(notebook: str, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The badge, as markdown: the Colab logo linking to `colab_url(notebook)`."""
    return f"[![Open In Colab](attachment:{BADGE_ATTACHMENT})]({colab_url(notebook, repository, branch)})"


def badge_attachment() -> dict:
    """The badge's picture as a cell attachment: {name: {mime type: base64 data}}."""
    import base64

    return {BADGE_ATTACHMENT: {"image/svg+xml": base64.b64encode(BADGE_SVG.encode()).decode()}}


def install_url(repository: str = REPOSITORY) -> str:
    _check_repository(repository)
    return f"git+https://github.com/{repository}"


def install_source(repository: str = REPOSITORY) -> str:
    """The install cell's code: pip install from the repository inside Colab, nothing anywhere else."""
    return (f"{_INSTALL_MARK} install the course's package from its repository ({repository}). Anywhere else\n"
            "# (your own Jupyter, nbval, papermill, the website build) this cell does nothing. No torch pin:\n"
            "# Colab ships torch, and the package accepts a range of versions.\n"
            "import sys\n"
            "\n"
            'if "google.colab" in sys.modules:\n'
            "    import subprocess\n"
            "\n"
            f'    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "{install_url(repository)}"],\n'
            "                   check=True)")


def _check_repository(repository: str) -> None:
    if not isinstance(repository, str) or not re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", repository):
        raise ValueError(f"repository={repository!r}: expected 'owner/name' of a GitHub repository")


def is_install_cell(cell) -> bool:
    return cell.cell_type == "code" and (cell.get("id") == INSTALL_CELL_ID or cell.source.startswith(_INSTALL_MARK))


def with_colab_cells(nb, notebook: str, repository: str = REPOSITORY, branch: str = BRANCH):
    """A copy of the notebook (nbformat node) with the badge and the install cell in place."""
    import copy

    import nbformat

    nb = copy.deepcopy(nb)
    if not nb.cells or nb.cells[0].cell_type != "markdown":
        raise ValueError(f"{notebook}: the first cell must be the chapter's markdown introduction, "
                         f"found {nb.cells[0].cell_type if nb.cells else 'no cells'}")
    first = nb.cells[0]
    text = _BADGE.sub("", first.source)
    lines = text.split("\n")
    at = 1 if lines and lines[0].startswith("# ") else 0  # under the title: `course.notebook_title` reads it
    badge = [badge_markdown(notebook, repository, branch)]
    badge = [""] + badge if at else badge
    if at < len(lines) and lines[at].strip():
        badge.append("")  # a blank line, so the text below stays its own paragraph
    lines[at:at] = badge
    first.source = "\n".join(lines)
    first["attachments"] = {**first.get("attachments", {}), **badge_attachment()}

    cells = [c for c in nb.cells if not is_install_cell(c)]
    code_at = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
    cell = nbformat.v4.new_code_cell(install_source(repository), id=INSTALL_CELL_ID)
    cell.metadata["tags"] = list(INSTALL_TAGS)
    cells.insert(code_at, cell)
    nb.cells = cells
    return nb


def add_colab_cells(path: str | Path, repository: str = REPOSITORY, branch: str = BRANCH) -> bool:
    """Put the badge and the install cell into the notebook at `path`; True if the file changed."""
    import nbformat

    path = Path(path)
    old = path.read_text(encoding="utf-8")
    nb = with_colab_cells(nbformat.reads(old, as_version=4), path.name, repository, branch)
    nbformat.validate(nb)
    new = nbformat.writes(nb) + "\n"
    if new == old:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m gan_course.colab", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--repository", default=REPOSITORY, help=f"GitHub owner/name (default {REPOSITORY})")
    parser.add_argument("--branch", default=BRANCH, help=f"the branch the badges open (default {BRANCH})")
    args = parser.parse_args(argv)
    for p in args.notebooks:
        changed = add_colab_cells(p, args.repository, args.branch)
        print(f"{'updated  ' if changed else 'unchanged'} {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
