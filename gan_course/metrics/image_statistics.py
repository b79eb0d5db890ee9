"""Statistics of one set of images or feature maps, with no reference set: sharpness (gradient energy,
chapter 10) and the peak-to-mean ratio of feature maps (StyleGAN2's "droplet", chapter 08, sec. 2.1).
"""

from __future__ import annotations

import torch


def gradient_energy(images) -> float:
    """Mean squared difference between neighbouring pixels (horizontal and vertical), over images [N, C, H, W].

    A measure of sharpness: a blur spreads an edge of height h over n smaller steps, whose squares sum to
    h^2 / n (the absolute differences would still sum to h), so blurring lowers it. For reconstructions,
    compare it with the real images' (a ratio below 1: blurrier than the data). Constant images give 0.
    """
    x = torch.as_tensor(images).detach().cpu().double()
    if x.dim() != 4 or x.shape[-1] < 2 or x.shape[-2] < 2 or len(x) == 0:
        raise ValueError(f"images must be [N, C, H, W] with N >= 1 and H, W >= 2, got {list(x.shape)}")
    dx = (x[..., :, 1:] - x[..., :, :-1]).square().mean()   # horizontal neighbours
    dy = (x[..., 1:, :] - x[..., :-1, :]).square().mean()   # vertical neighbours
    return ((dx + dy) / 2).item()


def peak_to_mean(features: torch.Tensor) -> torch.Tensor:
    """max |x| / mean |x| over the pixels of each feature map: [B, C, H, W] -> [B, C] (float64).

    A map whose energy sits in one spike (StyleGAN's droplet: a blob the generator uses to dominate
    instance norm's statistics) scores up to H * W, a constant map 1. Maps of i.i.d. Gaussian noise score,
    on average, 2.6 (4x4), 3.3 (8x8), 3.8 (16x16) and 4.3 (32x32), and after a LeakyReLU (slope 0.2, the
    generators' activation) 3.8 (4x4) to 6.8 (32x32): a larger map has a larger largest value, so compare
    maps of one size (tests/test_metrics_maps.py computes these numbers).
    """
    if not isinstance(features, torch.Tensor) or features.dim() != 4:
        shape = list(features.shape) if isinstance(features, torch.Tensor) else type(features).__name__
        raise ValueError(f"peak_to_mean needs feature maps [B, C, H, W], got {shape}")
    a = features.detach().double().abs().flatten(2)                  # [B, C, H*W]
    return a.amax(dim=2) / a.mean(dim=2).clamp_min(1e-12)
