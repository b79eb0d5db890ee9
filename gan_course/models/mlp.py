"""Fully connected G and D: the original GAN (Goodfellow et al. 2014, arXiv:1406.2661). Chapter 01.

The same two classes serve 2D toy mixtures (sample_shape=(2,)) and small images
(sample_shape=(C, H, W)): an image is just a vector of C*H*W numbers to an MLP. That is exactly
why MLP GANs scale poorly to images, and why chapter 04 moves to convolutions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from .. import checks

# An MLP's first and last layers hold hidden x C*H*W weights: past this size they would not fit in memory.
MAX_SAMPLE_DIM = 3 * 128 * 128


@dataclass
class MLPConfig:
    sample_shape: tuple[int, ...] = (2,)   # (2,) for points, (C, H, W) for images
    z_dim: int = 16
    hidden: int = 128
    n_layers: int = 3                      # hidden layers in each network

    def __post_init__(self):
        self.sample_shape = tuple(self.sample_shape)
        if (len(self.sample_shape) not in (1, 3)
                or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in self.sample_shape)):
            raise ValueError(f"sample_shape must be (D,) for vectors or (C, H, W) for images, with positive ints; "
                             f"got {self.sample_shape}")
        if self.sample_dim > MAX_SAMPLE_DIM:
            raise ValueError(f"sample_shape {self.sample_shape} has {self.sample_dim:,} numbers per sample; an MLP "
                             f"GAN handles at most {MAX_SAMPLE_DIM:,} (3 x 128 x 128): resize the images first")
        checks.integer("z_dim", self.z_dim, maximum=4096)
        checks.integer("hidden", self.hidden, maximum=16384)
        checks.integer("n_layers", self.n_layers, maximum=64)

    @property
    def is_image(self) -> bool:
        return len(self.sample_shape) == 3

    @property
    def sample_dim(self) -> int:
        return math.prod(self.sample_shape)


def check_dtype(x: Tensor, net: nn.Module, what: str, who: str) -> None:
    """A clear TypeError for input the network cannot take: integers, or float64 into float32 weights.

    We raise rather than convert: float64 data usually comes from numpy's default and costs twice the
    memory all the way down the pipeline, and uint8 images would need rescaling to [-1, 1], not a cast;
    `x.float()` at the source says which one was meant. (bfloat16 under autocast passes.)
    """
    weights = next(net.parameters()).dtype
    if not x.is_floating_point() or (x.dtype == torch.float64 and weights != torch.float64):
        hint = " (uint8 images: x.float() / 127.5 - 1 for [-1, 1])" if not x.is_floating_point() else ""
        raise TypeError(f"{who} expects {what} as float32 (its weights are {weights}); got dtype {x.dtype}: "
                        f"convert with .float(){hint}")


def _mlp(sizes: list[int], act: nn.Module) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), act]
    return layers


class Generator(nn.Module):
    """z [B, z_dim] -> sample [B, *sample_shape]; tanh output for images in [-1, 1]."""

    def __init__(self, cfg: MLPConfig):
        super().__init__()
        self.cfg, self.z_dim = cfg, cfg.z_dim
        body = _mlp([cfg.z_dim] + [cfg.hidden] * cfg.n_layers, nn.ReLU())
        # Points may lie anywhere, so their output is linear; pixels live in [-1, 1], hence tanh.
        head = [nn.Linear(cfg.hidden, cfg.sample_dim)] + ([nn.Tanh()] if cfg.is_image else [])
        self.net = nn.Sequential(*body, *head)

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"Generator expects z of shape [B, {self.z_dim}], got {list(z.shape)}")
        check_dtype(z, self, "z", "Generator")
        return self.net(z).view(-1, *self.cfg.sample_shape)


class Discriminator(nn.Module):
    """sample [B, *sample_shape] -> logit [B]: positive means "looks real"."""

    def __init__(self, cfg: MLPConfig):
        super().__init__()
        self.cfg = cfg
        # LeakyReLU keeps a gradient for every input, so G always hears something back.
        body = _mlp([cfg.sample_dim] + [cfg.hidden] * cfg.n_layers, nn.LeakyReLU(0.2))
        self.net = nn.Sequential(*body, nn.Linear(cfg.hidden, 1))

    def forward(self, x: Tensor) -> Tensor:
        if tuple(x.shape[1:]) != self.cfg.sample_shape:
            raise ValueError(
                f"Discriminator was built for samples of shape {self.cfg.sample_shape}, got {tuple(x.shape[1:])}; "
                f"build it with MLPConfig(sample_shape={tuple(x.shape[1:])}) or resize the data"
            )
        check_dtype(x, self, "samples x", "Discriminator")
        return self.net(x.flatten(1)).squeeze(1)
