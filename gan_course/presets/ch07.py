"""Chapter 07 (StyleGAN): digits at 16x16 on tiny, Fashion-MNIST padded to 32x32 on small and full.

The comparison runs reuse chapter 05's presets of the same name: its ProGAN (grown by its schedule) and
the chapter 04 DCGAN it was raced against, each trained for StyleGAN's wall-clock time.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..models.dcgan import DCGANConfig
from ..models.progan import GrowthSchedule, ProGANConfig
from ..models.stylegan import StyleGANConfig
from ..training import TrainConfig
from . import ch05


@dataclass(frozen=True)
class StyleGANPreset:
    dataset: str                  # "digits" on tiny (always offline), else "fashion-mnist"
    fit: str                      # how images reach model.img_size: "resize" (digits 8 -> 16) or "pad" (28 -> 32)
    limit: int | None             # use the first n training images (None: all)
    model: StyleGANConfig
    train: TrainConfig            # non-saturating loss + R1 on the reals, Adam (0, 0.99), EMA of G
    fid_every: int                # FID during training every k steps
    n_fid: int                    # generated (and real test) images per FID (training curve, truncation curve)
    n_ppl: int                    # latent pairs per perceptual path length
    n_noise: int                  # noise draws for the per-pixel standard deviation map
    psis: tuple                   # truncation strengths for the FID / diversity curve (0 ... 1)
    progan: ProGANConfig          # chapter 05's ProGAN at the same resolution ...
    growth: GrowthSchedule        # ... with its growth schedule
    progan_train: TrainConfig     # (steps: open-ended, the time budget ends the run)
    dcgan: DCGANConfig            # chapter 04's DCGAN at the same resolution
    dcgan_train: TrainConfig


def _stylegan(dataset, fit, img_size, z_dim, fmap_base, fmap_max, steps, batch_size, lr, ema_decay, fid_every,
              n_fid, n_ppl, n_noise, size_name, limit=None):
    model = StyleGANConfig(img_size=img_size, img_channels=1, z_dim=z_dim, w_dim=z_dim, mapping_layers=8,
                           fmap_base=fmap_base, fmap_max=fmap_max, style_mixing_prob=0.9)
    train = TrainConfig(
        steps=steps, batch_size=batch_size,                 # a multiple of D's minibatch-stddev group (4)
        loss="nonsaturating", r1_gamma=1.0, r1_every=1,     # the paper's recipe: R1 on the reals' raw logits
        lr_g=lr, lr_d=lr, betas=(0.0, 0.99),                # ProGAN's Adam, as the paper kept it
        ema_decay=ema_decay, snapshot_every=max(1, steps // 4), n_snapshot=16)
    five = ch05.PRESETS[size_name]
    return StyleGANPreset(
        dataset=dataset, fit=fit, limit=limit, model=model, train=train, fid_every=fid_every, n_fid=n_fid,
        n_ppl=n_ppl, n_noise=n_noise, psis=(0.0, 0.25, 0.5, 0.75, 1.0),
        progan=five.model, growth=five.growth, progan_train=dataclasses.replace(five.train, steps=10**7),
        dcgan=five.dcgan, dcgan_train=five.dcgan_train)


PRESETS = {
    "tiny": _stylegan("digits", "resize", img_size=16, z_dim=32, fmap_base=64, fmap_max=16, steps=16,
                      batch_size=16, lr=2e-3, ema_decay=0.9, fid_every=8, n_fid=256, n_ppl=64, n_noise=8,
                      size_name="tiny"),
    "small": _stylegan("fashion-mnist", "pad", img_size=32, z_dim=128, fmap_base=256, fmap_max=64, steps=240,
                       batch_size=16, lr=1e-3, ema_decay=0.99, fid_every=60, n_fid=1000, n_ppl=500, n_noise=16,
                       size_name="small"),
    "full": _stylegan("fashion-mnist", "pad", img_size=32, z_dim=256, fmap_base=4096, fmap_max=256, steps=20000,
                      batch_size=32, lr=1e-3, ema_decay=0.999, fid_every=2000, n_fid=5000, n_ppl=5000, n_noise=32,
                      size_name="full"),
}
