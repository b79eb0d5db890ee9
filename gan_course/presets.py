"""Named run sizes for every chapter: "tiny" (CI, seconds), "small" (laptop CPU, minutes), "full" (GPU).

Each chapter has one preset dataclass; `get_preset("01_vanilla_gan", "small")` returns it. The
name is resolved by `resolve_preset`: a notebook's `preset = "auto"` parameter becomes the value
of $GAN_COURSE_PRESET when that is set (so nbval, which cannot inject parameters, runs "tiny"),
else "full" on a CUDA GPU and "small" otherwise. An explicit name always wins.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch

from .models.mlp import MLPConfig
from .training import TrainConfig

PRESET_NAMES = ("tiny", "small", "full")
ENV_VAR = "GAN_COURSE_PRESET"


def resolve_preset(name: str = "auto") -> str:
    """"auto" -> $GAN_COURSE_PRESET, else "full" with a CUDA GPU, else "small"."""
    if name == "auto":
        name = os.environ.get(ENV_VAR, "").strip() or ("full" if torch.cuda.is_available() else "small")
        source = f"${ENV_VAR}" if os.environ.get(ENV_VAR, "").strip() else "hardware"
    else:
        source = "argument"
    if name not in PRESET_NAMES:
        raise ValueError(f"unknown preset {name!r} (from {source}); valid: auto, {', '.join(PRESET_NAMES)}")
    return name


# --- Chapter 01: vanilla GAN -------------------------------------------------------------------
@dataclass(frozen=True)
class VanillaGANPreset:
    toy_model: MLPConfig          # G and D for the 2D ring
    toy_train: TrainConfig
    collapse_model: MLPConfig     # a setting that collapses: bigger nets, 16-D noise ...
    collapse_train: TrainConfig   # ... and a smaller learning rate, same loop and loss
    digits_size: int              # digits are 8x8 originally; resized for the image section
    digits_model: MLPConfig
    digits_train: TrainConfig
    fashion_model: MLPConfig
    fashion_train: TrainConfig | None   # None: the Fashion-MNIST section is left to larger presets
    fashion_limit: int | None     # use the first n training images (None: all 60,000)
    n_eval: int                   # generated samples per metric


def _vanilla(toy_steps, digit_steps, fashion_steps, fashion_limit, n_eval):
    toy = TrainConfig(steps=toy_steps, batch_size=512, loss="nonsaturating", lr_g=3e-4, lr_d=3e-4)
    digits = TrainConfig(steps=digit_steps, batch_size=64, loss="nonsaturating", lr_g=2e-4, lr_d=2e-4)
    fashion = None if fashion_steps == 0 else TrainConfig(
        steps=fashion_steps, batch_size=128, loss="nonsaturating", lr_g=2e-4, lr_d=2e-4)
    return VanillaGANPreset(
        toy_model=MLPConfig(sample_shape=(2,), z_dim=2, hidden=128, n_layers=2), toy_train=toy,
        collapse_model=MLPConfig(sample_shape=(2,), z_dim=16, hidden=256, n_layers=3),
        collapse_train=TrainConfig(steps=toy_steps, batch_size=256, loss="nonsaturating", lr_g=1e-4, lr_d=1e-4),
        digits_size=16,
        digits_model=MLPConfig(sample_shape=(1, 16, 16), z_dim=32, hidden=512, n_layers=2),
        digits_train=digits,
        fashion_model=MLPConfig(sample_shape=(1, 28, 28), z_dim=64, hidden=512, n_layers=3),
        fashion_train=fashion, fashion_limit=fashion_limit, n_eval=n_eval)


PRESETS: dict[str, dict[str, Any]] = {
    "01_vanilla_gan": {
        "tiny": _vanilla(toy_steps=1000, digit_steps=150, fashion_steps=0,
                         fashion_limit=None, n_eval=1000),
        "small": _vanilla(toy_steps=6000, digit_steps=6000, fashion_steps=3000,
                          fashion_limit=None, n_eval=2500),
        "full": _vanilla(toy_steps=20000, digit_steps=20000, fashion_steps=20000,
                         fashion_limit=None, n_eval=10000),
    },
}


def get_preset(chapter: str, name: str = "auto"):
    """The preset dataclass of `chapter` for run size `name` (see `resolve_preset`)."""
    if chapter not in PRESETS:
        raise ValueError(f"unknown chapter {chapter!r}; valid: {', '.join(PRESETS)}")
    return PRESETS[chapter][resolve_preset(name)]
