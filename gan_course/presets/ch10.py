"""Chapter 10 (VQ-VAE): digits at 16 px (a 4x4 code grid) on tiny, Fashion-MNIST at 28 px (7x7) on small
and full."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..models.dcgan import DCGANConfig
from ..models.pixelcnn import PixelCNNConfig
from ..models.vqvae import VQVAEConfig
from ..training import FitConfig, TrainConfig


@dataclass(frozen=True)
class VQVAEPreset:
    dataset: str                  # "digits" on tiny (always offline), else "fashion-mnist"
    limit: int | None             # use the first n training images (None: all)
    model: VQVAEConfig            # the EMA + restarts quantiser; the comparison swaps `quantizer`/`restart_threshold`
    train: FitConfig              # each VQ-VAE (three quantisers) and, as steps/batch/lr, the VQ-VAE + GAN
    usage_every: int              # codebook usage and perplexity measured every k steps ...
    n_usage: int                  # ... over a whole pass of this many held-out images
    prior: PixelCNNConfig
    prior_train: FitConfig
    gan: TrainConfig              # VQ-VAE + GAN through the shared adversarial step (paired=True)
    feature_weight: float         # weight of the feature (perceptual) loss in G's content loss
    dcgan: DCGANConfig            # chapter 04's DCGAN on the same data, for the sample FID ...
    dcgan_train: TrainConfig      # ... trained for about the wall time of the VQ-VAE and its prior
    n_eval: int                   # test images (and samples) for MSE and FID
    # The `play` budget (small only): the prior the course ships, trained once by `make checkpoints`, identical to
    # prior_train except for its steps; notebook 10 uses it where its stored run loads (`Shelf.budget`).
    play_prior_train: FitConfig | None = None


def _preset(dataset, img_size, limit, hidden, codebook_size, code_dim, steps, batch_size, usage_every, n_usage,
            prior_embed, prior_channels, prior_layers, prior_steps, adv_weight, feature_weight, dcgan_width, dcgan_steps, n_eval,
            z_dim=100, n_res=2, lr=1e-3):
    grid = img_size // 4
    return VQVAEPreset(
        dataset=dataset, limit=limit,
        model=VQVAEConfig(img_size=img_size, img_channels=1, hidden=hidden, n_res=n_res, code_dim=code_dim,
                          codebook_size=codebook_size, quantizer="ema", restart_threshold=1.0, beta=0.25, decay=0.99),
        # the GAN variant's betas for all three VQ-VAEs (zalandoresearch/pytorch-vq-vae: Adam's defaults; disclosed)
        train=FitConfig(steps=steps, batch_size=batch_size, lr=lr, betas=(0.5, 0.9)),
        usage_every=usage_every, n_usage=n_usage,
        prior=PixelCNNConfig(codebook_size=codebook_size, grid_size=grid, embed_dim=prior_embed, channels=prior_channels,
                             n_layers=prior_layers),
        prior_train=FitConfig(steps=prior_steps, batch_size=64, lr=1e-3),
        # VQGAN's idea, scaled down: hinge loss, Adam (0.5, 0.9), a small adversarial weight next to the content loss.
        # Not its recipe (notebook 10, section 6 says so): the weight is fixed (VQGAN adapts it from gradient norms,
        # eq. 7), D trains from step 0 (VQGAN waits for disc_start), the reconstruction is L2 (VQGAN: L1 + LPIPS)
        gan=TrainConfig(steps=steps, batch_size=batch_size, loss="hinge", lr_g=lr, lr_d=lr, betas=(0.5, 0.9),
                        paired=True, adv_weight=adv_weight, snapshot_every=steps, n_snapshot=16),
        feature_weight=feature_weight,
        dcgan=DCGANConfig(img_size=img_size, img_channels=1, z_dim=z_dim, ngf=dcgan_width, ndf=dcgan_width),
        dcgan_train=TrainConfig(steps=dcgan_steps, batch_size=64, loss="nonsaturating", lr_g=2e-4, lr_d=2e-4,
                                snapshot_every=dcgan_steps, n_snapshot=16),
        n_eval=n_eval)


_SMALL = _preset("fashion-mnist", img_size=28, limit=20000, hidden=32, codebook_size=128, code_dim=16, steps=500,
                 batch_size=64, usage_every=50, n_usage=2000, prior_embed=16, prior_channels=32, prior_layers=2, prior_steps=1000,
                 adv_weight=0.03, feature_weight=1.0, dcgan_width=32, dcgan_steps=600, n_eval=2000)

PRESETS = {
    "tiny": _preset("digits", img_size=16, limit=None, hidden=16, codebook_size=32, code_dim=8, steps=60,
                    batch_size=32, usage_every=20, n_usage=360, prior_embed=8, prior_channels=16, prior_layers=1, prior_steps=60,
                    adv_weight=0.03, feature_weight=1.0, dcgan_width=16, dcgan_steps=60, n_eval=360, z_dim=32, n_res=1),
    # play: 36,000 prior steps, about 12 CPU-minutes (19 ms per step measured on small, one thread, load ~1.2 on 2
    # cores); the prior's config has no step-dependent schedule, so only the steps change
    "small": replace(_SMALL, play_prior_train=replace(_SMALL.prior_train, steps=36000)),
    "full": _preset("fashion-mnist", img_size=28, limit=None, hidden=128, codebook_size=512, code_dim=32, steps=15000,
                    batch_size=128, usage_every=1000, n_usage=10000, prior_embed=64, prior_channels=128, prior_layers=6,
                    prior_steps=20000, adv_weight=0.03, feature_weight=1.0, dcgan_width=64, dcgan_steps=15000,
                    n_eval=10000, lr=2e-4),
}
