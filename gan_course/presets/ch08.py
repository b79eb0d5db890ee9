"""Chapter 08 (StyleGAN2): digits at 16x16 on tiny, Fashion-MNIST padded to 32x32 on small and full.

The race against chapter 07 reuses chapter 07's preset of the same name (its StyleGAN and training
recipe), trained for StyleGAN2's wall-clock time.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..models.stylegan import StyleGANConfig
from ..models.stylegan2 import StyleGAN2Config
from ..training import TrainConfig
from . import ch07


@dataclass(frozen=True)
class StyleGAN2Preset:
    dataset: str                  # "digits" on tiny (always offline), else "fashion-mnist"
    fit: str                      # "resize" (digits 8 -> 16) or "pad" (28 -> 32)
    limit: int | None             # use the first n training images (None: all)
    model: StyleGAN2Config
    train: TrainConfig            # non-saturating + lazy R1 (every 16) + lazy path length (every 4), EMA of G
    fid_every: int                # FID during training every k steps
    n_fid: int                    # generated (and real test) images per FID
    n_ppl: int                    # latent pairs per perceptual path length
    timing_steps: int             # steps of the short runs that time the regularisers (lazy vs every step)
    timing_rounds: int            # interleaved rounds of those runs (the median is reported)
    n_project: int                # real test images projected into W and W+
    project_steps: int            # Adam steps per projection
    project_lr: float
    feature_weight: float         # weight of the classifier-feature distance in the projection loss
    n_bench: int                  # repetitions of the modulated-conv micro-benchmark (the median is reported)
    stylegan: StyleGANConfig      # chapter 07's StyleGAN at the same resolution ...
    stylegan_train: TrainConfig   # ... and its recipe (steps open-ended: the time budget ends the run)


def _stylegan2(dataset, fit, img_size, z_dim, fmap_base, fmap_max, steps, batch_size, lr, ema_decay, fid_every,
               n_fid, n_ppl, timing_steps, timing_rounds, n_project, project_steps, n_bench, size_name,
               mapping_layers=8):
    model = StyleGAN2Config(img_size=img_size, img_channels=1, z_dim=z_dim, w_dim=z_dim, mapping_layers=mapping_layers,
                            fmap_base=fmap_base, fmap_max=fmap_max, style_mixing_prob=0.9)
    train = TrainConfig(
        steps=steps, batch_size=batch_size,                   # a multiple of D's minibatch-stddev group (4)
        loss="nonsaturating",
        # R1: the authors' heuristic gamma = 0.0002 * res^2 / batch is ~0.01 at 32^2 (their 10 is ~1000x too strong)
        r1_gamma=0.01, r1_every=16,
        pl_weight=2.0, pl_every=4, pl_decay=0.01,             # the paper's path-length settings
        lr_g=lr, lr_d=lr, betas=(0.0, 0.99),                  # Adam as the paper; the loop scales both by k/(k+1)
        ema_decay=ema_decay, snapshot_every=max(1, steps // 4), n_snapshot=16)
    seven = ch07.PRESETS[size_name]
    return StyleGAN2Preset(
        dataset=dataset, fit=fit, limit=None, model=model, train=train, fid_every=fid_every, n_fid=n_fid,
        n_ppl=n_ppl, timing_steps=timing_steps, timing_rounds=timing_rounds, n_project=n_project,
        project_steps=project_steps, project_lr=0.05,
        feature_weight=1.0, n_bench=n_bench, stylegan=seven.model,
        stylegan_train=dataclasses.replace(seven.train, steps=10**7))


PRESETS = {
    "tiny": _stylegan2("digits", "resize", img_size=16, z_dim=32, fmap_base=64, fmap_max=16, steps=16,
                       batch_size=16, lr=2e-3, ema_decay=0.9, fid_every=8, n_fid=256, n_ppl=32, timing_steps=4,
                       timing_rounds=1, n_project=4, project_steps=30, n_bench=5, size_name="tiny",
                       mapping_layers=2),
    "small": _stylegan2("fashion-mnist", "pad", img_size=32, z_dim=128, fmap_base=256, fmap_max=64, steps=400,
                        batch_size=16, lr=2e-3, ema_decay=0.99, fid_every=100, n_fid=1000, n_ppl=300,
                        timing_steps=16, timing_rounds=3, n_project=8, project_steps=200, n_bench=11,
                        size_name="small"),
    "full": _stylegan2("fashion-mnist", "pad", img_size=32, z_dim=256, fmap_base=4096, fmap_max=256, steps=20000,
                       batch_size=32, lr=2e-3, ema_decay=0.999, fid_every=2000, n_fid=5000, n_ppl=5000,
                       timing_steps=64, timing_rounds=3, n_project=16, project_steps=1000, n_bench=21,
                       size_name="full"),
}
