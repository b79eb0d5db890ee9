"""Open in Colab: each chapter's badge opens its own file, and the install cell acts only inside Colab."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from gan_course import colab

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def chapter(title="# Chapter 99 — A test\n\nSome text.", parameters='preset = "auto"\ndevice = "auto"\nseed = 0'):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(title), params, nbformat.v4.new_code_cell("import gan_course"),
                nbformat.v4.new_markdown_cell("## More"), nbformat.v4.new_code_cell("x = 1")]
    return nb


def test_the_colab_url_opens_the_notebook_of_the_repository():
    assert colab.colab_url("04_dcgan.ipynb", "someone/fork") == \
        "https://colab.research.google.com/github/someone/fork/blob/main/notebooks/04_dcgan.ipynb"
    assert colab.colab_url("notebooks/04_dcgan.ipynb").endswith(f"/{colab.REPOSITORY}/blob/main/notebooks/04_dcgan.ipynb")
    assert colab.badge_markdown("04_dcgan.ipynb").startswith("[![Open In Colab](attachment:colab-badge.svg)](https://")


def test_the_badge_picture_is_an_svg_carried_by_the_notebook():
    import base64
    import xml.etree.ElementTree as ET

    (name, bundle), = colab.badge_attachment().items()
    svg = ET.fromstring(base64.b64decode(bundle["image/svg+xml"]))
    assert name == colab.BADGE_ATTACHMENT and svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert "".join(svg.itertext()) == "Open inColab" and (svg.get("width"), svg.get("height")) == ("104", "20")
    assert "http" not in ET.tostring(svg, encoding="unicode").replace("http://www.w3.org/2000/svg", "")


@pytest.mark.parametrize("repository", ["gan-course", "a/b/c", "", "https://github.com/a/b", None])
def test_a_repository_that_is_not_owner_slash_name_is_refused(repository):
    with pytest.raises(ValueError, match=r"repository=.*expected 'owner/name'"):
        colab.colab_url("01_vanilla_gan.ipynb", repository)


def test_a_path_that_is_not_a_notebook_is_refused():
    with pytest.raises(ValueError, match=r"notebook='README.md': expected a notebook file name"):
        colab.colab_url("README.md")


def test_the_cells_go_under_the_title_and_before_the_parameters_cell(tmp_path):
    path = tmp_path / "99_test.ipynb"
    original = chapter()
    nbformat.write(original, path)
    assert colab.add_colab_cells(path) is True
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].source == ("# Chapter 99 — A test\n\n" + colab.badge_markdown("99_test.ipynb")
                                  + "\n\nSome text.")
    assert nb.cells[0].attachments == colab.badge_attachment()
    install = nb.cells[1]
    assert install.source == colab.install_source() and install.metadata["tags"] == ["nbval-skip", "skip-execution"]
    assert install.id == colab.INSTALL_CELL_ID and install.outputs == [] and install.execution_count is None
    assert nb.cells[2].metadata["tags"] == ["parameters"]
    # every other cell is as it was
    assert [c.source for c in nb.cells[2:]] == [c.source for c in original.cells[1:]]


def test_running_it_again_changes_nothing(tmp_path):
    path = tmp_path / "99_test.ipynb"
    nbformat.write(chapter(), path)
    colab.add_colab_cells(path)
    first = path.read_bytes()
    assert colab.add_colab_cells(path) is False
    assert path.read_bytes() == first


def test_a_new_repository_replaces_badge_and_install_cell_and_a_moved_cell_goes_back(tmp_path):
    path = tmp_path / "99_test.ipynb"
    nbformat.write(chapter(title="# Chapter 99 — A test\nText right under the title."), path)
    colab.add_colab_cells(path)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nb.cells.pop(1))  # an edit moved the install cell to the end
    nbformat.write(nb, path)
    assert colab.add_colab_cells(path, repository="someone/fork") is True
    nb = nbformat.read(path, as_version=4)
    text = json.dumps(nb)
    assert colab.REPOSITORY not in text and text.count("someone/fork") == 3  # badge, install comment, pip URL
    assert sum(colab.is_install_cell(c) for c in nb.cells) == 1 and colab.is_install_cell(nb.cells[1])
    assert nb.cells[0].source == ("# Chapter 99 — A test\n\n" + colab.badge_markdown("99_test.ipynb", "someone/fork")
                                  + "\n\nText right under the title.")


def test_a_notebook_that_does_not_open_with_markdown_is_refused(tmp_path):
    nb = chapter()
    nb.cells.pop(0)
    path = tmp_path / "99_test.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="first cell must be the chapter's markdown introduction, found code"):
        colab.add_colab_cells(path)


# --- the install cell, run as a learner's kernel would run it ------------------------------------------------
RECORDER = textwrap.dedent("""\
    import json, os, subprocess, sys, types
    calls = []
    def record(name):
        def call(*args, **kwargs):
            calls.append([name, [list(a) if isinstance(a, (list, tuple)) else a for a in args], sorted(kwargs)])
            return subprocess.CompletedProcess(args, 0)
        return call
    for name in ("run", "call", "check_call", "check_output", "Popen"):
        setattr(subprocess, name, record(name))
    os.system = record("os.system")
    if {colab}:
        sys.modules["google"] = types.ModuleType("google")
        sys.modules["google.colab"] = types.ModuleType("google.colab")
    exec(compile({source!r}, "install_cell", "exec"), {{}})
    print(json.dumps(calls))
""")


def run_install_cell(inside_colab: bool) -> list:
    script = RECORDER.format(colab=inside_colab, source=colab.install_source())
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_install_cell_does_nothing_outside_colab():
    assert run_install_cell(inside_colab=False) == []


def test_the_install_cell_pip_installs_the_repository_inside_colab_without_pinning_torch():
    calls = run_install_cell(inside_colab=True)
    assert len(calls) == 1
    name, args, kwargs = calls[0]
    command = args[0]
    assert name == "run" and kwargs == ["check"]  # check=True: a failed install stops the notebook
    assert command[:4] == [sys.executable, "-m", "pip", "install"]  # the kernel's own Python
    assert command[-1] == f"git+https://github.com/{colab.REPOSITORY}"
    assert [a for a in command[4:] if not a.startswith("-")] == [command[-1]]  # one requirement: the course
    assert not any("torch" in a for a in command)


def test_nbval_skips_the_install_cell(tmp_path):
    """The tag we give the cell is the one nbval honours: a tagged cell that would fail is not run."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('raise RuntimeError("nbval ran a cell tagged to be skipped")')
    cell.metadata["tags"] = list(colab.INSTALL_TAGS)
    nb.cells = [cell, nbformat.v4.new_code_cell("x = 1")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "skip.ipynb")
    out = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-q",
                          "-p", "no:cacheprovider", "-p", "no:xdist", str(tmp_path / "skip.ipynb")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:]
    assert "1 passed, 1 skipped" in out.stdout


def test_the_command_line_points_the_badges_at_another_branch(tmp_path, capsys):
    """A teacher publishes the student edition on a branch; its badges must open that branch, not main."""
    path = tmp_path / "99_test.ipynb"
    nbformat.write(chapter(), path)
    assert colab.main([str(path)]) == 0
    assert colab.main(["--branch", "student", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"updated   {path}", f"updated   {path}"]
    first = nbformat.read(path, as_version=4).cells[0].source
    assert colab.badge_markdown(path.name, branch="student") in first and "/blob/main/" not in first
    assert colab.main(["--branch", "student", str(path)]) == 0 and "unchanged" in capsys.readouterr().out


@pytest.mark.parametrize("branch", ["", "a b", "../x", None])
def test_a_bad_branch_is_refused(branch):
    with pytest.raises(ValueError, match=r"branch=.*expected a git branch name"):
        colab.colab_url("01_vanilla_gan.ipynb", branch=branch)
# --- the committed notebooks -----------------------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_has_its_own_badge_and_the_install_cell(path):
    nb = nbformat.read(path, as_version=4)
    links = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
             if "colab.research.google.com/github" in line]
    assert links == [colab.badge_markdown(path.name)], "one badge, in the first cell, opening this notebook"
    assert colab.badge_markdown(path.name) in nb.cells[0].source
    assert nb.cells[0].attachments[colab.BADGE_ATTACHMENT] == colab.badge_attachment()[colab.BADGE_ATTACHMENT]
    assert f"/blob/main/notebooks/{path.name})" in links[0] and f"/github/{colab.REPOSITORY}/" in links[0]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert colab.is_install_cell(code[0]) and code[0].source == colab.install_source()
    assert code[0].metadata["tags"] == colab.INSTALL_TAGS
    assert "parameters" in code[1].metadata.get("tags", [])
    assert sum(colab.is_install_cell(c) for c in code) == 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_committed_notebooks_are_what_the_script_writes(path, tmp_path):
    """`make colab` would change nothing: badge and cell are current with REPOSITORY (a fork re-runs it)."""
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    assert colab.add_colab_cells(copy) is False, f"run `make colab` (python -m gan_course.colab) on {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_markdown_picture_is_fetched_from_the_web(path):
    """Opened offline (CI, the website from disk), a page logs a console error for every picture it cannot
    fetch, and the browser tests fail on console errors: pictures in markdown are attachments or local files."""
    import re

    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    remote = re.findall(r"!\[[^\]]*\]\((https?:[^)]*)\)|<img[^>]*src=[\"'](https?:[^\"']*)", text)
    assert remote == []
