"""ProGAN: Karras, Aila, Laine & Lehtinen, "Progressive Growing of GANs for Improved Quality, Stability,
and Variation" (arXiv:1710.10196). Chapter 05.

Section 3 of the paper, as code: both networks are built for the final resolution, but training
starts with only their 4x4 ends in use. A growth schedule (`GrowthSchedule`) then adds one
resolution at a time, 4 -> 8 -> 16 -> 32 ..., each in two phases:

- **fade**: the new block is blended in. G's image is (1 - alpha) * upsample(old toRGB) +
  alpha * new toRGB; D mirrors it (old fromRGB on the 2x-downsampled image against the new
  block), and the *real* images are blended the same way between their blurred and sharp
  versions (`fade_images`), so D never sees a sharper real image than G can make;
- **stabilise**: alpha = 1, the new block alone.

Sections 3-4 add the tricks written in `gan_course/layers.py`: minibatch standard deviation at the
start of D's last block, equalized learning rate in every layer, and pixel norm on z and after
every conv of G (none in D). Training (section A.1): WGAN-GP with the drift term 0.001 * E[D(x)^2],
one D step per G step, Adam(lr 1e-3, betas (0, 0.99)), an exponential moving average of G.

The layout follows the authors' code (tkarras/progressive_growing_of_gans, networks.py):
    G: z -> pixel norm -> dense to 4x4 -> conv3x3 | [upsample -> conv3x3 -> conv3x3] per doubling -> toRGB (1x1)
    D: fromRGB (1x1) -> [conv3x3 -> conv3x3 -> avg pool] per halving | minibatch stddev -> conv3x3
       -> dense -> dense to one logit
with LeakyReLU(0.2) after every layer but G's toRGB and D's last dense, which are linear (gain 1):
no tanh at G's output, whose images are in [-1, 1] only because the real ones are.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch.nn.functional as F
import torch
from torch import Tensor, nn

from .. import checks
from ..layers import (LEAKY_SLOPE, EqualizedConv2d, EqualizedLinear, MinibatchStdDev, check_input, check_values,
                      pixel_norm)

FIRST_SIZE = 4  # every network starts at 4x4


@dataclass
class ProGANConfig:
    img_size: int = 32            # the final resolution: a power of two >= 8
    img_channels: int = 1         # 1 (grey) or 3 (RGB)
    z_dim: int = 128              # the paper: 512
    fmap_base: int = 2048         # channels at resolution r: min(fmap_max, fmap_base // r). The authors' nf()
    fmap_max: int = 128           # gives 2 * fmap_base / r (networks.py: nf(log2 r - 1)), so their 8192 and 512
                                  # (the paper's widths, table 2: 512 up to 32x32, 256 at 64, ...) are 16384 and 512 here
    mbstd_group_size: int = 4     # minibatch stddev groups in D's last block; 0 = off (ablation)
    equalized_lr: bool = True     # False: the same He initialisation, stored in the weights (ablation)

    def __post_init__(self):
        size = checks.power_of_two("img_size", self.img_size, minimum=8,
                                   why="ProGAN grows 4 -> 8 -> ... -> img_size by doubling")
        checks.choice("img_channels (1 grey or 3 RGB)", self.img_channels, (1, 3))
        checks.integer("z_dim", self.z_dim, maximum=4096)
        checks.integer("fmap_base", self.fmap_base)
        checks.integer("fmap_max", self.fmap_max, maximum=4096)
        checks.integer("mbstd_group_size (0 = off)", self.mbstd_group_size, minimum=0)
        if not isinstance(self.equalized_lr, bool):
            raise ValueError(f"equalized_lr must be True or False, got {self.equalized_lr!r}")
        if self.channels(size) < 1:
            raise ValueError(f"fmap_base={self.fmap_base} leaves no channels at {size}x{size} "
                             f"(min(fmap_max, fmap_base // {size}) = 0): raise fmap_base to at least {size}")

    @property
    def n_stages(self) -> int:
        """Stage 0 is 4x4, stage n_stages - 1 is img_size x img_size."""
        return int(math.log2(self.img_size // FIRST_SIZE)) + 1

    @property
    def resolutions(self) -> tuple[int, ...]:
        """The side at every stage, e.g. (4, 8, 16, 32)."""
        return tuple(FIRST_SIZE * 2**s for s in range(self.n_stages))

    def channels(self, resolution: int) -> int:
        """Feature maps at a resolution: wide at low resolution, narrower as the maps grow."""
        return min(self.fmap_max, self.fmap_base // resolution)


def check_growth(stage, alpha, n_stages: int) -> tuple[int, float]:
    """A valid (stage, alpha): stage an int in [0, n_stages), alpha a number in [0, 1]."""
    checks.integer(f"stage (0 = 4x4 ... {n_stages - 1} = the final resolution)", stage, minimum=0,
                   maximum=n_stages - 1)
    return stage, checks.number("alpha (the fade-in weight of the newest block)", alpha, minimum=0, maximum=1)


# --- Resampling and the fade-in --------------------------------------------------------------------
def upsample(x: Tensor) -> Tensor:
    """[B, C, H, W] -> [B, C, 2H, 2W], nearest neighbour (every pixel becomes a 2x2 square)."""
    return F.interpolate(x, scale_factor=2, mode="nearest")


def downsample(x: Tensor, factor: int = 2) -> Tensor:
    """[B, C, H, W] -> [B, C, H/factor, W/factor], the mean of each factor x factor box (the authors' box filter)."""
    return F.avg_pool2d(x, factor) if factor > 1 else x


def fade_in(old: Tensor, new: Tensor, alpha: float) -> Tensor:
    """G's output while a block fades in: (1 - alpha) * upsample(old) + alpha * new.

    old [B, C, H, W] is the previous stage's image, new [B, C, 2H, 2W] the new block's. At alpha = 0
    this is exactly the upsampled old image, at alpha = 1 exactly the new one.
    """
    if old.dim() != 4 or new.shape != (*old.shape[:2], 2 * old.shape[2], 2 * old.shape[3]):
        raise ValueError(f"fade_in blends old [B, C, H, W] with new [B, C, 2H, 2W]; got old {list(old.shape)} "
                         f"and new {list(new.shape)}")
    return (1 - alpha) * upsample(old) + alpha * new


def fade_images(x: Tensor, alpha: float) -> Tensor:
    """The real images' fade (the authors' process_reals): their blocky half-resolution version,
    upsampled back, blended with the sharp images, lerp(upsample(downsample(x)), x, alpha)."""
    if x.dim() != 4 or x.shape[-1] % 2 or x.shape[-2] % 2:
        raise ValueError(f"fade_images needs images [N, C, H, W] with an even H and W (they are 2x2 average-pooled "
                         f"and upsampled back), got shape {list(x.shape)}")
    return fade_in(downsample(x), x, alpha)


def real_images_at(x: Tensor, stage: int, alpha: float) -> Tensor:
    """Real images stored at the final resolution, as D sees them at (stage, alpha): average-pooled
    to the stage's resolution, then faded like G's output."""
    resolution = FIRST_SIZE * 2**stage
    if x.shape[-1] % resolution or x.shape[-1] < resolution:
        raise ValueError(f"images of side {x.shape[-1]} cannot be pooled to stage {stage}'s {resolution}x{resolution}")
    x = downsample(x, x.shape[-1] // resolution)
    return fade_images(x, alpha) if stage > 0 and alpha < 1 else x


def as_images(x: Tensor, size: int | None = None) -> Tensor:
    """G's raw output as images to look at or score: clamped to [-1, 1] (G has no tanh; its output is
    in the data's range only approximately) and, from an earlier stage, upsampled (nearest) to `size`."""
    x = x.clamp(-1, 1)
    if size is not None and x.shape[-1] != size:
        if size % x.shape[-1]:
            raise ValueError(f"cannot upsample {x.shape[-1]}x{x.shape[-1]} images to {size}x{size} by a whole factor")
        x = F.interpolate(x, scale_factor=size // x.shape[-1], mode="nearest")
    return x


# D's inputs are images in [-1, 1]; G has no tanh, so its raw output (and D's gradient-penalty points between
# real and fake) overshoots a little. Values beyond IMAGE_LIMIT are not such images (0-255 pixels, a diverged G).
IMAGE_LIMIT = 16.0
IMAGE_HINT = "scale 0-255 images with x / 127.5 - 1 (data.load_dataset already gives [-1, 1])"


# --- Blocks ----------------------------------------------------------------------------------------
def conv(c_in: int, c_out: int, kernel: int = 3, gain: float = math.sqrt(2)) -> EqualizedConv2d:
    return EqualizedConv2d(c_in, c_out, kernel, gain=gain)


def lrelu(x: Tensor) -> Tensor:
    return F.leaky_relu(x, LEAKY_SLOPE)


class GFirstBlock(nn.Module):
    """z [B, z_dim] -> [B, C, 4, 4]: pixel norm on z, dense to a 4x4 map, conv3x3; pixel norm after each."""

    def __init__(self, z_dim: int, channels: int):
        super().__init__()
        # gain sqrt(2)/4: the authors' value, matching their first Theano version (a 4x4 "conv" on z).
        # One bias per channel, added after the reshape to 4x4 (the authors' apply_bias), not one per pixel.
        self.dense = EqualizedLinear(z_dim, channels * 16, gain=math.sqrt(2) / 4, bias=False)
        self.bias = nn.Parameter(torch.zeros(channels))
        self.conv = conv(channels, channels)

    def forward(self, z: Tensor) -> Tensor:
        x = self.dense(pixel_norm(z)).view(len(z), -1, 4, 4) + self.bias.view(1, -1, 1, 1)  # [B, C, 4, 4]
        x = pixel_norm(lrelu(x))
        return pixel_norm(lrelu(self.conv(x)))


class GBlock(nn.Module):
    """[B, c_in, H, W] -> [B, c_out, 2H, 2W]: upsample, two conv3x3, each followed by LeakyReLU and pixel norm."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv0, self.conv1 = conv(c_in, c_out), conv(c_out, c_out)

    def forward(self, x: Tensor) -> Tensor:
        x = pixel_norm(lrelu(self.conv0(upsample(x))))
        return pixel_norm(lrelu(self.conv1(x)))


class DBlock(nn.Module):
    """[B, c_in, H, W] -> [B, c_out, H/2, W/2]: two conv3x3 with LeakyReLU, then 2x2 average pooling.

    conv -> lrelu -> pool, the order of the authors' Theano original and of their TF re-implementation
    with fused_scale=False (fused_scale=True folds the pooling into a strided conv)."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv0, self.conv1 = conv(c_in, c_in), conv(c_in, c_out)

    def forward(self, x: Tensor) -> Tensor:
        return downsample(lrelu(self.conv1(lrelu(self.conv0(x)))))


class DiscriminatorEpilogue(nn.Module):
    """D's last block, at 4x4: [B, C, 4, 4] -> logits [B].

    minibatch stddev (one extra feature map, `group_size` 0 = none) -> conv3x3 -> dense -> dense to
    one logit (gain 1: linear, an unbounded critic score). Chapters 07-08 reuse it.
    """

    def __init__(self, channels: int, group_size: int = 4, resolution: int = FIRST_SIZE):
        super().__init__()
        self.mbstd = MinibatchStdDev(group_size) if group_size else None
        self.conv = conv(channels + (1 if group_size else 0), channels)
        self.dense = EqualizedLinear(channels * resolution * resolution, channels)
        self.out = EqualizedLinear(channels, 1, gain=1.0)

    def forward(self, x: Tensor) -> Tensor:
        if self.mbstd is not None:
            x = self.mbstd(x)                                   # [B, C + 1, 4, 4]
        x = lrelu(self.conv(x))                                 # [B, C, 4, 4]
        x = lrelu(self.dense(x.flatten(1)))                     # [B, C]
        return self.out(x).squeeze(1)                           # [B]


def to_rgb(channels: int, img_channels: int) -> EqualizedConv2d:
    """Features -> image, 1x1 and linear (gain 1): no activation, no tanh."""
    return conv(channels, img_channels, kernel=1, gain=1.0)


class FromRGB(nn.Module):
    """Image -> features: a 1x1 conv with LeakyReLU."""

    def __init__(self, img_channels: int, channels: int):
        super().__init__()
        self.conv = conv(img_channels, channels, kernel=1)

    def forward(self, x: Tensor) -> Tensor:
        return lrelu(self.conv(x))


def plain_init_(module: nn.Module) -> nn.Module:
    """Turn off equalized learning rate, keeping the function: every equalized layer's run-time scale
    gain / sqrt(fan_in) is moved into its stored weights (He's initialisation) and set to 1.

    The network computes exactly what it did before; only the training dynamics change: an Adam step
    now moves every weight by about lr whatever its scale, so layers with a large fan_in (small
    weights) learn relatively faster than the others. The paper adds the trick in table 1, row (f)."""
    for m in module.modules():
        if isinstance(m, (EqualizedLinear, EqualizedConv2d)) and m.scale != 1.0:
            m.weight.data.mul_(m.scale)
            m.scale = 1.0
    return module


# --- The two networks ------------------------------------------------------------------------------
class _Growing(nn.Module):
    """What G and D share: the current stage and fade weight alpha, set by the growth schedule."""

    def _init_growth(self, cfg: ProGANConfig):
        self.cfg, self.n_stages = cfg, cfg.n_stages
        self.stage, self.alpha = cfg.n_stages - 1, 1.0  # built fully grown; training sets stage 0 first

    def set_growth(self, stage: int, alpha: float = 1.0) -> None:
        """Use blocks 0..stage, the newest faded in with weight alpha (1: fully in)."""
        self.stage, self.alpha = check_growth(stage, alpha, self.n_stages)

    @property
    def resolution(self) -> int:
        """The side of the images at the current stage."""
        return FIRST_SIZE * 2**self.stage

    def extra_repr(self) -> str:
        return f"stage={self.stage} ({self.resolution}x{self.resolution}), alpha={self.alpha:.3f}"


class Generator(_Growing):
    """z [B, z_dim] -> images [B, img_channels, r, r] at the current stage's resolution r (linear output)."""

    def __init__(self, cfg: ProGANConfig):
        super().__init__()
        self._init_growth(cfg)
        self.z_dim = cfg.z_dim
        res, ch = cfg.resolutions, cfg.channels
        # blocks[s] makes the res[s] x res[s] features, to_rgb[s] turns them into an image
        self.blocks = nn.ModuleList([GFirstBlock(cfg.z_dim, ch(res[0]))]
                                    + [GBlock(ch(a), ch(b)) for a, b in zip(res[:-1], res[1:])])
        self.to_rgb = nn.ModuleList([to_rgb(ch(r), cfg.img_channels) for r in res])
        if not cfg.equalized_lr:
            plain_init_(self)

    def forward(self, z: Tensor) -> Tensor:
        weight = self.blocks[0].dense.weight
        check_input(z, "ProGAN Generator's z", weight, hint="z ~ N(0, I), e.g. torch.randn(B, z_dim)")
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"Generator expects z of shape [B, {self.z_dim}], got {list(z.shape)}")
        check_values(z, "ProGAN Generator's z", None, self.training, valid="finite numbers (z ~ N(0, I))")
        x = self.blocks[0](z)                                   # [B, C, 4, 4]
        for s in range(1, self.stage + 1):
            previous, x = x, self.blocks[s](x)                  # [B, C', 2r, 2r]
        image = self.to_rgb[self.stage](x)
        if self.stage > 0 and self.alpha < 1:                   # fading in: the old image, upsampled, blended in
            image = fade_in(self.to_rgb[self.stage - 1](previous), image, self.alpha)
        return image


class Discriminator(_Growing):
    """images [B, img_channels, r, r] at the current stage's resolution r -> logits [B] (critic scores)."""

    def __init__(self, cfg: ProGANConfig):
        super().__init__()
        self._init_growth(cfg)
        res, ch = cfg.resolutions, cfg.channels
        # from_rgb[s] reads res[s] x res[s] images; blocks[s] halves res[s] (blocks[0]: the 4x4 epilogue)
        self.from_rgb = nn.ModuleList([FromRGB(cfg.img_channels, ch(r)) for r in res])
        self.blocks = nn.ModuleList([DiscriminatorEpilogue(ch(res[0]), cfg.mbstd_group_size)]
                                    + [DBlock(ch(b), ch(a)) for a, b in zip(res[:-1], res[1:])])
        if not cfg.equalized_lr:
            plain_init_(self)

    def forward(self, x: Tensor) -> Tensor:
        c, r = self.cfg.img_channels, self.resolution
        check_input(x, "ProGAN Discriminator", self.from_rgb[self.stage].conv.weight, hint=IMAGE_HINT)
        if x.dim() != 4 or tuple(x.shape[1:]) != (c, r, r):
            raise ValueError(f"Discriminator at stage {self.stage} expects images [B, {c}, {r}, {r}], got "
                             f"{list(x.shape)}; set both networks to the same stage (set_growth), and give D the real "
                             f"images at that resolution (real_images_at)")
        check_values(x, "ProGAN Discriminator", IMAGE_LIMIT, self.training,
                     valid=f"images in [-1, 1] (G's unclamped output may overshoot a little, not beyond "
                           f"+-{IMAGE_LIMIT:g}); {IMAGE_HINT}")
        h = self.from_rgb[self.stage](x)
        if self.stage > 0:
            h = self.blocks[self.stage](h)                      # [B, C', r/2, r/2]
            if self.alpha < 1:                                  # fading in: the old path on the downsampled image
                old = self.from_rgb[self.stage - 1](downsample(x))
                h = (1 - self.alpha) * old + self.alpha * h
        for s in range(self.stage - 1, 0, -1):
            h = self.blocks[s](h)
        return self.blocks[0](h)                                # [B]


# --- The growth schedule -----------------------------------------------------------------------------
@dataclass(frozen=True)
class GrowthSchedule:
    """Which stage, and which alpha, at each training step: a pure function of the step.

    Stage 0 (4x4) stabilises for `stabilise_steps`; then each new resolution fades in over
    `fade_steps` (alpha from 0 up to 1) and stabilises for `stabilise_steps` (alpha = 1). After the
    last stage's stabilise phase training simply continues there. The paper counts real images
    (800k per phase, its appendix A.1; the authors' code defaults to 600k, `lod_training_kimg`);
    with a fixed batch size, steps are the same thing.
    """

    stabilise_steps: int
    fade_steps: int
    n_stages: int

    def __post_init__(self):
        checks.integer("stabilise_steps", self.stabilise_steps)
        checks.integer("fade_steps", self.fade_steps)
        checks.integer("n_stages", self.n_stages)

    def stage_and_alpha(self, step: int) -> tuple[int, float]:
        """(stage, alpha) for the step that comes after `step` steps have been done."""
        checks.integer("step", step, minimum=0)
        phase, t = divmod(step, self.stabilise_steps + self.fade_steps)
        if phase >= self.n_stages - 1:
            return self.n_stages - 1, 1.0
        if t < self.stabilise_steps:
            return phase, 1.0
        return phase + 1, (t - self.stabilise_steps) / self.fade_steps

    @property
    def total_steps(self) -> int:
        """Steps until the last stage has faded in and stabilised once."""
        return (self.n_stages - 1) * (self.stabilise_steps + self.fade_steps) + self.stabilise_steps

    @property
    def fade_starts(self) -> tuple[int, ...]:
        """The steps at which a new resolution starts fading in (alpha = 0)."""
        period = self.stabilise_steps + self.fade_steps
        return tuple(s * period + self.stabilise_steps for s in range(self.n_stages - 1))


def growth_callback(schedule: GrowthSchedule):
    """A `before_step` callback for the training loop: sets (stage, alpha) from `run.step` on G, D
    and G_ema, and makes D's real batch the real images at that stage, faded the same way.

    Stage and alpha are functions of the step alone, so a resumed run continues exactly.
    """
    def callback(run) -> None:
        for name in ("G", "D", "G_ema"):
            net = getattr(run, name, None)
            if net is not None and not isinstance(net, _Growing):
                raise ValueError(f"growth_callback drives ProGAN's growing networks (models.progan.Generator and "
                                 f"Discriminator, with set_growth), but this run's {name} is a {type(net).__name__}: "
                                 f"use the callback only for a ProGAN run (models.build('progan', ...))")
        if run.G.n_stages != schedule.n_stages:
            raise ValueError(f"the growth schedule has {schedule.n_stages} stages but the networks have "
                             f"{run.G.n_stages} ({run.G.cfg.resolutions}): build it with n_stages={run.G.n_stages}")
        stage, alpha = schedule.stage_and_alpha(run.step)
        for net in (run.G, run.D, run.G_ema):
            if net is not None:
                net.set_growth(stage, alpha)
        run.transform_real = lambda x: real_images_at(x, stage, alpha)
    return callback
