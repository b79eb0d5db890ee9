"""Chapter 02 (conditional GAN): concat vs projection D on digits, Fashion-MNIST on the larger presets."""
from __future__ import annotations

from dataclasses import dataclass

from ..models.conditional import ConditionalConfig
from ..training import TrainConfig


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
    # n_snapshot=8: no cell of chapter 02 looks at the runs' snapshots, and a stored run (issue 23) carries them
    # (9 x 64 images: 0.3 MB per digits run, 0.9 MB for Fashion in float16); they use their own noise, so
    # training is unchanged
    train = lambda steps: TrainConfig(steps=steps, batch_size=batch_size, loss="nonsaturating", lr_g=2e-4,
                                      lr_d=2e-4, n_snapshot=8)
    return ConditionalGANPreset(
        digits_size=16,
        digits_model=ConditionalConfig(sample_shape=(1, 16, 16), z_dim=32, num_classes=10, embed_dim=16,
                                       hidden=256, n_layers=3),
        digits_train=train(digit_steps),
        fashion_model=None if not fashion_steps else ConditionalConfig(
            sample_shape=(1, 28, 28), z_dim=64, num_classes=10, embed_dim=16, hidden=512, n_layers=3),
        fashion_train=None if not fashion_steps else train(fashion_steps),
        fashion_limit=fashion_limit, n_per_class=n_per_class)


PRESETS = {
    "tiny": _conditional(digit_steps=300, fashion_steps=0, n_per_class=50, batch_size=64),
    "small": _conditional(digit_steps=3000, fashion_steps=4000, n_per_class=200),
    "full": _conditional(digit_steps=10000, fashion_steps=30000, n_per_class=1000),
}
