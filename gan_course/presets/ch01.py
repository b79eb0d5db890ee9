"""Chapter 01 (vanilla GAN): the ring, the collapsing setting, digits and Fashion-MNIST at three sizes."""
from __future__ import annotations

from dataclasses import dataclass

from ..models.mlp import MLPConfig
from ..training import TrainConfig


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


PRESETS = {
    "tiny": _vanilla(toy_steps=1000, digit_steps=150, fashion_steps=0, fashion_limit=None, n_eval=1000),
    "small": _vanilla(toy_steps=6000, digit_steps=6000, fashion_steps=3000, fashion_limit=None, n_eval=2500),
    "full": _vanilla(toy_steps=20000, digit_steps=20000, fashion_steps=20000, fashion_limit=None, n_eval=10000),
}
