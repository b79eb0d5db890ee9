"""2D Gaussian mixtures: the standard mode-collapse benchmarks (chapters 01, 03)."""

from __future__ import annotations

import torch

from .dataset import Dataset


def _mixture(name: str, centers: torch.Tensor, std: float, n_samples: int, seed: int) -> Dataset:
    if n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, got {n_samples}")
    g = torch.Generator().manual_seed(seed)  # a private generator: the global RNG is untouched
    y = torch.randint(len(centers), (n_samples,), generator=g)  # component of each point, uniform
    x = centers[y] + std * torch.randn(n_samples, 2, generator=g)  # x ~ N(mu_y, std^2 I)
    classes = tuple(f"mode {k}" for k in range(len(centers)))
    return Dataset(name, x, y, classes, centers=centers, std=std)


def ring8(n_samples: int = 50_000, seed: int = 0) -> Dataset:
    """8 Gaussians equally spaced on a circle of radius 2, std 0.02.

    From Metz et al., "Unrolled Generative Adversarial Networks" (arXiv:1611.02163).
    """
    angle = torch.arange(8) * (2 * torch.pi / 8)
    centers = 2.0 * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)  # [8, 2]
    return _mixture("ring8", centers, 0.02, n_samples, seed)


def grid25(n_samples: int = 50_000, seed: int = 0) -> Dataset:
    """A 5x5 grid of Gaussians at {-4, -2, 0, 2, 4}^2, std 0.05.

    From Srivastava et al., "VEEGAN" (arXiv:1705.07761) and Lin et al., "PacGAN" (arXiv:1712.04086).
    """
    coords = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    cx, cy = torch.meshgrid(coords, coords, indexing="ij")
    centers = torch.stack([cx.flatten(), cy.flatten()], dim=1)  # [25, 2], row-major over x
    return _mixture("grid25", centers, 0.05, n_samples, seed)
