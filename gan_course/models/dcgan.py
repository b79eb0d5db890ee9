"""DCGAN: Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks" (arXiv:1511.06434). Chapter 04.

The paper's "architecture guidelines for stable deep convolutional GANs" (section 3), as code:

1. no pooling: D downsamples with strided convolutions, G upsamples with fractionally-strided
   (transposed) convolutions, so each network learns its own resampling;
2. batch norm in both G and D, except at G's output and D's input;
3. no fully connected hidden layers: G's first layer projects z to a small s0 x s0 map (written
   here as a transposed conv over a 1x1 "image"), D's last layer is one conv down to a 1x1 logit;
4. ReLU in G, tanh at its output (images live in [-1, 1]);
5. LeakyReLU (slope 0.2) in D.
Section 4 adds: every weight drawn from N(0, 0.02), Adam with lr 2e-4 and beta1 = 0.5.

Layouts: every upsampling block doubles the side (kernel 4, stride 2, padding 1), so
    img_size 16: 4 -> 8 -> 16                    32: 4 -> 8 -> 16 -> 32
    img_size 28: 7 -> 14 -> 28                   64: 4 -> 8 -> 16 -> 32 -> 64  (the paper's)
with the width halving at each step and D mirroring G.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from torch import Tensor, nn

from .. import checks
from .mlp import check_dtype

SUPPORTED_SIZES = (16, 28, 32, 64)
SUPPORTED_CHANNELS = (1, 3)


@dataclass
class DCGANConfig:
    img_size: int = 64        # one of SUPPORTED_SIZES
    img_channels: int = 1     # 1 (grey) or 3 (RGB)
    z_dim: int = 100          # the paper's 100-dimensional z
    ngf: int = 64             # G's width at the last hidden block (it doubles towards z)
    ndf: int = 64             # D's width at the first block (it doubles towards the logit)

    def __post_init__(self):
        if type(self.img_size) is not int or self.img_size not in SUPPORTED_SIZES:
            raise ValueError(
                f"DCGAN supports img_size in {SUPPORTED_SIZES}, got {self.img_size!r}; "
                f"resize the data, e.g. data.load_dataset(name, img_size=32)")
        if type(self.img_channels) is not int or self.img_channels not in SUPPORTED_CHANNELS:
            raise ValueError(
                f"DCGAN supports img_channels in {SUPPORTED_CHANNELS} (grey or RGB), got {self.img_channels!r}")
        for name in ("z_dim", "ngf", "ndf"):
            checks.integer(name, getattr(self, name), maximum=4096)

    @property
    def resolutions(self) -> tuple[int, ...]:
        """G's feature-map sides from the projected z to the image, e.g. (7, 14, 28)."""
        s0 = 7 if self.img_size == 28 else 4  # 28 = 7 * 2^2: 4 would not reach it by doubling
        n_up = int(math.log2(self.img_size // s0))
        return tuple(s0 * 2**i for i in range(n_up + 1))


def transposed_conv_size(h_in: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Side of a ConvTranspose2d output: H_out = (H_in - 1) * stride - 2 * padding + kernel."""
    return (h_in - 1) * stride - 2 * padding + kernel


def dcgan_init_(module: nn.Module) -> None:
    """The paper's init (section 4), applied to every submodule of `module`, in place.

    Conv weights ~ N(0, 0.02); BatchNorm scale gamma ~ N(1, 0.02), shift beta = 0 (as in the
    authors' and PyTorch's reference code); biases = 0.
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


# --- Blocks --------------------------------------------------------------------------------------
def up_block(c_in: int, c_out: int) -> nn.Sequential:
    """[B, c_in, s, s] -> [B, c_out, 2s, 2s]: transposed conv (k4 s2 p1) -> BN -> ReLU."""
    # no conv bias: BN's shift beta replaces it
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True))


def down_block(c_in: int, c_out: int, batch_norm: bool = True) -> nn.Sequential:
    """[B, c_in, 2s, 2s] -> [B, c_out, s, s]: strided conv (k4 s2 p1) -> BN -> LeakyReLU(0.2)."""
    layers = [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(c_out))
    return nn.Sequential(*layers, nn.LeakyReLU(0.2, inplace=True))


# --- The two networks ----------------------------------------------------------------------------
class Generator(nn.Module):
    """z [B, z_dim] -> images [B, img_channels, img_size, img_size] in [-1, 1]."""

    def __init__(self, cfg: DCGANConfig):
        super().__init__()
        self.cfg, self.z_dim = cfg, cfg.z_dim
        sides = cfg.resolutions                                     # e.g. (4, 8, 16, 32)
        widths = [cfg.ngf * 2**i for i in reversed(range(len(sides) - 1))]  # e.g. [4ngf, 2ngf, ngf]
        # "Project and reshape": z as a [B, z_dim, 1, 1] map -> [B, widths[0], s0, s0] (a matmul in disguise)
        self.project = nn.Sequential(nn.ConvTranspose2d(cfg.z_dim, widths[0], sides[0], 1, 0, bias=False),
                                     nn.BatchNorm2d(widths[0]), nn.ReLU(True))
        self.blocks = nn.Sequential(*[up_block(a, b) for a, b in zip(widths[:-1], widths[1:])])
        # Output: no BN (it would pin each batch's pixel mean and spread), tanh for [-1, 1]
        self.to_image = nn.Sequential(nn.ConvTranspose2d(widths[-1], cfg.img_channels, 4, 2, 1), nn.Tanh())
        dcgan_init_(self)

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"Generator expects z of shape [B, {self.z_dim}], got {list(z.shape)}")
        check_dtype(z, self, "z", "DCGAN Generator")
        x = self.project(z[:, :, None, None])                      # [B, widths[0], s0, s0]
        return self.to_image(self.blocks(x))                       # [B, C, img_size, img_size]


class Discriminator(nn.Module):
    """images [B, img_channels, img_size, img_size] -> logits [B] (positive: "looks real")."""

    def __init__(self, cfg: DCGANConfig):
        super().__init__()
        self.cfg = cfg
        sides = cfg.resolutions[::-1]                               # e.g. (32, 16, 8, 4)
        widths = [cfg.ndf * 2**i for i in range(len(sides) - 1)]     # e.g. [ndf, 2ndf, 4ndf]
        # Input block: no BN, so D sees the real pixel statistics of each image
        blocks = [down_block(cfg.img_channels, widths[0], batch_norm=False)]
        blocks += [down_block(a, b) for a, b in zip(widths[:-1], widths[1:])]
        self.blocks = nn.Sequential(*blocks)
        # [B, widths[-1], s0, s0] -> [B, 1, 1, 1]: one conv over the whole map, no sigmoid (logits)
        self.to_logit = nn.Conv2d(widths[-1], 1, sides[-1], 1, 0)
        dcgan_init_(self)

    def forward(self, x: Tensor) -> Tensor:
        c, s = self.cfg.img_channels, self.cfg.img_size
        if x.dim() != 4 or tuple(x.shape[1:]) != (c, s, s):
            raise ValueError(
                f"Discriminator was built for images of shape [B, {c}, {s}, {s}], got {list(x.shape)}; "
                f"build it with DCGANConfig(img_size=..., img_channels=...) matching the data, or resize the data")
        check_dtype(x, self, "images x", "DCGAN Discriminator")
        return self.to_logit(self.blocks(x)).view(-1)              # [B]
