"""Every preset builds and trains (issue 22, must-show 4): for each chapter's tiny, small and full preset, every
model the notebook builds from it (ablation arms, race entrants, SRResNet + SRGAN, VQ-VAE + prior + VQ-GAN) is
built at the preset's full size and makes one training step on the CPU at batch 4, through the shared training
code (`preset_runs.preset_arms`, re-exported as `course.preset_arms`, which `make gpu-check` times on a GPU).
Shape errors at sizes nobody runs on a CPU show up here. Also: each preset's EMA horizon lets G_ema forget its initial weights."""
import dataclasses
import math

import pytest

from gan_course import course
from gan_course.presets import PRESET_NAMES, PRESETS, get_preset
from gan_course.training import TrainConfig

BATCH = 4  # a multiple of the minibatch-stddev group (4) of ProGAN's, StyleGAN's and StyleGAN2's D
PRESET_IDS = [(chapter, name) for chapter in PRESETS for name in PRESET_NAMES]
_seen: dict[str, str] = {}  # arm key -> the arm that already trained it (a race entrant is another chapter's run)


def test_thirty_presets():
    assert len(PRESET_IDS) == 30


@pytest.mark.parametrize("chapter, name", PRESET_IDS, ids=[f"{c}-{n}" for c, n in PRESET_IDS])
def test_every_model_of_the_preset_makes_one_training_step(chapter, name):
    arms = course.preset_arms(chapter, name)
    assert arms, f"{chapter}/{name}: no training runs found"
    for arm in arms:
        if arm.key and arm.key in _seen:
            continue  # exactly these models and this training config ran already (e.g. 07's ProGAN = 05's)
        run = arm.train(1, BATCH, "cpu")
        assert run.step == 1, arm.name
        assert run.history.logs and all(math.isfinite(v[-1]) for v in run.history.logs.values()), arm.name
        if arm.key:
            _seen[arm.key] = f"{chapter}/{name}/{arm.name}"


def train_configs(obj, path=""):
    """(path, TrainConfig) for every training config inside a preset (dicts of recipes included)."""
    if isinstance(obj, TrainConfig):
        yield path, obj
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            yield from train_configs(getattr(obj, f.name), f"{path}.{f.name}")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from train_configs(v, f"{path}[{k!r}]")


@pytest.mark.parametrize("chapter, name", PRESET_IDS, ids=[f"{c}-{n}" for c, n in PRESET_IDS])
def test_ema_horizon(chapter, name):
    """G_ema = decay^t x (its start) + ...: after t steps the start still weighs decay^t ~ exp(-t (1 - decay)).
    Either the run is long enough, steps x (1 - decay) >= 5 (under 0.7 % left), or G_ema starts from a trained
    G (ema_start > 0: G_ema = G until then, as BigGAN's code does)."""
    bad = [f"{path}: steps {cfg.steps} x (1 - {cfg.ema_decay}) = {cfg.steps * (1 - cfg.ema_decay):.2f} < 5 and no "
           f"ema_start" for path, cfg in train_configs(get_preset(chapter, name))
           if cfg.ema_decay > 0 and cfg.steps * (1 - cfg.ema_decay) < 5 and cfg.ema_start == 0]
    assert not bad, "\n".join(bad)
