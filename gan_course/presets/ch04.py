"""Chapter 04 (DCGAN): digits at 16 px on tiny, Fashion-MNIST at 28 px (small) and the paper's 64 px (full)."""
from __future__ import annotations

from dataclasses import dataclass

from ..models.dcgan import DCGANConfig
from ..training import TrainConfig


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


PRESETS = {
    "tiny": _dcgan("digits", img_size=16, width=16, steps=100, batch_size=32, fid_every=25, n_fid=360,
                   n_eval=360, z_dim=32, throughput=(5, 3), n_fit=256),
    "small": _dcgan("fashion-mnist", img_size=28, width=32, steps=3000, batch_size=64, fid_every=300,
                    n_fid=2000, n_eval=10000, throughput=(10, 5)),
    "full": _dcgan("fashion-mnist", img_size=64, width=64, steps=15000, batch_size=128, fid_every=500,
                   n_fid=5000, n_eval=10000, throughput=(50, 5), n_fit=2000),  # the paper's 64x64 layout
}
