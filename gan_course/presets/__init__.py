"""Named run sizes for every chapter: "tiny" (CI, seconds), "small" (laptop CPU, minutes), "full" (GPU).

Each chapter has one module here with one preset dataclass and its three sizes;
`get_preset("01_vanilla_gan", "small")` returns one. The name is resolved by `resolve_preset`: a
notebook's `preset = "auto"` parameter becomes the value of $GAN_COURSE_PRESET when that is set (so
nbval, which cannot inject parameters, runs "tiny"), else "full" on a CUDA GPU and "small" otherwise.
An explicit name always wins.
"""
from __future__ import annotations

import copy
import os

import torch

from . import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09, ch10
from .ch01 import VanillaGANPreset
from .ch02 import ConditionalGANPreset
from .ch03 import WassersteinPreset
from .ch04 import DCGANPreset
from .ch05 import ProGANPreset
from .ch06 import BigGANPreset
from .ch07 import StyleGANPreset
from .ch08 import StyleGAN2Preset
from .ch09 import SRGANPreset
from .ch10 import VQVAEPreset

PRESET_NAMES = ("tiny", "small", "full")
ENV_VAR = "GAN_COURSE_PRESET"

# chapter (the notebook's name) -> {"tiny": ..., "small": ..., "full": ...}; an explicit table, so an
# editor can jump from a chapter's name to its presets.
PRESETS = {
    "01_vanilla_gan": ch01.PRESETS,
    "02_conditional_gan": ch02.PRESETS,
    "03_wasserstein_gan": ch03.PRESETS,
    "04_dcgan": ch04.PRESETS,
    "05_progan": ch05.PRESETS,
    "06_biggan": ch06.PRESETS,
    "07_stylegan": ch07.PRESETS,
    "08_stylegan2": ch08.PRESETS,
    "09_srgan": ch09.PRESETS,
    "10_vqvae": ch10.PRESETS,
}


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


def get_preset(chapter: str, name: str = "auto"):
    """The preset dataclass of `chapter` for run size `name` (see `resolve_preset`): a copy, so editing it
    (`P.train.steps = 10`) changes this notebook's run only, never a later `get_preset` call."""
    if chapter not in PRESETS:
        raise ValueError(f"unknown chapter {chapter!r}; valid: {', '.join(PRESETS)}")
    return copy.deepcopy(PRESETS[chapter][resolve_preset(name)])


__all__ = ["BigGANPreset", "ConditionalGANPreset", "DCGANPreset", "ENV_VAR", "PRESETS", "PRESET_NAMES",
           "ProGANPreset", "SRGANPreset", "StyleGANPreset", "StyleGAN2Preset", "VanillaGANPreset", "VQVAEPreset",
           "WassersteinPreset", "get_preset", "resolve_preset"]
