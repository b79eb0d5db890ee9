"""The website builder's parts, without building a site (tests/browser/test_site_browser.py builds one):
the index page from the chapters' introductions, the offline check, the static-view count, the command line."""
import base64
import re

import nbformat
import pytest

from gan_course import course
from gan_course.site import __main__ as cli
from gan_course.site import assets, build, offline
from gan_course.widgets.static import CLASS

CHAPTERS = course.chapters(course.ROOT / "notebooks")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_each_chapter_has_a_title_and_says_what_it_teaches(path):
    title, summary = build.chapter_summary(nbformat.read(path, as_version=4))
    assert title.startswith(f"Chapter {path.name[:2]} — ")
    assert "\n1. " in summary and "\n2. " in summary  # the numbered list of what it teaches
    assert "Run times" not in summary                # run times are for running the notebook, not for the site
    assert "![" not in summary and "attachment:" not in summary  # the Colab badge stays on the chapter's page


def test_the_index_links_every_chapter_in_order_with_its_summary(tmp_path):
    page = build.index_page(CHAPTERS, "tiny")
    assert "`tiny` preset" in page
    links = [line for line in page.splitlines() if line.startswith("## [")]
    assert [line.split("](")[1].rstrip(")") for line in links] == [p.name for p in CHAPTERS]
    toctree = page.split("```{toctree}")[1].split("```")[0]
    assert [line for line in toctree.splitlines() if line and not line.startswith(":")] == [p.stem for p in CHAPTERS]
    first_summary = build.chapter_summary(nbformat.read(CHAPTERS[0], as_version=4))[1]
    assert first_summary in page


def test_a_notebook_without_a_title_is_a_clear_error():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Some text, no heading")])
    with pytest.raises(ValueError, match="must open with a markdown cell whose first line is its '# ' title"):
        build.chapter_summary(nb)


PAGE = """<html><head>
<script src="_static/local.js"></script>
<script src="https://cdn.example.org/lib.js"></script>
<link rel="stylesheet" href="//fonts.example.org/css">
<link rel="stylesheet" href="_static/theme.css">
<script>var url = "https://not-loaded.example.org/in-a-string";</script>
<style>@import url("https://fonts.example.org/x.css"); .a {background: url(data:image/png;base64,AAAA)}</style>
</head><body><a href="https://example.org/a-link">a link is not a load</a><img src="_images/a.png"></body></html>"""


def test_the_offline_check_finds_external_scripts_links_and_css_imports_only():
    found = offline.page_references(PAGE)
    assert found == ["<script src='https://cdn.example.org/lib.js'>", "<link href='//fonts.example.org/css'>",
                     "CSS https://fonts.example.org/x.css"]


def test_the_offline_check_reads_every_page_and_stylesheet(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text("<script src='a.js'></script>")
    (tmp_path / "sub" / "page.html").write_text(PAGE)
    (tmp_path / "theme.css").write_text("/* url(https://in-a-comment.org) */ @font-face {src: url('http://x.org/f.woff')}")
    problems = offline.external_references(tmp_path)
    assert problems == ["sub/page.html: <script src='https://cdn.example.org/lib.js'>",
                        "sub/page.html: <link href='//fonts.example.org/css'>",
                        "sub/page.html: CSS https://fonts.example.org/x.css",
                        "theme.css: CSS http://x.org/f.woff"]
    with pytest.raises(ValueError, match="must be a built website's folder"):
        offline.external_references(tmp_path / "missing")


def test_npm_tarball_names():
    assert assets.tarball_name("mathjax@3.2.2") == "mathjax-3.2.2.tgz"
    assert assets.tarball_name("@jupyter-widgets/html-manager@1.0.15") == "jupyter-widgets-html-manager-1.0.15.tgz"


def test_static_views_are_counted_from_the_saved_widget_state():
    def model(name, **state):
        return {"model_name": name, "state": state}

    state = {"view": model("VBoxModel", _dom_classes=[CLASS], children=["IPY_MODEL_title", "IPY_MODEL_outer"]),
             "title": model("HTMLModel", value="<b>Truncation &amp; mixing</b><div>a note</div>"),
             "outer": model("StackModel", children=["IPY_MODEL_a", "IPY_MODEL_b"]),
             "a": model("StackModel", children=["IPY_MODEL_i1", "IPY_MODEL_i2"]),
             "b": model("StackModel", children=["IPY_MODEL_i3", "IPY_MODEL_i4"]),
             **{f"i{k}": model("ImageModel") for k in range(1, 5)},
             "live": model("VBoxModel", _dom_classes=[], children=["IPY_MODEL_i1"])}  # a live view: not counted
    view = {"application/vnd.jupyter.widget-view+json": {"model_id": "view"}, "text/plain": "VBox()"}
    cell = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", data=view)])
    nb = nbformat.v4.new_notebook(cells=[cell], metadata={"widgets": {build.WIDGET_STATE: {"state": state}}})
    assert build.static_views(nb) == [("Truncation & mixing", 4)]
    assert build.static_views(nbformat.v4.new_notebook()) == []


@pytest.mark.parametrize("args, message", [
    (["--preset", "auto"], "--preset must be tiny, small or full, got 'auto'"),
    (["--preset", "huge"], "--preset: unknown preset 'huge'"),
    (["--preset", "tiny", "--only", "99"], "no chapter notebooks in .* numbered 99"),
])
def test_the_command_line_refuses_bad_arguments(capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_no_execute_without_executed_notebooks_says_so(tmp_path, capsys):
    code = cli.main(["--preset", "tiny", "--only", "01", "--no-execute", "--work", str(tmp_path),
                     "--out", str(tmp_path / "site")])
    assert code == 1
    assert "no executed notebook for 01_vanilla_gan.ipynb" in capsys.readouterr().err


def test_the_index_says_where_the_trained_models_came_from(tmp_path):
    def executed(name, *lines):  # a notebook whose cells printed the shelf's lines (course.shelf_counts reads them)
        out = nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n")
        path = tmp_path / name
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[out])]), path)
        return path

    shipped = [executed("01.ipynb", "loaded stored run a"), executed("02.ipynb", "loaded stored run b")]
    assert build.models_note(shipped) == ", with the trained models that ship with the course"
    mixed = shipped + [executed("03.ipynb", "training here: c")]
    assert build.models_note(mixed) == " (2 training runs loaded from the models that ship with the course, 1 trained for it)"
    assert build.models_note([executed("04.ipynb", "nothing stored")]) == ""
    assert "`small` preset, with the trained models" in build.index_page(CHAPTERS[:1], "small", build.models_note(shipped))


def test_without_npm_the_build_says_how_to_get_the_javascript(tmp_path, monkeypatch):
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"needs npm for it: install Node.js and npm .*apt-get install npm"):
        assets.fetch("mathjax@3.2.2", tmp_path)
    unpacked = tmp_path / "mathjax-3.2.2" / "package"  # an unpacked package already there needs no npm
    unpacked.mkdir(parents=True)
    (unpacked / "package.json").write_text("{}")
    assert assets.fetch("mathjax@3.2.2", tmp_path) == unpacked


def test_attachments_become_files_the_page_links_to(tmp_path):
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    cell = nbformat.v4.new_markdown_cell("# T\n\n[![Open In Colab](attachment:badge.svg)](https://colab.example)",
                                        attachments={"badge.svg": {"image/svg+xml": base64.b64encode(svg).decode()}})
    nb = build.attachments_to_files(nbformat.v4.new_notebook(cells=[cell]), tmp_path / "_attachments", "01_x")
    assert nb.cells[0].source.endswith("[![Open In Colab](_attachments/01_x-0-badge.svg)](https://colab.example)")
    assert (tmp_path / "_attachments" / "01_x-0-badge.svg").read_bytes() == svg and "attachments" not in nb.cells[0]
