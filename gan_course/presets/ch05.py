"""Chapter 05 (ProGAN): digits grown 4 -> 8 -> 16 on tiny, Fashion-MNIST padded to 32x32 (4 -> 32) on small and full.

`small` also has a `play` budget (`play_train`, issue 23): the main run that `make checkpoints` trains once and
the course ships. It is `small`'s training config with more steps and nothing else changed: the same growth
schedule (4 -> 32 in `growth.total_steps` steps), after which training goes on at 32x32 with alpha = 1, as the
schedule does after its last phase (`GrowthSchedule.stage_and_alpha`). Its first `growth.total_steps` steps are
`small`'s whole run, so the race against DCGAN (at ProGAN's training time to the end of its growth) and the
ablation (at `small`'s budget) compare the same things on either budget.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..models.dcgan import DCGANConfig
from ..models.progan import GrowthSchedule, ProGANConfig
from ..training import TrainConfig
from . import ch04
from .play import check_play_train


@dataclass(frozen=True)
class ProGANPreset:
    dataset: str                  # "digits" on tiny (always offline), else "fashion-mnist"
    fit: str                      # how images reach model.img_size: "resize" (digits 8 -> 16) or "pad" (28 -> 32)
    limit: int | None             # use the first n training images (None: all)
    model: ProGANConfig           # img_size is the final resolution and the size the data are loaded at
    growth: GrowthSchedule        # steps per stabilise and per fade phase
    train: TrainConfig            # the paper's WGAN-GP recipe; steps = growth.total_steps
    fid_every: int                # FID during training every k steps (= one phase: once per phase)
    n_fid: int                    # generated (and real test) images per FID during training
    n_eval: int                   # generated images for the final FID and the ablation table
    dcgan: DCGANConfig            # chapter 04's DCGAN at the same resolution, for FID against wall time
    dcgan_train: TrainConfig      # chapter 04's recipe; the run stops at ProGAN's training time
    dcgan_fid_every: int          # ... evaluating FID about as often (in seconds) as the ProGAN run
    play_train: TrainConfig | None = None  # small only: the shipped main run (`play` budget): `train` with more steps

    def __post_init__(self):
        if self.growth.total_steps % self.fid_every:
            raise ValueError(f"fid_every={self.fid_every} must divide the growth schedule's {self.growth.total_steps} "
                             f"steps: the race against DCGAN needs ProGAN's FID at the step it is fully grown")
        check_play_train(self.play_train, self.train, self.growth.total_steps,
                         f"the growth schedule's {self.growth.total_steps} steps (the play budget trains on at the "
                         f"final resolution)")


def _progan(dataset, fit, img_size, z_dim, fmap_base, fmap_max, phase_steps, batch_size, ema_decay, fid_every,
            n_fid, n_eval, dcgan_preset, dcgan_fid_every, limit=None, play_steps=None):
    model = ProGANConfig(img_size=img_size, img_channels=1, z_dim=z_dim, fmap_base=fmap_base, fmap_max=fmap_max)
    growth = GrowthSchedule(stabilise_steps=phase_steps, fade_steps=phase_steps, n_stages=model.n_stages)
    train = TrainConfig(
        steps=growth.total_steps, batch_size=batch_size,              # a multiple of the stddev group (4)
        loss="wasserstein", gp_lambda=10.0, drift=0.001, n_critic=1,  # WGAN-GP + drift, one D step per G step
        lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.99),                      # the paper's Adam
        ema_decay=ema_decay,            # the paper's 0.999 averages over ~1000 steps: longer than our phases;
                                        # tiny's 0.85 over 40 steps leaves 0.85^40 = 0.2 % of the initial G
        snapshot_every=phase_steps, n_snapshot=9)   # a 3x3 snapshot at the end of every phase (stored with a run)
    dcgan = ch04.PRESETS[dcgan_preset]
    return ProGANPreset(
        dataset=dataset, fit=fit, limit=limit, model=model, growth=growth, train=train, fid_every=fid_every,
        n_fid=n_fid, n_eval=n_eval, dcgan=dataclasses.replace(dcgan.model, img_size=img_size),
        dcgan_train=dataclasses.replace(dcgan.train, steps=10**7), dcgan_fid_every=dcgan_fid_every,
        play_train=None if play_steps is None else dataclasses.replace(train, steps=play_steps))


PRESETS = {
    "tiny": _progan("digits", "resize", img_size=16, z_dim=32, fmap_base=128, fmap_max=32, phase_steps=8,
                    batch_size=16, ema_decay=0.85, fid_every=8, n_fid=360, n_eval=360, dcgan_preset="tiny",
                    dcgan_fid_every=20),
    "small": _progan("fashion-mnist", "pad", img_size=32, z_dim=128, fmap_base=256, fmap_max=64, phase_steps=160,
                     batch_size=16, ema_decay=0.98, fid_every=160, n_fid=1000, n_eval=5000, dcgan_preset="small",
                     dcgan_fid_every=100,
                     # play: ~12 CPU-minutes on one thread: the 1,120 growing steps ~1.5 min, then ~116 ms of CPU
                     # per step at 32x32, and 2 FIDs per 160 steps ~1.6 s (measured with nice at load ~4)
                     play_steps=5920),
    "full": _progan("fashion-mnist", "pad", img_size=32, z_dim=256, fmap_base=4096, fmap_max=256, phase_steps=4000,
                    batch_size=32, ema_decay=0.999, fid_every=2000, n_fid=5000, n_eval=10000, dcgan_preset="full",
                    dcgan_fid_every=1000),
}
