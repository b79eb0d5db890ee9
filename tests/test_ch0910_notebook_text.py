"""ERRATA 5: a notebook's JSON must not hold control characters in its text. A LaTeX command written in a
non-raw Python string loses its backslash: "\times" becomes a TAB + "imes", "\frac" a form feed + "rac"."""
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\t]")  # every C0/C1 control but the newline; tabs too


def control_characters(text: str) -> list[str]:
    return [repr(text[max(0, m.start() - 15):m.end() + 15]) for m in CONTROL.finditer(text)]


def test_the_check_finds_what_a_lost_backslash_leaves():
    assert control_characters("$10^{-3} \times x$") and control_characters("$\frac12$") and control_characters("\bar c")
    assert not control_characters("$10^{-3} \\times x$\nnext line")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_control_characters_in_a_notebooks_markdown(path):
    cells = json.loads(path.read_text())["cells"]
    found = [f"cell {i}: {snippet}" for i, cell in enumerate(cells) if cell["cell_type"] == "markdown"
             for snippet in control_characters("".join(cell["source"]))]
    assert not found, f"{path.name}:\n" + "\n".join(found)


def test_chapter_09_does_not_claim_a_torchvision_weight_or_random_lpips_features():
    """Review of 09: SRGAN section 3.2's ~0.006 is on the paper's (Caffe) VGG, not torchvision's; the LPIPS
    study (arXiv:1801.03924, figure 1) puts random networks with the pixel measures, not above them."""
    cells = json.loads((NOTEBOOKS[0].parent / "09_srgan.ipynb").read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    flat = " ".join(text.split())
    for wrong in ("160 times", "0.006$ on torchvision", "untrained networks' features track", "21 minutes measured"):
        assert wrong not in flat, wrong
    assert "not given" in flat and "comparable size" in flat  # the weight is chosen from the printed terms
    assert "rounds the SR output" in flat and "PIL's" in flat   # the scoring protocol of metrics.sr_scores
