"""gan_course.metrics and gan_course.data as packages (issue 22, must-show 8): packaged, re-exported, short."""
import ast
import importlib
import pkgutil
import tomllib
from pathlib import Path

import pytest

from gan_course import data, metrics

ROOT = Path(__file__).resolve().parent.parent


def test_package_discovery_includes_the_subpackages():
    setuptools = pytest.importorskip("setuptools")
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {"gan_course.metrics", "gan_course.data"} <= set(setuptools.find_packages(str(ROOT), include=include))


@pytest.mark.parametrize("package", [metrics, data], ids=["metrics", "data"])
def test_every_public_name_is_re_exported_and_each_module_is_short(package):
    assert package.__all__ and all(hasattr(package, name) for name in package.__all__)
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        source = Path(module.__file__).read_text()
        assert len(source.splitlines()) <= 200, f"{info.name}.py has grown past 200 lines: split it by theme"
        public = {n.name for n in ast.parse(source).body
                  if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")}
        assert public <= set(dir(package)), f"{info.name}.py: {sorted(public - set(dir(package)))} not re-exported"
        # imports run one way: a submodule never imports its own package's __init__
        assert f"from {package.__name__} import" not in source and "from . import" not in source
