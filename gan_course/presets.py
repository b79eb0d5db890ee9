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

from .models.conditional import ConditionalConfig
from .models.dcgan import DCGANConfig
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


# --- Chapter 04: DCGAN ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DCGANPreset:
    dataset: str                  # "digits" on tiny (always offline, 16x16), else "fashion-mnist"
    limit: int | None             # use the first n training images (None: all)
    model: DCGANConfig            # img_size here also sets the size the data are loaded at
    train: TrainConfig
    fid_every: int                # FID during training every k generator steps
    n_fid: int                    # generated (and real test) images per FID during training
    n_eval: int                   # generated images for the final FID
    throughput_steps: int         # training steps per timing run ...
    throughput_runs: int          # ... and how many runs (the median is reported)
    n_fit: int                    # samples for the principal latent directions


def _dcgan(dataset, img_size, width, steps, batch_size, fid_every, n_fid, n_eval, z_dim=100,
           throughput=(10, 3), n_fit=1000, limit=None):
    return DCGANPreset(
        dataset=dataset, limit=limit,
        model=DCGANConfig(img_size=img_size, img_channels=1, z_dim=z_dim, ngf=width, ndf=width),
        # the paper's optimiser: Adam, lr 2e-4, beta1 = 0.5 (TrainConfig's default betas)
        train=TrainConfig(steps=steps, batch_size=batch_size, loss="nonsaturating", lr_g=2e-4, lr_d=2e-4),
        fid_every=fid_every, n_fid=n_fid, n_eval=n_eval, throughput_steps=throughput[0],
        throughput_runs=throughput[1], n_fit=n_fit)


PRESETS["04_dcgan"] = {
    "tiny": _dcgan("digits", img_size=16, width=16, steps=100, batch_size=32, fid_every=25, n_fid=360,
                   n_eval=360, z_dim=32, throughput=(5, 3), n_fit=256),
    "small": _dcgan("fashion-mnist", img_size=28, width=32, steps=3000, batch_size=64, fid_every=300,
                    n_fid=2000, n_eval=10000, throughput=(10, 5)),
    "full": _dcgan("fashion-mnist", img_size=64, width=64, steps=15000, batch_size=128, fid_every=500,
                   n_fid=5000, n_eval=10000, throughput=(50, 5), n_fit=2000),  # the paper's 64x64 layout
}


# --- Chapter 02: conditional GAN -----------------------------------------------------------------
@dataclass(frozen=True)
class ConditionalGANPreset:
    digits_size: int                        # digits are 8x8 scans, resized to this
    digits_model: ConditionalConfig         # `discriminator` is set per run: concat vs projection, same budget
    digits_train: TrainConfig
    fashion_model: ConditionalConfig | None  # None: the Fashion-MNIST section is left to larger presets
    fashion_train: TrainConfig | None
    fashion_limit: int | None               # use the first n training images (None: all 60,000)
    n_per_class: int                        # generated samples per class for class accuracy and FID


def _conditional(digit_steps, fashion_steps, n_per_class, batch_size=128, fashion_limit=None):
    train = lambda steps: TrainConfig(steps=steps, batch_size=batch_size, loss="nonsaturating", lr_g=2e-4,
                                      lr_d=2e-4)
    return ConditionalGANPreset(
        digits_size=16,
        digits_model=ConditionalConfig(sample_shape=(1, 16, 16), z_dim=32, num_classes=10, embed_dim=16,
                                       hidden=256, n_layers=3),
        digits_train=train(digit_steps),
        fashion_model=None if not fashion_steps else ConditionalConfig(
            sample_shape=(1, 28, 28), z_dim=64, num_classes=10, embed_dim=16, hidden=512, n_layers=3),
        fashion_train=None if not fashion_steps else train(fashion_steps),
        fashion_limit=fashion_limit, n_per_class=n_per_class)


PRESETS["02_conditional_gan"] = {
    "tiny": _conditional(digit_steps=100, fashion_steps=0, n_per_class=50, batch_size=64),
    "small": _conditional(digit_steps=3000, fashion_steps=4000, n_per_class=200),
    "full": _conditional(digit_steps=10000, fashion_steps=30000, n_per_class=1000),
}


def get_preset(chapter: str, name: str = "auto"):
    """The preset dataclass of `chapter` for run size `name` (see `resolve_preset`)."""
    if chapter not in PRESETS:
        raise ValueError(f"unknown chapter {chapter!r}; valid: {', '.join(PRESETS)}")
    return PRESETS[chapter][resolve_preset(name)]


# --- Chapter 03: WGAN and WGAN-GP ----------------------------------------------------------------
@dataclass(frozen=True)
class WassersteinPreset:
    toy_model: MLPConfig                      # ONE G/D size for every recipe in the comparison
    toy_methods: dict[str, TrainConfig]       # vanilla (NS), WGAN (clipping), WGAN-GP: same G-step budget
    seeds: tuple[int, ...]                    # comparison seeds, offset by the notebook's seed: mean ± std
    track_every: int                          # log mode coverage during training every k G steps
    n_eval: int                               # generated points per mode-coverage score
    shift_train: dict[str, TrainConfig]       # 1D demo: D vs critic against a frozen shifted uniform
    capacity_train: dict[str, TrainConfig]    # critic-only (lr_g = 0): weight clipping vs gradient penalty
    digits_size: int                          # digits are resized to digits_size x digits_size
    digits_model: MLPConfig
    digits_train: TrainConfig                 # WGAN-GP with the paper's settings
    fid_every: int                            # FID on held-out digits every k G steps (W estimate vs quality)
    fashion_model: MLPConfig
    fashion_train: TrainConfig | None         # None: Fashion-MNIST is left to the full preset
    fashion_limit: int | None                 # first n training images (None: all 60,000)


def _wgan_recipes(steps: int, batch_size: int, lr: float) -> dict[str, TrainConfig]:
    """The three recipes of the comparison, each with its paper's optimiser and n_critic.

    On the 2D toys every recipe gets the same learning rate `lr`, larger than the papers' image
    settings (5e-5 WGAN, 1e-4 WGAN-GP, 2e-4 DCGAN), which would need many times the steps; the
    optimisers are the papers': Adam(0.5, 0.999) for the vanilla GAN (DCGAN), RMSprop for the
    clipped WGAN, Adam(0, 0.9) for WGAN-GP.
    """
    common = dict(steps=steps, batch_size=batch_size, lr_g=lr, lr_d=lr)
    return {
        "vanilla (NS)": TrainConfig(loss="nonsaturating", n_critic=1, **common),
        "WGAN (clip)": TrainConfig(loss="wasserstein", n_critic=5, clip=0.01, optimizer="rmsprop", **common),
        "WGAN-GP": TrainConfig(loss="wasserstein", n_critic=5, gp_lambda=10.0, betas=(0.0, 0.9), **common),
    }


def _wasserstein(toy_steps, toy_bs, seeds, n_eval, demo_steps, digit_steps, fid_every, fashion_steps,
                 fashion_limit=None):
    # Demos train only D: lr_g = 0 freezes the generator (the loop still runs unchanged).
    demo = dict(steps=demo_steps, batch_size=256, n_critic=5, lr_g=0.0)
    gp_paper = dict(loss="wasserstein", n_critic=5, gp_lambda=10.0, lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9))  # Gulrajani et al.
    return WassersteinPreset(
        toy_model=MLPConfig(sample_shape=(2,), z_dim=16, hidden=128, n_layers=3),
        toy_methods=_wgan_recipes(toy_steps, toy_bs, lr=1e-3), seeds=seeds,
        track_every=max(1, toy_steps // 10), n_eval=n_eval,
        shift_train={
            "JS: discriminator (minimax)": TrainConfig(loss="minimax", lr_d=1e-3, **demo),
            "W1: critic (WGAN-GP)": TrainConfig(loss="wasserstein", gp_lambda=10.0, betas=(0.0, 0.9), lr_d=1e-3, **demo),
        },
        capacity_train={
            "weight clipping": TrainConfig(loss="wasserstein", clip=0.01, optimizer="rmsprop", lr_d=5e-4, **demo),
            "gradient penalty": TrainConfig(loss="wasserstein", gp_lambda=10.0, betas=(0.0, 0.9), lr_d=5e-4, **demo),
        },
        digits_size=16,
        digits_model=MLPConfig(sample_shape=(1, 16, 16), z_dim=32, hidden=256, n_layers=2),
        digits_train=TrainConfig(steps=digit_steps, batch_size=64, **gp_paper),
        fid_every=fid_every,
        fashion_model=MLPConfig(sample_shape=(1, 28, 28), z_dim=64, hidden=512, n_layers=3),
        fashion_train=None if fashion_steps == 0 else TrainConfig(steps=fashion_steps, batch_size=64, **gp_paper),
        fashion_limit=fashion_limit)


PRESETS["03_wasserstein_gan"] = {
    "tiny": _wasserstein(toy_steps=60, toy_bs=64, seeds=(0,), n_eval=1000, demo_steps=40, digit_steps=30,
                         fid_every=10, fashion_steps=0),
    # small: 2,000 G steps is where WGAN-GP starts to cover the ring on a CPU; at 1,200 no recipe did (measured)
    "small": _wasserstein(toy_steps=2000, toy_bs=256, seeds=(0, 1, 2), n_eval=2500, demo_steps=200,
                          digit_steps=2000, fid_every=250, fashion_steps=0),
    "full": _wasserstein(toy_steps=10000, toy_bs=256, seeds=(0, 1, 2, 3, 4), n_eval=10000, demo_steps=2000,
                         digit_steps=20000, fid_every=1000, fashion_steps=20000),
}
