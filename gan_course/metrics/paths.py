"""Perceptual path length (StyleGAN, chapters 07-08).

Karras, Laine & Aila, "A Style-Based Generator Architecture for GANs" (arXiv:1812.04948), sec. 4.1,
and the authors' metrics/perceptual_path_length.py: how much do the images change, per unit of
latent distance, along an interpolation? A latent space whose paths make the images jump (e.g.
through a region the generator must cross quickly to avoid a missing combination of features)
scores high; a smooth, "disentangled" one low.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .distances import _numpy64


def unit_feature_distance(extractor: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """A perceptual distance from any feature extractor: d(x, y) = || f(x)/|f(x)| - f(y)/|f(y)| ||^2, per pair.

    The paper uses LPIPS (a weighted squared distance between unit-normalised VGG16 activations);
    the course uses the same form on its small classifier's features (`classifier.features`).
    x, y [N, ...] -> [N] (float64).
    """
    def distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        fx, fy = extractor(x).double(), extractor(y).double()
        fx, fy = F.normalize(fx, dim=1, eps=1e-12), F.normalize(fy, dim=1, eps=1e-12)
        return (fx - fy).square().sum(dim=1)
    return distance


def filtered_mean(values, lower: float = 1.0, upper: float = 99.0) -> float:
    """The mean of the values between their `lower` and `upper` percentiles, both kept: the authors'
    outlier rejection (np.percentile with 'lower' and 'higher' interpolation, so the bounds are values
    that occur). A few pairs that cross a sharp edge of the image manifold would dominate a plain mean."""
    v = _numpy64(values).ravel()
    if v.size == 0 or not np.isfinite(v).all():
        raise ValueError(f"filtered_mean needs a non-empty set of finite values, got {v.size} values")
    if not 0 <= lower <= upper <= 100:
        raise ValueError(f"need 0 <= lower <= upper <= 100 (percentiles), got lower={lower}, upper={upper}")
    lo, hi = np.percentile(v, lower, method="lower"), np.percentile(v, upper, method="higher")
    return float(v[(v >= lo) & (v <= hi)].mean())


def _interpolate(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor, interpolation: str) -> torch.Tensor:
    from .. import latent

    if interpolation == "lerp":
        return latent.lerp(a, b, t)
    # slerp on the unit sphere, as the authors' (the mapping network pixel-normalises z anyway)
    return latent.slerp(F.normalize(a, dim=-1), F.normalize(b, dim=-1), t)


@torch.no_grad()
def path_distances(generate: Callable[[torch.Tensor], torch.Tensor], distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                   start: torch.Tensor, end: torch.Tensor, *, interpolation: str = "lerp", epsilon: float = 1e-4,
                   t=None, seed: int = 0, batch_size: int = 256) -> torch.Tensor:
    """d(generate(p(t)), generate(p(t + epsilon))) / epsilon^2 for each pair (start_i, end_i): [N] float64.

    p is the interpolation between the latents start and end [N, D]: "lerp" (the paper's choice in W)
    or "slerp" (in Z, on the unit sphere). t: a number, a tensor [N], or None for U(0, 1) from
    `seed` (the paper's "full" sampling; t = 0 is its "end" sampling). `generate(latents [n, D])`
    must return images that depend on the latents alone: fix the generator's noise inputs, so that
    the two images of a pair differ only by the step epsilon (the paper's 1e-4).
    """
    pair = isinstance(start, torch.Tensor) and isinstance(end, torch.Tensor) and start.shape == end.shape
    if not pair or start.dim() != 2 or len(start) == 0:
        raise ValueError(f"start and end must be latents of one shape [N, D], got "
                         f"{getattr(start, 'shape', type(start).__name__)} and {getattr(end, 'shape', type(end).__name__)}")
    if interpolation not in ("lerp", "slerp"):
        raise ValueError(f"unknown interpolation {interpolation!r}; valid: lerp (in W), slerp (in Z)")
    if not epsilon > 0:
        raise ValueError(f"epsilon must be > 0 (the paper: 1e-4), got {epsilon}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    n = len(start)
    if t is None:
        t = torch.rand(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    t = torch.as_tensor(t, dtype=start.dtype).to(start.device).expand(n)[:, None]  # [N, 1]
    out = []
    for i in range(0, n, batch_size):
        a, b, ti = start[i:i + batch_size], end[i:i + batch_size], t[i:i + batch_size]
        x0 = generate(_interpolate(a, b, ti, interpolation))
        x1 = generate(_interpolate(a, b, ti + epsilon, interpolation))
        d = torch.as_tensor(distance(x0, x1)).double().cpu()
        if d.shape != (len(a),):
            raise ValueError(f"distance must return one value per pair, [{len(a)}], got {list(d.shape)}")
        out.append(d / epsilon**2)
    return torch.cat(out)


def perceptual_path_length(generate, distance, start: torch.Tensor, end: torch.Tensor, *, interpolation: str = "lerp",
                           epsilon: float = 1e-4, t=None, seed: int = 0, batch_size: int = 256) -> float:
    """PPL (StyleGAN, sec. 4.1): E[d(G(p(t)), G(p(t + eps))) / eps^2] over pairs and t ~ U(0, 1), the mean
    taken over the values between the 1st and 99th percentiles (`filtered_mean`). In Z: slerp between
    z's through the whole generator; in W: lerp between w = f(z)'s through the synthesis network."""
    return filtered_mean(path_distances(generate, distance, start, end, interpolation=interpolation, epsilon=epsilon,
                                        t=t, seed=seed, batch_size=batch_size))
