"""pyproject.toml and environment.yml must declare the same dependencies, as ranges."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"pytorch": "torch"}  # conda-forge names that differ from PyPI's


def _split(spec: str) -> tuple[str, str]:
    name, version = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec).groups()
    return name.lower().replace("_", "-"), version.replace(" ", "")


def pyproject_deps() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return dict(_split(s) for s in specs)


def conda_deps() -> dict[str, str]:
    deps = {}
    text = (ROOT / "environment.yml").read_text().split("\ndependencies:\n", 1)[1]
    for line in text.splitlines():
        m = re.match(r"^  - ([^:#]+?)\s*$", line)  # top-level conda entries only (not the pip: list)
        if m:
            name, version = _split(m.group(1))
            deps[CONDA_NAMES.get(name, name)] = version
    deps.pop("python", None)
    deps.pop("pip", None)
    return deps


def test_environment_yml_matches_pyproject():
    assert conda_deps() == pyproject_deps()


def test_dependencies_are_ranges_not_pins():
    for name, version in pyproject_deps().items():
        assert "==" not in version, f"{name} is pinned exactly ({version}); declare a range"
        assert version.startswith(">="), f"{name} has no lower bound"
