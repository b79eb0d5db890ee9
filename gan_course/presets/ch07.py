"""Chapter 07 (StyleGAN): digits at 16x16 on tiny, Fashion-MNIST padded to 32x32 on small and full.

The comparison runs reuse chapter 05's presets of the same name: its ProGAN (grown by its schedule) and
the chapter 04 DCGAN it was raced against, each trained for StyleGAN's wall-clock time.

How `small` was chosen (measured on this 2-core CPU, one thread, under load from other work; process CPU
time per setting, FID of G_ema on 2,000 samples against 1,000 test images, course classifier features).
Every setting keeps the paper's ingredients: mapping network (lr x 0.01), AdaIN, constant input, noise,
style mixing p = 0.9, R1 on the reals, EMA of G. Channels min(64, 256 / r): 64, 32, 16, 8 at 4..32 px.

- Where the time goes (profile of a step, batch 64): the convolutions (55 %, most of it at 32x32, where
  the maps are large although only 8 channels wide) and instance norm's variance (9 %). The mapping
  network costs little: 8 layers instead of 2 made a step of 16 5 % slower (142 vs 135 ms). R1 at every
  D step cost a third: lazy R1 every 16 steps (StyleGAN2's, same penalty on average) 142 -> 106 ms.
  Wider networks cost more than they can win back in minutes: fmap_base 512 / fmap_max 128 took 13 ms
  per image against 5 ms.
- Equal CPU time (90 s each, lazy R1): the learning rate was the lever. Batch 32: lr 2e-3 FID 38.6,
  3e-3 23.7, 5e-3 16.4, 8e-3 17.8. Batch 16 (more, cheaper steps): lr 3e-3 17.8, lr 5e-3 12.4 (800
  steps; with the paper's 8 mapping layers). The old preset (240 steps of 16 at 1e-3, R1 every step)
  reached FID 26.8 and then rose; its samples were blobs. R1 gamma 0.05 instead of 1 changed nothing
  (38.7 vs 39.9 at batch 64); the mapping network at lr x 0.1 instead of 0.01 did not help at 5e-3
  (18.0 vs 16.4); style mixing p 0.5 with lr x 0.1 helped a little at 2e-3 (33.4 vs 38.6) and was not
  kept: p = 0.9 is the paper's, and style mixing is what the chapter shows.
- So `small`: batch 16, lr 5e-3 for G and D, 8 mapping layers at lr x 0.01, R1 gamma 1 every 16 steps,
  EMA 0.99, 1,280 steps (about 150 s of CPU time: with the race, which trains ProGAN and DCGAN for as
  long again each, the notebook stays near 10 minutes on an idle 2-core CPU). `full` (GPU, not run) keeps the
  paper's lr 1e-3 with lazy R1.
- Two runs of the notebook on `small` (the race at equal wall-clock time; FID on 1,000 samples):
  seed 0 (load 3-4, 286 s budget): StyleGAN 7.63, ProGAN 11.32, DCGAN 6.33;
  seed 1 (load ~2, 145 s budget): StyleGAN 13.09, ProGAN 11.98, DCGAN 10.62.
  DCGAN (its cheap steps of 64 images see 3x as many images) came first both times; StyleGAN and ProGAN
  swapped places. StyleGAN alone (1,280 steps either way) scored 7.6 and 13.1: the seed moves its FID a lot.
- `play` (small only, issue 23): the main run that ships with the course, the same recipe for 6,400 steps
  (5 x 1,280; snapshots every 1,600, FID every 800). Measured: 110 ms of CPU time per step (96 steps,
  one thread, `nice`, load 3.4-3.7 from other work), so about 12 CPU-minutes; with the race at `small`'s
  budget (a StyleGAN of 1,280 steps, ProGAN and DCGAN for as long) `make checkpoints` spends about 20
  CPU-minutes on the chapter.
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
    # The main run's `play` budget (small only): the same recipe for more steps, trained once by `make checkpoints`
    # and shipped; `pretrained=False` trains `train` instead. The race keeps `train`'s budget (see the notebook).
    play_train: TrainConfig | None = None
    play_fid_every: int | None = None   # FID every k steps of the play run (8 points on its curve)


def _stylegan(dataset, fit, img_size, z_dim, fmap_base, fmap_max, steps, batch_size, lr, ema_decay, fid_every,
              n_fid, n_ppl, n_noise, size_name, limit=None, mapping_layers=8, mapping_lr_mul=0.01, r1_every=1,
              ema_start=0, play_steps=None):
    model = StyleGANConfig(img_size=img_size, img_channels=1, z_dim=z_dim, w_dim=z_dim, mapping_layers=mapping_layers,
                           mapping_lr_mul=mapping_lr_mul, fmap_base=fmap_base, fmap_max=fmap_max, style_mixing_prob=0.9)
    train = TrainConfig(
        steps=steps, batch_size=batch_size,                 # a multiple of D's minibatch-stddev group (4)
        loss="nonsaturating", r1_gamma=1.0, r1_every=r1_every,  # R1 on the reals' raw logits (lazy: every k D steps)
        lr_g=lr, lr_d=lr, betas=(0.0, 0.99),                # ProGAN's Adam, as the paper kept it
        ema_decay=ema_decay, ema_start=ema_start, snapshot_every=max(1, steps // 4),
        n_snapshot=8)  # 8 images per snapshot: no cell looks at them, and stored runs carry them
    play = None if play_steps is None else dataclasses.replace(train, steps=play_steps,
                                                                snapshot_every=max(1, play_steps // 4))
    five = ch05.PRESETS[size_name]
    return StyleGANPreset(
        dataset=dataset, fit=fit, limit=limit, model=model, train=train, fid_every=fid_every, n_fid=n_fid,
        n_ppl=n_ppl, n_noise=n_noise, psis=(0.0, 0.25, 0.5, 0.75, 1.0),
        progan=five.model, growth=five.growth, progan_train=dataclasses.replace(five.train, steps=10**7),
        dcgan=five.dcgan, dcgan_train=five.dcgan_train,
        play_train=play, play_fid_every=None if play_steps is None else play_steps // 8)


PRESETS = {
    "tiny": _stylegan("digits", "resize", img_size=16, z_dim=32, fmap_base=64, fmap_max=16, steps=16,
                      batch_size=16, lr=2e-3, ema_decay=0.9, fid_every=8, n_fid=256, n_ppl=64, n_noise=8,
                      size_name="tiny", ema_start=8),   # 16 x (1 - 0.9) = 1.6 < 5: G_ema = G for the first half
    "small": _stylegan("fashion-mnist", "pad", img_size=32, z_dim=128, fmap_base=256, fmap_max=64, steps=1280,
                       batch_size=16, lr=5e-3, ema_decay=0.99, fid_every=320, n_fid=1000, n_ppl=500, n_noise=16,
                       size_name="small", r1_every=16, play_steps=6400),
    "full": _stylegan("fashion-mnist", "pad", img_size=32, z_dim=256, fmap_base=4096, fmap_max=256, steps=20000,
                      batch_size=32, lr=1e-3, ema_decay=0.999, fid_every=2000, n_fid=5000, n_ppl=5000, n_noise=32,
                      size_name="full", r1_every=16),
}
