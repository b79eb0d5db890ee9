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
