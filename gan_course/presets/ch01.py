"""Chapter 01 (vanilla GAN): the ring, mode collapse against a frozen D, digits and Fashion-MNIST at three sizes."""
from __future__ import annotations

from dataclasses import dataclass

from ..models.mlp import MLPConfig
from ..training import TrainConfig


@dataclass(frozen=True)
class VanillaGANPreset:
    toy_model: MLPConfig          # G and D for the 2D ring
    toy_train: TrainConfig
    collapse_model: MLPConfig     # section 4's nets: section 3's trained G and D (the toy model) ...
    collapse_train: TrainConfig   # ... trained on with D frozen (lr_d = 0): G's best response to a fixed D
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
    # n_snapshot=8: no cell looks at the Fashion run's snapshots, and the stored run (issue 23) carries them
    # (9 x 64 images of 28 x 28 would be 0.9 MB in float16); snapshots use their own noise, training is unchanged
    fashion = None if fashion_steps == 0 else TrainConfig(
        steps=fashion_steps, batch_size=128, loss="nonsaturating", lr_g=2e-4, lr_d=2e-4, n_snapshot=8)
    return VanillaGANPreset(
        toy_model=MLPConfig(sample_shape=(2,), z_dim=2, hidden=128, n_layers=2), toy_train=toy,
        collapse_model=MLPConfig(sample_shape=(2,), z_dim=2, hidden=128, n_layers=2),  # = toy_model
        # Only G learns (lr_d = 0: Adam's steps on D are exactly zero), with a large lr_g so that a few hundred
        # steps show where G's samples go against a fixed D; the same on every preset, since it is the maths'
        # consequence, not a training outcome, that the notebook shows.
        collapse_train=TrainConfig(steps=500, batch_size=512, loss="nonsaturating", lr_g=1e-2, lr_d=0.0),
        digits_size=16,
        digits_model=MLPConfig(sample_shape=(1, 16, 16), z_dim=32, hidden=512, n_layers=2),
        digits_train=digits,
        fashion_model=MLPConfig(sample_shape=(1, 28, 28), z_dim=64, hidden=512, n_layers=3),
        fashion_train=fashion, fashion_limit=fashion_limit, n_eval=n_eval)


PRESETS = {
    "tiny": _vanilla(toy_steps=1000, digit_steps=150, fashion_steps=0, fashion_limit=None, n_eval=1000),
    "small": _vanilla(toy_steps=6000, digit_steps=6000, fashion_steps=3000, fashion_limit=None, n_eval=2500),
    "full": _vanilla(toy_steps=20000, digit_steps=20000, fashion_steps=20000, fashion_limit=None, n_eval=10000),
}
