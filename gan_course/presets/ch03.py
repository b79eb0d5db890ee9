"""Chapter 03 (WGAN, WGAN-GP): the 1D demos, the recipes compared on the toy mixtures, digits and Fashion-MNIST."""
from __future__ import annotations

from dataclasses import dataclass

from ..models.mlp import MLPConfig
from ..training import TrainConfig


@dataclass(frozen=True)
class WassersteinPreset:
    toy_model: MLPConfig                      # ONE G/D size for every recipe in the comparison
    toy_methods: dict[str, TrainConfig]       # the recipes compared: vanilla (NS), WGAN-GP (+ WGAN with clipping)
    toy_steps: dict[str, int]                 # generator steps per mixture, the same for every recipe
    seeds: tuple[int, ...]                    # comparison seeds, offset by the notebook's seed: mean ± std
    track_every: int                          # log mode coverage during training every k G steps
    n_eval: int                               # generated points per mode-coverage score (the papers: 2,500)
    shift_train: dict[str, TrainConfig]       # 1D demo: D vs critic against a frozen shifted uniform
    capacity_train: dict[str, TrainConfig]    # critic-only (lr_g = 0): weight clipping vs gradient penalty
    digits_size: int                          # digits are resized to digits_size x digits_size
    digits_model: MLPConfig
    digits_train: TrainConfig                 # WGAN-GP with the paper's settings
    fid_every: int                            # FID on held-out digits every k G steps (W estimate vs quality)
    fashion_model: MLPConfig
    fashion_train: TrainConfig | None         # None: Fashion-MNIST is left to the full preset
    fashion_limit: int | None                 # first n training images (None: all 60,000)


# The toy comparison's settings were chosen by measurement on a 2-core CPU (coverage curves over
# learning rate, batch size, z_dim, batch norm in G, packing, lr schedule; 2,500 samples, seeds 0-2):
# - z_dim = 2 (as PacGAN's toy G): with 16-D noise no recipe passed 11/25 grid modes at 42 % high quality;
# - vanilla: Adam lr 2e-3, batch 512 (lr 1e-4 - 3e-4 is far too slow for minutes; batch 512 swung less
#   than 256 or 128);
# - WGAN-GP: the image settings (lambda 10, Adam(0, 0.9), lr 1e-4 - 1e-3) stayed at chance for 3,000 steps.
#   The authors' own toy script (igul222/improved_wgan_training, gan_toy.py: LAMBDA = .1, CRITIC_ITERS = 5,
#   BATCH_SIZE = 256, Adam(learning_rate=1e-4, beta1=0.5, beta2=0.9), 100,000 generator steps) is NOT what we
#   use: we keep its betas, batch and n_critic but take lambda 1 and lr 1e-3 (ten times both), to learn within
#   a few thousand steps; notebook 03 section 5 states this deviation;
# - the end of every run: both lrs fall linearly to 0 (`lr_decay_start`, the same for every recipe). At a
#   constant lr the runs swing to the last step (a mode fades and returns, samples blur and sharpen); the
#   decay settles them. small (decay from 0.6; ring8 3,000, grid25 5,000 steps), mean ± std, seeds 0-2,
#   modes (course rule) at % high quality, constant lr -> decay:
#     ring8  vanilla 7.3 ± 1.2 at 87 ± 11 % -> 7.0 ± 1.7 at 94 ± 2 %;  WGAN-GP 8.0 at 73 ± 14 % -> 8.0 at 93 ± 2 %
#     grid25 vanilla 22.3 ± 3.1 at 85 ± 6 % -> 22.3 ± 3.1 at 93 ± 3 %;  WGAN-GP 15.7 ± 10.4 at 45 ± 28 % -> 25.0 at 78 ± 7 %
#   full (decay from 0.5, 10,000 steps), vanilla grid25: 24.3 ± 1.2 / 25 at 96.9 ± 1.1 % (25, 25, 23 modes;
#   PacGAN4: 24.8 at 93.6 %), where lr 1e-3 at a constant rate for 20,000 steps gave 18/25 at 65 % (seed 0);
# - packing (PacGAN, m = 2, 4) and batch norm in G learned much more slowly within the small budget.
# Each recipe keeps the batch size and learning rate that work for it; every recipe gets the same number
# of generator steps on a mixture and the same schedule.
def _wgan_recipes(steps: int, clip: bool, vanilla_lr: float, lr_decay_start: float) -> dict[str, TrainConfig]:
    """The recipes of the comparison, each with its paper's optimiser and n_critic, all with one lr schedule."""
    decay = dict(steps=steps, lr_decay_start=lr_decay_start)
    recipes = {
        "vanilla (NS)": TrainConfig(loss="nonsaturating", n_critic=1, batch_size=512,
                                    lr_g=vanilla_lr, lr_d=vanilla_lr, betas=(0.5, 0.999), **decay),
        "WGAN-GP": TrainConfig(loss="wasserstein", n_critic=5, gp_lambda=1.0, batch_size=256,
                               lr_g=1e-3, lr_d=1e-3, betas=(0.5, 0.9), **decay),
    }
    if clip:  # the original WGAN: RMSprop and the paper's lr; a historical row (slow to learn toys). Without the
        # authors' critic warm-up (100 critic steps for the first 25 G steps and every 500th, martinarjovsky/
        # WassersteinGAN main.py): the loop's n_critic is fixed; notebook 03 section 3 states the omission.
        recipes["WGAN (clip)"] = TrainConfig(loss="wasserstein", n_critic=5, clip=0.01, optimizer="rmsprop",
                                             batch_size=256, lr_g=5e-5, lr_d=5e-5, **decay)
    return recipes


def _wasserstein(toy_steps, seeds, n_eval, demo_steps, digit_steps, fid_every, fashion_steps, clip=True,
                 vanilla_lr=2e-3, lr_decay_start=0.6, fashion_limit=None):
    # Demos train only D: lr_g = 0 freezes the generator (the loop still runs unchanged).
    demo = dict(steps=demo_steps, batch_size=256, n_critic=5, lr_g=0.0)
    gp_paper = dict(loss="wasserstein", n_critic=5, gp_lambda=10.0, lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9))  # Gulrajani et al.
    return WassersteinPreset(
        toy_model=MLPConfig(sample_shape=(2,), z_dim=2, hidden=128, n_layers=3),
        toy_methods=_wgan_recipes(max(toy_steps.values()), clip, vanilla_lr, lr_decay_start), toy_steps=toy_steps, seeds=seeds,
        track_every=max(1, min(toy_steps.values()) // 10), n_eval=n_eval,
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
    "tiny": _wasserstein(toy_steps={"ring8": 60, "grid25": 60}, seeds=(0,), n_eval=1000, demo_steps=40,
                         digit_steps=30, fid_every=10, fashion_steps=0),
    # small: each run a few minutes at most on a 2-core CPU; the clipped WGAN (5 critic steps per G step,
    # and it learns the toys slowly) is left to the full preset, section 4 shows what clipping costs
    "small": _wasserstein(toy_steps={"ring8": 3000, "grid25": 5000}, seeds=(0, 1, 2), n_eval=2500,
                          demo_steps=200, digit_steps=2000, fid_every=250, fashion_steps=0, clip=False),
    # full: twice small's grid budget, the second half decaying (5,000 steps to find the modes, 5,000 to settle);
    # the toy runs are small MLPs, measured on the CPU (see the comment above the recipes)
    "full": _wasserstein(toy_steps={"ring8": 10000, "grid25": 10000}, seeds=(0, 1, 2, 3, 4), n_eval=2500,
                         demo_steps=2000, digit_steps=20000, fid_every=1000, fashion_steps=20000, lr_decay_start=0.5),
}
