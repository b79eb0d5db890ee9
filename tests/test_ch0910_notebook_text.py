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
