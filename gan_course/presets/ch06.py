"""Chapter 06 (BigGAN): digits at 16 px on tiny, Fashion-MNIST padded to 32x32 on small and full.

The training recipe is the paper's (Brock et al., arXiv:1809.11096, appendix C) where a CPU can
afford it: hinge loss, 2 D steps per G step, Adam with beta1 = 0 and beta2 = 0.999, orthogonal
regularisation beta = 1e-4, an EMA of G's weights. Two settings change for runs of a few thousand
steps instead of ~100,000: the learning rates (the paper's 5e-5 for G is too slow here; both get
2e-4, the authors' CIFAR setting) and the EMA decay (0.9999 averages over ~10,000 steps, longer
than the whole run; 0.999 or less here). As in the authors' code (`ema_start`), G_ema is G itself
until `ema_start` (tiny and full), so no FID scores an average still made mostly of the initial weights:
full's G_ema at its first FID (step 1,000) is G, and 0.999^4000 = 2 % of it remains at step 5,000.

`small` also has a `play` budget (`play_train`, issue 23): the main run that `make checkpoints` trains once and
the course ships, `small`'s training config with more steps and nothing else changed. Of the step-based
schedules only the snapshots' moves (`snapshot_every=0`: a fixed-noise snapshot every `steps // 8` steps);
`ema_start` is 0 and `lr_decay_start` 1.0, so no decay. A snapshot samples G_ema in eval mode on its own fixed
noise and BigGAN's sampling draws no random numbers, so it touches neither the weights nor the random stream:
the play run's first `ablation_steps` steps are those of `small`'s main run, and the spectral-norm ablation
compares the same arms on either budget.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..models.biggan import BigGANConfig
from ..training import TrainConfig
from .play import check_play_train

THRESHOLDS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0)  # the truncation curve's t, low (faithful) to high (varied)


@dataclass(frozen=True)
class BigGANPreset:
    dataset: str                 # "digits" on tiny (offline, 16x16), else "fashion-mnist" padded to 32x32
    fit: str                     # how images reach img_size: "resize" (digits' 8x8), "pad" (Fashion-MNIST's 28x28)
    limit: int | None            # use the first n training images (None: all)
    model: BigGANConfig          # img_size also sets the size the data are loaded at
    train: TrainConfig           # the main run (spectral norm in D)
    ablation_steps: int          # G steps of each run of the SN-in-D ablation (on: the main run's first steps; off)
    fid_every: int               # FID of G_ema during training every k G steps (a divisor of ablation_steps)
    n_fid: int                   # generated (and real test) images per FID during training
    n_per_class: int             # generated images per class for the final class accuracy, FID and precision/recall
    standing_batches: int        # batches of noise for G_ema's standing BN statistics (biggan.standing_stats) ...
    standing_batch_size: int     # ... of this many samples each
    thresholds: tuple[float, ...] = THRESHOLDS
    play_train: TrainConfig | None = None  # small only: the shipped main run (`play` budget): `train` with more steps

    def __post_init__(self):
        if not 0 < self.ablation_steps <= self.train.steps or self.ablation_steps % self.fid_every:
            raise ValueError(f"ablation_steps={self.ablation_steps} must be at most the main run's {self.train.steps} "
                             f"steps (its SN arm is the main run's first steps) and a multiple of fid_every="
                             f"{self.fid_every} (both arms need an FID at its last step)")
        check_play_train(self.play_train, self.train, self.train.steps,
                         f"train.steps={self.train.steps} (a longer budget)")


def _biggan(dataset, img_size, z_dim, shared_dim, g_width, d_width, attention, steps, batch_size, ema_decay,
            ablation_steps, fid_every, n_fid, n_per_class, standing, limit=None, ema_start=0, play_steps=None):
    train = TrainConfig(steps=steps, batch_size=batch_size, loss="hinge", n_critic=2, lr_g=2e-4, lr_d=2e-4,
                        betas=(0.0, 0.999), ortho_beta=1e-4, ema_decay=ema_decay, ema_start=ema_start,
                        n_snapshot=10)  # one sample per class: the notebook shows none, and a stored run keeps them
    return BigGANPreset(
        dataset=dataset, fit="resize" if dataset == "digits" else "pad", limit=limit,
        model=BigGANConfig(img_size=img_size, img_channels=1, num_classes=10, z_dim=z_dim, shared_dim=shared_dim,
                           g_width=g_width, d_width=d_width, attention=attention),
        train=train, ablation_steps=ablation_steps, fid_every=fid_every, n_fid=n_fid, n_per_class=n_per_class,
        standing_batches=standing[0], standing_batch_size=standing[1],
        play_train=None if play_steps is None else dataclasses.replace(train, steps=play_steps))


PRESETS = {
    "tiny": _biggan("digits", img_size=16, z_dim=24, shared_dim=16, g_width=16, d_width=16, attention=8, steps=30,
                    batch_size=16, ema_decay=0.8, ablation_steps=15, fid_every=15, n_fid=200, n_per_class=20,
                    standing=(4, 32), ema_start=15),
    "small": _biggan("fashion-mnist", img_size=32, z_dim=64, shared_dim=64, g_width=32, d_width=16, attention=16,
                     steps=1200, batch_size=32, ema_decay=0.99, ablation_steps=300, fid_every=150, n_fid=1000,
                     n_per_class=100, standing=(16, 64),
                     # play: ~12 CPU-minutes on one thread: ~281 ms of CPU per G step (2 D steps) and an FID per
                     # 150 steps ~1.5 s (measured with nice at load ~4)
                     play_steps=2400),
    "full": _biggan("fashion-mnist", img_size=32, z_dim=128, shared_dim=128, g_width=128, d_width=128, attention=16,
                    steps=20000, batch_size=64, ema_decay=0.999, ablation_steps=5000, fid_every=1000, n_fid=5000,
                    n_per_class=1000, standing=(64, 128), ema_start=1000),
}
