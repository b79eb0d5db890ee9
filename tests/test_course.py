"""The teacher's command: executed copies with the chapter's title, no frozen progress bars."""
import nbformat

from gan_course import course


def tiny_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('preset = "auto"\ndevice = "auto"\nseed = 0')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Chapter 99 — A test chapter\n\nSome text."), params,
                nbformat.v4.new_code_cell(
                    "import os, torch\nfrom gan_course import training, models\n"
                    "print(preset, os.environ.get('GAN_COURSE_PROGRESS'))\n"
                    "G, D = models.build('mlp', sample_shape=(2,), hidden=8, n_layers=1)\n"
                    "training.train_gan(G, D, torch.randn(64, 2), training.TrainConfig(steps=3, batch_size=16))")]
    nbformat.write(nb, path)


def test_run_chapter_titles_the_html_and_keeps_no_progress_bars(tmp_path):
    src = tmp_path / "99_test.ipynb"
    tiny_notebook(src)
    seconds = course.run_chapter(src, tmp_path / "out", "tiny")
    assert seconds > 0
    html = (tmp_path / "out" / "99_test.html").read_text()
    assert "<title>Chapter 99 — A test chapter</title>" in html
    executed = nbformat.read(tmp_path / "out" / "99_test.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "tiny 0" in text  # the parameter was injected and the kernel saw GAN_COURSE_PROGRESS=0
    views = [o for c in executed.cells for o in c.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert views == [] and "training:" not in text  # no progress bar, as widget or as text


def test_notebook_title_falls_back():
    nb = nbformat.v4.new_notebook()
    assert course.notebook_title(nb) == "GAN Course"


def test_busy_table_layout():
    rows = [dict(chapter="01_a", setting="torch default", threads=2, busy=b, seconds=s, status="ok")
            for b, s in ((0, 30.0), (1, 300.0))]
    rows += [dict(chapter="01_a", setting="course default", threads=1, busy=b, seconds=s, status="ok")
             for b, s in ((0, 31.0), (1, 40.0))]
    table = course.busy_table(rows).splitlines()
    assert table[0] == ("| chapter | torch default (2 thr.), idle | torch default (2 thr.), busy | "
                        "course default (1 thr.), idle | course default (1 thr.), busy |")
    assert table[2] == "| 01_a | 30.0 | 300.0 | 31.0 | 40.0 |"
