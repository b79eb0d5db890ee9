"""Chapter 03 (WGAN, WGAN-GP): the 1D demos, the recipes compared on the toy mixtures, digits and Fashion-MNIST."""
from __future__ import annotations

from dataclasses import dataclass

from ..models.mlp import MLPConfig
from ..training import TrainConfig


@dataclass(frozen=True)
class WassersteinPreset:
    toy_model: MLPConfig                      # ONE G/D size for every recipe in the comparison
    toy_methods: dict[str, TrainConfig]       # vanilla (NS), WGAN (clipping), WGAN-GP: same G-step budget
    seeds: tuple[int, ...]                    # comparison seeds, offset by the notebook's seed: mean ± std
    track_every: int                          # log mode coverage during training every k G steps
    n_eval: int                               # generated points per mode-coverage score
    shift_train: dict[str, TrainConfig]       # 1D demo: D vs critic against a frozen shifted uniform
    capacity_train: dict[str, TrainConfig]    # critic-only (lr_g = 0): weight clipping vs gradient penalty
    digits_size: int                          # digits are resized to digits_size x digits_size
    digits_model: MLPConfig
    digits_train: TrainConfig                 # WGAN-GP with the paper's settings
    fid_every: int                            # FID on held-out digits every k G steps (W estimate vs quality)
    fashion_model: MLPConfig
    fashion_train: TrainConfig | None         # None: Fashion-MNIST is left to the full preset
    fashion_limit: int | None                 # first n training images (None: all 60,000)


def _wgan_recipes(steps: int, batch_size: int, lr: float) -> dict[str, TrainConfig]:
    """The three recipes of the comparison, each with its paper's optimiser and n_critic.

    On the 2D toys every recipe gets the same learning rate `lr`, larger than the papers' image
    settings (5e-5 WGAN, 1e-4 WGAN-GP, 2e-4 DCGAN), which would need many times the steps; the
    optimisers are the papers': Adam(0.5, 0.999) for the vanilla GAN (DCGAN), RMSprop for the
    clipped WGAN, Adam(0, 0.9) for WGAN-GP.
    """
    common = dict(steps=steps, batch_size=batch_size, lr_g=lr, lr_d=lr)
    return {
        "vanilla (NS)": TrainConfig(loss="nonsaturating", n_critic=1, **common),
        "WGAN (clip)": TrainConfig(loss="wasserstein", n_critic=5, clip=0.01, optimizer="rmsprop", **common),
        "WGAN-GP": TrainConfig(loss="wasserstein", n_critic=5, gp_lambda=10.0, betas=(0.0, 0.9), **common),
    }


def _wasserstein(toy_steps, toy_bs, seeds, n_eval, demo_steps, digit_steps, fid_every, fashion_steps,
                 fashion_limit=None):
    # Demos train only D: lr_g = 0 freezes the generator (the loop still runs unchanged).
    demo = dict(steps=demo_steps, batch_size=256, n_critic=5, lr_g=0.0)
    gp_paper = dict(loss="wasserstein", n_critic=5, gp_lambda=10.0, lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9))  # Gulrajani et al.
    return WassersteinPreset(
        toy_model=MLPConfig(sample_shape=(2,), z_dim=16, hidden=128, n_layers=3),
        toy_methods=_wgan_recipes(toy_steps, toy_bs, lr=1e-3), seeds=seeds,
        track_every=max(1, toy_steps // 10), n_eval=n_eval,
        shift_train={
            "JS: discriminator (minimax)": TrainConfig(loss="minimax", lr_d=1e-3, **demo),
            "W1: critic (WGAN-GP)": TrainConfig(loss="wasserstein", gp_lambda=10.0, betas=(0.0, 0.9), lr_d=1e-3, **demo),
        },
        capacity_train={
            "weight clipping": TrainConfig(loss="wasserstein", clip=0.01, optimizer="rmsprop", lr_d=5e-4, **demo),
            "gradient penalty": TrainConfig(loss="wasserstein", gp_lambda=10.0, betas=(0.0, 0.9), lr_d=5e-4, **demo),
        },
        digits_size=16,
        digits_model=MLPConfig(sample_shape=(1, 16, 16), z_dim=32, hidden=256, n_layers=2),
        digits_train=TrainConfig(steps=digit_steps, batch_size=64, **gp_paper),
        fid_every=fid_every,
        fashion_model=MLPConfig(sample_shape=(1, 28, 28), z_dim=64, hidden=512, n_layers=3),
        fashion_train=None if fashion_steps == 0 else TrainConfig(steps=fashion_steps, batch_size=64, **gp_paper),
        fashion_limit=fashion_limit)


PRESETS = {
    "tiny": _wasserstein(toy_steps=60, toy_bs=64, seeds=(0,), n_eval=1000, demo_steps=40, digit_steps=30,
                         fid_every=10, fashion_steps=0),
    # small: 2,000 G steps is where WGAN-GP starts to cover the ring on a CPU; at 1,200 no recipe did (measured)
    "small": _wasserstein(toy_steps=2000, toy_bs=256, seeds=(0, 1, 2), n_eval=2500, demo_steps=200,
                          digit_steps=2000, fid_every=250, fashion_steps=0),
    "full": _wasserstein(toy_steps=10000, toy_bs=256, seeds=(0, 1, 2, 3, 4), n_eval=10000, demo_steps=2000,
                         digit_steps=20000, fid_every=1000, fashion_steps=20000),
}
