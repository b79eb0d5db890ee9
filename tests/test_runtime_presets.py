import pytest
import torch

import gan_course
from gan_course import presets, runtime


def test_device_names():
    assert runtime.get_device("cpu") == torch.device("cpu")
    assert runtime.get_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(ValueError, match="valid: auto, cpu, cuda, mps"):
        runtime.get_device("gpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_a_clear_error():
    with pytest.raises(RuntimeError, match="sees no CUDA GPU"):
        runtime.get_device("cuda")


def test_seeding_repeats_numbers():
    runtime.seed_everything(7)
    a = torch.randn(3)
    runtime.seed_everything(7)
    assert torch.equal(a, torch.randn(3))
    with pytest.raises(ValueError):
        runtime.seed_everything(-1)


def test_preset_resolution(monkeypatch):
    monkeypatch.delenv(presets.ENV_VAR, raising=False)
    assert presets.resolve_preset("auto") == ("full" if torch.cuda.is_available() else "small")
    monkeypatch.setenv(presets.ENV_VAR, "tiny")
    assert presets.resolve_preset("auto") == "tiny"
    assert presets.resolve_preset("small") == "small"  # an explicit name wins over the environment
    monkeypatch.setenv(presets.ENV_VAR, "huge")
    with pytest.raises(ValueError, match=r"'huge' \(from \$GAN_COURSE_PRESET\); valid: auto, tiny, small, full"):
        presets.resolve_preset("auto")
    with pytest.raises(ValueError, match="unknown chapter"):
        presets.get_preset("99_nope", "tiny")


def test_every_chapter_has_every_preset():
    for chapter, by_name in presets.PRESETS.items():
        assert set(by_name) == set(presets.PRESET_NAMES), chapter


def test_version_guard():
    gan_course.require_version(".".join(gan_course.__version__.split(".")[:2]))
    with pytest.raises(RuntimeError, match="make lab"):
        gan_course.require_version("9.9")


# --- CPU threads: a deliberate, shared choice (runtime.setup) ----------------------------------------------
def test_default_threads_is_half_the_cores():
    assert [runtime.default_threads(c) for c in (1, 2, 3, 4, 8, 16, 64)] == [1, 1, 1, 2, 4, 8, 8]


def test_threads_from_argument_environment_or_default(monkeypatch):
    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)
    assert runtime.resolve_threads("auto") == runtime.default_threads()
    assert runtime.resolve_threads(3) == 3
    monkeypatch.setenv(runtime.THREADS_ENV, "2")
    assert runtime.resolve_threads("auto") == 2
    assert runtime.resolve_threads(1) == 1  # an explicit number wins over the environment
    monkeypatch.setenv(runtime.THREADS_ENV, "many")
    with pytest.raises(ValueError, match=r"threads must be 'auto' or an int >= 1, got 'many' \(from \$GAN_COURSE_THREADS\)"):
        runtime.resolve_threads("auto")
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="threads must be"):
            runtime.resolve_threads(bad)


def test_setup_sets_device_seed_and_threads(monkeypatch):
    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)
    before = torch.get_num_threads()
    try:
        dev = runtime.setup("cpu", seed=5, threads=1)
        a = torch.randn(2)
        assert dev == torch.device("cpu") and torch.get_num_threads() == 1
        runtime.setup("cpu", seed=5, threads=1)
        assert torch.equal(a, torch.randn(2))
        assert "CPU threads: 1" in runtime.describe(dev)
    finally:
        torch.set_num_threads(before)


def test_every_notebook_uses_the_shared_setup():
    """Thread use is decided in one place: no notebook sets threads itself."""
    import nbformat
    from pathlib import Path

    for path in sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert "runtime.setup(device, seed)" in code, path.name
        assert "set_num_threads" not in code, path.name
