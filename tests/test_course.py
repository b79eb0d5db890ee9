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


# --- make seeds, --device, make gpu-check (issue 22, must-shows 2 and 3) ----------------------------------------------
def seed_notebook(path, fails_for_seed):
    """A notebook whose assert fails for one seed: what a seed-fragile assert looks like in the table."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('preset = "auto"\ndevice = "auto"\nseed = 0')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(f"print(preset, device, seed)\nassert seed != {fails_for_seed}, "
                                                  f"'unlucky seed'")]
    nbformat.write(nb, path)


def test_seeds_runs_every_notebook_with_every_seed_and_fails_on_any_failure(tmp_path, capsys):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    seed_notebook(folder / "01_a.ipynb", fails_for_seed=1)
    seed_notebook(folder / "02_b.ipynb", fails_for_seed=99)
    rc = course.main(["--seeds", "0", "1", "--jobs", "2", "--device", "cpu", "--notebooks", str(folder),
                      "--out", str(tmp_path / "build")])
    out = capsys.readouterr().out
    assert rc == 1
    assert "| notebook | seed 0 | seed 1 |" in out
    assert "| 01_a | ok | FAIL |" in out and "| 02_b | ok | ok |" in out
    assert "- 01_a, seed 1: FAIL AssertionError: unlucky seed" in out
    executed = nbformat.read(tmp_path / "build" / "seeds" / "seed1" / "02_b.ipynb", as_version=4)
    assert "tiny cpu 1" in executed.cells[-1].outputs[0]["text"]  # preset, device and seed were injected


def test_seeds_table_is_all_ok_when_nothing_fails():
    results = {("01_a", 0): (1.0, "ok"), ("01_a", 3): (1.0, "ok")}
    assert course.seeds_table(results, ["01_a"], [0, 3]) == "| notebook | seed 0 | seed 3 |\n|---|---|---|\n| 01_a | ok | ok |"


def test_device_cuda_without_a_gpu_is_a_clear_message_not_a_crash(tmp_path, capsys, monkeypatch):
    import torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    folder = tmp_path / "notebooks"
    folder.mkdir()
    seed_notebook(folder / "01_a.ipynb", fails_for_seed=99)
    rc = course.main(["--preset", "tiny", "--device", "cuda", "--notebooks", str(folder), "--out", str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert rc == 2 and "error: --device cuda: device='cuda' was asked for, but this PyTorch sees no CUDA GPU" in err
    assert not (tmp_path / "b").exists()  # nothing ran
    rc = course.main(["--gpu-check", "--notebooks", str(folder), "--out", str(tmp_path / "b")])
    assert rc == 2 and "gpu-check needs a CUDA GPU, and this PyTorch sees none" in capsys.readouterr().err


def test_gpu_check_times_the_full_presets_through_the_shared_loop(monkeypatch):
    # The timing half of gpu-check, on the CPU for one cheap chapter: `steps` steps of each full-preset run.
    rows = course.time_full_presets(3, "cpu", ["02_conditional_gan"])
    assert [r["run"] for r in rows] == ["digits (concat D)", "digits (projection D)", "fashion"]
    assert all(r["status"] == "ok" and r["s_per_step"] > 0 and r["batch"] == 128 for r in rows)


def test_bad_jobs_and_steps_are_refused(capsys):
    import pytest
    for flag in ("--jobs", "--steps"):
        with pytest.raises(SystemExit):
            course.main([flag, "0"])
        assert f"{flag} must be an int >= 1, got 0" in capsys.readouterr().err
