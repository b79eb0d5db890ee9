"""Every tensor a notebook makes is created on the learner's device (`dev`), so no chapter crashes on a GPU.

A torch constructor in a notebook's code (randn, zeros, tensor, from_numpy, ...) creates a CPU tensor unless
it is given `device=` or moved at once with `.to(...)`; mixed with a model on CUDA or MPS that is the crash
of ERRATA items 6-8. A line that really means the CPU (a histogram for numpy, a seed generator) says so with
a trailing comment `# cpu: <reason>`; that comment is the allow-list, and its reason is read by a human.
"""
import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CONSTRUCTORS = {"randn", "rand", "zeros", "ones", "arange", "tensor", "linspace", "logspace", "randint", "randperm",
                "full", "empty", "eye", "normal", "from_numpy", "as_tensor", "bernoulli", "multinomial"}
ALLOWED = re.compile(r"#\s*cpu:\s*\S")


def _code(cell) -> str:
    # IPython magics and shell lines are not Python: blank them, keeping the line numbers.
    lines = "".join(cell["source"]).splitlines()
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def _constructor(node) -> str | None:
    """'randn' for torch.randn(...) (or for an alias such as th.randn), else None."""
    f = node.func
    if isinstance(f, ast.Attribute) and f.attr in CONSTRUCTORS and isinstance(f.value, ast.Name) and f.value.id == "torch":
        return f.attr
    return None


def cpu_tensors(source: str) -> list[tuple[int, str]]:
    """(line, call) of every torch constructor without device= and without an immediate .to(...)."""
    tree = ast.parse(source)
    moved = set()  # calls whose result is .to(...)'d at once
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("to", "cuda")
                and isinstance(node.func.value, ast.Call)):
            moved.add(id(node.func.value))
    lines = source.splitlines()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in moved:
            continue
        name = _constructor(node)
        if name is None or any(k.arg == "device" for k in node.keywords):
            continue
        if ALLOWED.search(lines[node.end_lineno - 1]) or ALLOWED.search(lines[node.lineno - 1]):
            continue
        found.append((node.lineno, f"torch.{name}(...)"))
    return found


def test_the_checker_finds_cpu_tensors_and_accepts_device_and_to():
    assert cpu_tensors("z = torch.randn(4, 8)") == [(1, "torch.randn(...)")]
    assert cpu_tensors("z = torch.randn(4, 8, device=dev)") == []
    assert cpu_tensors("z = torch.randn(4, 8).to(dev)") == []
    assert cpu_tensors("w = G.mapping(torch.randn(4, 8)).to(dev)") == [(1, "torch.randn(...)")]  # ERRATA 8
    assert cpu_tensors("x = torch.from_numpy(a)  # cpu: a numpy histogram") == []
    assert cpu_tensors("x = torch.zeros(3)  # cpu:") == [(1, "torch.zeros(...)")]  # a reason is required
    assert cpu_tensors("y = torch.zeros_like(x)") == []  # *_like follows its argument's device


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_tensor_a_notebook_makes_is_on_dev(path):
    cells = json.loads(path.read_text())["cells"]
    problems = [f"cell {i} line {line}: {call} has no device= and no .to(...) (mark a line that means the CPU "
                f"with '# cpu: <reason>')"
                for i, cell in enumerate(cells) if cell["cell_type"] == "code"
                for line, call in cpu_tensors(_code(cell))]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
