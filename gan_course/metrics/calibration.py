"""Reading an FID: where does a number sit between "perfect" (another real set) and "visibly damaged"
(real images with noise or blur), on the same features?
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F

from .distances import frechet_distance
from .features import extract_features


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur images [N, C, H, W] with a Gaussian of standard deviation `sigma` pixels (reflect padding), on
    the images' device."""
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0 pixels, got {sigma}")
    if not isinstance(images, torch.Tensor) or images.dim() != 4:
        shape = list(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"images must be a tensor [N, C, H, W], got {shape}")
    radius = max(1, math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float64, device=images.device)  # the kernel where the images are
    k = torch.exp(-x**2 / (2 * sigma**2))
    k = (k / k.sum()).to(images.dtype)
    c = images.shape[1]
    out = F.pad(images, (radius,) * 4, mode="reflect")
    out = F.conv2d(out, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)   # along rows
    return F.conv2d(out, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)  # along columns


class Calibration(NamedTuple):
    name: str    # what was done to real images, e.g. "noise sigma = 0.1"
    fid: float   # its FID against the reference set


def fid_calibration(reference, real, extractor, *, noise: tuple[float, ...] = (0.1, 0.2),
                    blur: tuple[float, ...] = (0.5, 1.0), seed: int = 0) -> list[Calibration]:
    """FIDs of real images against `reference` (e.g. the test set), untouched and visibly damaged.

    Rows: "real" (another real set: the floor a perfect generator would reach), real + Gaussian noise
    of each sigma (in the [-1, 1] units of the images, clamped back to [-1, 1]), and real blurred by
    a Gaussian of each sigma in pixels. On the same features, a generator's FID can then be read as
    "between noise 0.1 and noise 0.2" rather than as a bare number. The damage is done on the device of
    `real`; the features go to the extractor's device (see `extract_features`).
    """
    real = torch.as_tensor(real)
    feats_ref = extract_features(reference, extractor)
    gen = torch.Generator().manual_seed(seed)
    damaged = [("real", real)]
    # the noise is drawn on the CPU from `seed` (the same numbers on every device), then moved to the images
    damaged += [(f"noise sigma = {s:g}",
                 (real + s * torch.randn(real.shape, generator=gen).to(real.device, real.dtype)).clamp(-1, 1))
                for s in noise]
    damaged += [(f"blur sigma = {s:g} px", gaussian_blur(real, s)) for s in blur]
    return [Calibration(name, frechet_distance(feats_ref, extract_features(x, extractor))) for name, x in damaged]


def place_on_scale(fid_value: float, calibration: list[Calibration]) -> str:
    """Where `fid_value` sits among the calibration rows, e.g. "between noise sigma = 0.1 (9.8) and
    noise sigma = 0.2 (31.2)", "below real (0.3)" or "above blur sigma = 1 px (120.5)"."""
    rows = sorted(calibration, key=lambda r: r.fid)
    if not rows:
        raise ValueError("the calibration is empty")
    if fid_value < rows[0].fid:
        return f"below {rows[0].name} ({rows[0].fid:.1f})"
    for lo, hi in zip(rows, rows[1:]):
        if lo.fid <= fid_value <= hi.fid:
            return f"between {lo.name} ({lo.fid:.1f}) and {hi.name} ({hi.fid:.1f})"
    return f"above {rows[-1].name} ({rows[-1].fid:.1f})"
