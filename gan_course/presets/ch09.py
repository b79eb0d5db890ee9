"""Chapter 09 (SRGAN): x4 super-resolution of scikit-image's photos; a few residual blocks on tiny and small,
the paper's SRResNet (16 blocks of 64 channels, 96 px crops) on full."""
from __future__ import annotations

from dataclasses import dataclass

from ..models.srgan import SRGANConfig
from ..training import FitConfig, TrainConfig


@dataclass(frozen=True)
class SRGANPreset:
    dataset: str                  # "sr-natural": the colour photos inside scikit-image, split by image
    crop: int                     # side of the HR training crops (= model.hr_size, what D judges)
    n_crops: int                  # the fixed, seeded pool of random training crops (with flips)
    test_side: int | None         # None: whole held-out images; an int: their centre side x side (tiny: speed)
    model: SRGANConfig
    pretrain: FitConfig           # SRResNet on pixel MSE (Adam; lr x 0.1 for the last fifth of the steps)
    train: TrainConfig            # SRGAN: paired, content + 1e-3 x adversarial, G initialised from SRResNet
    backbone: str                 # the content loss's phi: "random" (offline) or "vgg19" (cached weights only)
    content_weight: float         # weight of the feature MSE in G's loss (random features are small: see below)
    eval_every: int               # PSNR and feature distance on the held-out images every k pre-training steps
    gan_eval_every: int           # ... and every k adversarial steps (points on the perception-distortion path)


def _srgan(crop, n_crops, test_side, channels, blocks, ndf, d_blocks, fc_size, pretrain_steps, pretrain_lr,
           steps, batch_size, eval_every, gan_eval_every, content_weight=30.0):
    return SRGANPreset(
        dataset="sr-natural", crop=crop, n_crops=n_crops, test_side=test_side,
        model=SRGANConfig(scale=4, n_channels=channels, n_blocks=blocks, ndf=ndf, d_blocks=d_blocks,
                          fc_size=fc_size, hr_size=crop),
        # a high lr gets a short run far, then a tenth of it settles the weights (the paper: 1e-4 throughout)
        pretrain=FitConfig(steps=pretrain_steps, batch_size=batch_size, lr=pretrain_lr, betas=(0.9, 0.999),
                           lr_milestones=(pretrain_steps * 4 // 5,), lr_gamma=0.1),
        # the paper: Adam, lr 1e-4, beta1 = 0.9 for SRGAN; adversarial weight 1e-3. The paper then drops lr to 1e-5 for
        # the second half (10^5 + 10^5 steps, section 3.2); these short runs keep 1e-4 constant (stated in notebook 09)
        train=TrainConfig(steps=steps, batch_size=batch_size, loss="nonsaturating", lr_g=1e-4, lr_d=1e-4,
                          betas=(0.9, 0.999), paired=True, adv_weight=1e-3, snapshot_every=steps, n_snapshot=1),
        # (snapshots: notebook 09 shows none, so one crop at the first and last step keeps a stored run small)
        # content_weight: the content term's size grows with the square of the features' scale. The random backbone's
        # features are small, so at weight 1 the 1e-3 x adversarial term can match the content term and drive G (one
        # run on small lost PSNR and feature distance that way); at 30 the content term leads, as in the paper.
        # With backbone="vgg19" change it too: the paper's ~0.006 (SRGAN section 3.2, its 1/12.75 rescaling) is on its
        # Caffe VGG19 with 0-255 inputs; the torchvision equivalent is not given (ports such as sgrvinod's use 1).
        # Choose it from the two terms of G's loss, which notebook 09 prints for every run.
        backbone="random", content_weight=content_weight, eval_every=eval_every, gan_eval_every=gan_eval_every)


PRESETS = {
    "tiny": _srgan(crop=32, n_crops=256, test_side=96, channels=16, blocks=2, ndf=16, d_blocks=4, fc_size=64,
                   pretrain_steps=40, pretrain_lr=1e-3, steps=10, batch_size=16, eval_every=20,
                   gan_eval_every=5),
    "small": _srgan(crop=48, n_crops=3000, test_side=None, channels=32, blocks=4, ndf=32, d_blocks=6, fc_size=256,
                    pretrain_steps=1500, pretrain_lr=1e-3, steps=200, batch_size=16, eval_every=250,
                    gan_eval_every=50),
    "full": _srgan(crop=96, n_crops=8000, test_side=None, channels=64, blocks=16, ndf=64, d_blocks=8, fc_size=1024,
                   pretrain_steps=20000, pretrain_lr=1e-4, steps=10000, batch_size=16, eval_every=1000,
                   gan_eval_every=1000),
}
