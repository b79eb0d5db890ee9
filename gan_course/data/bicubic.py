"""The one degradation of chapter 09 (super-resolution): antialiased bicubic down- and upscaling."""

from __future__ import annotations

import torch
import torch.nn.functional as F


SR_SCALES = (2, 4)


def check_scale(scale) -> int:
    if isinstance(scale, bool) or scale not in SR_SCALES:
        raise ValueError(f"scale must be one of {SR_SCALES} (the upscaling factor), got {scale!r}")
    return scale


def bicubic_downscale(hr: torch.Tensor, scale: int) -> torch.Tensor:
    """The one degradation of the chapter: an antialiased bicubic shrink by `scale` (as MATLAB's and
    PIL's imresize), on [C, H, W] or [N, C, H, W] images in [-1, 1] with H, W multiples of `scale`.
    The same function makes the training inputs and the test inputs."""
    check_scale(scale)
    h, w = hr.shape[-2:]
    if h % scale or w % scale:
        raise ValueError(f"the HR side {h}x{w} must be a multiple of the scale {scale}: crop it first "
                         f"(e.g. hr[..., :{h - h % scale}, :{w - w % scale}])")
    batch = hr if hr.dim() == 4 else hr[None]
    lr = F.interpolate(batch, size=(h // scale, w // scale), mode="bicubic", align_corners=False, antialias=True)
    lr = lr.clamp(-1.0, 1.0)  # bicubic overshoots at edges
    return lr if hr.dim() == 4 else lr[0]


def bicubic_upscale(lr: torch.Tensor, scale: int) -> torch.Tensor:
    """The baseline every super-resolution method must beat: bicubic enlargement by `scale`
    (the same cubic kernel, a = -0.5, as `bicubic_downscale`), on [C, h, w] or [N, C, h, w]."""
    check_scale(scale)
    batch = lr if lr.dim() == 4 else lr[None]
    h, w = batch.shape[-2:]
    sr = F.interpolate(batch, size=(h * scale, w * scale), mode="bicubic", align_corners=False, antialias=True)
    sr = sr.clamp(-1.0, 1.0)
    return sr if lr.dim() == 4 else sr[0]
