"""A notebook that loads its stored runs prints what the notebook that trained them printed.

For two chapters: execute the notebook on tiny with pretrained="record" (every run trains through the shared
loop and is stored in a temporary shelf; the notebook goes on with what was stored), then again with
pretrained="auto" (every run is loaded instead of trained), and compare every number each cell printed.
Only the shelf's own lines (recorded / loaded) and lines that time work outside the training runs differ.
"""
import os
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NUMBER = re.compile(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?")
SHELF_LINE = re.compile(r"^(recorded|loaded) stored run|^pretrained=|^training here:|^[\w ]+: the `\w+` budget")
# Lines that time work done outside the training runs in this very execution (a loaded run's training time is
# the recorded one, so lines built from run.seconds are compared): chapter 10's "N samples in X s".
OWN_TIMING = re.compile(r"\d+ samples in \d+(\.\d+)? s\b")


def execute(name: str, pretrained: str, shelf: Path, out: Path) -> nbformat.NotebookNode:
    import papermill

    env = {"GAN_COURSE_RUNS": str(shelf), "GAN_COURSE_PRESET": "tiny", "GAN_COURSE_PROGRESS": "0"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        papermill.execute_notebook(str(NOTEBOOKS / name), str(out), parameters={"pretrained": pretrained},
                                   cwd=str(NOTEBOOKS), progress_bar=False, kernel_name="python3")
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return nbformat.read(out, as_version=4)


def printed(nb) -> list[tuple[int, str]]:
    """(cell, line) for every line a code cell printed, without the shelf's lines."""
    rows = []
    for i, cell in enumerate(nb.cells):
        # a cell's streams joined first: the kernel may split one print over two outputs
        text = "".join(str(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        text += "\n".join(str(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])
                          if o.get("output_type") != "stream")
        rows += [(i, line) for line in text.splitlines() if line.strip() and not SHELF_LINE.match(line)]
    return rows


@pytest.mark.parametrize("name", ["04_dcgan.ipynb", "09_srgan.ipynb"])
def test_loaded_runs_print_the_recorded_numbers(name, tmp_path):
    recorded = execute(name, "record", tmp_path / "runs", tmp_path / "recorded.ipynb")
    loaded = execute(name, "auto", tmp_path / "runs", tmp_path / "loaded.ipynb")
    shelf_lines = [line for nb in (recorded, loaded) for cell in nb.cells for o in cell.get("outputs", [])
                   for line in str(o.get("text", "")).splitlines() if SHELF_LINE.match(line)]
    n_recorded = sum(line.startswith("recorded stored run") for line in shelf_lines)
    assert n_recorded >= 1 and sum(line.startswith("loaded stored run") for line in shelf_lines) == n_recorded
    assert not any(line.startswith("training here") for line in shelf_lines), shelf_lines
    a, b = printed(recorded), printed(loaded)
    assert [i for i, _ in a] == [i for i, _ in b], "the two executions printed different lines"
    compared = 0
    for (i, line_a), (_, line_b) in zip(a, b):
        if OWN_TIMING.search(line_a):
            continue
        assert NUMBER.findall(line_a) == NUMBER.findall(line_b), f"cell {i}:\n  recorded: {line_a}\n  loaded:   {line_b}"
        compared += len(NUMBER.findall(line_a))
    assert compared > 20  # the notebook printed numbers, and they were compared
