"""The one degradation of chapter 09 (super-resolution): antialiased bicubic down- and upscaling."""

from __future__ import annotations

import torch
import torch.nn.functional as F


SR_SCALES = (2, 4)


def check_scale(scale) -> int:
    if isinstance(scale, bool) or scale not in SR_SCALES:
        raise ValueError(f"scale must be one of {SR_SCALES} (the upscaling factor), got {scale!r}")
    return scale


def _images(name: str, x, min_side: int = 1) -> torch.Tensor:
    """`x` checked to be float images [C, H, W] or [N, C, H, W] with sides >= min_side, else a clear error."""
    if not isinstance(x, torch.Tensor) or x.dim() not in (3, 4) or not x.is_floating_point() \
            or min(x.shape[-2:]) < min_side:
        got = f"{x.dtype} {list(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{name} must be float images [C, H, W] or [N, C, H, W] in [-1, 1] with sides >= {min_side}; "
                         f"got {got}")
    return x


def bicubic_downscale(hr: torch.Tensor, scale: int) -> torch.Tensor:
    """The one degradation of the chapter: an antialiased bicubic shrink by `scale`, on [C, H, W] or
    [N, C, H, W] images in [-1, 1] with H, W multiples of `scale`. The same function makes the training
    inputs and the test inputs.

    Equal to PIL's `Image.resize(..., BICUBIC)` (tests/test_data_sr.py), which widens the cubic kernel
    by `scale` and renormalises it where the border cuts it. MATLAB's `imresize`, which the SR papers
    used, widens it the same way but mirrors the image at its borders instead: the two agree in the
    interior only, and differ by a few grey levels in the outer pixels."""
    check_scale(scale)
    _images("hr", hr, min_side=scale)
    h, w = hr.shape[-2:]
    if h % scale or w % scale:
        raise ValueError(f"hr is {h}x{w}: its sides must be multiples of scale={scale}; crop it first "
                         f"(e.g. hr[..., :{h - h % scale}, :{w - w % scale}])")
    batch = hr if hr.dim() == 4 else hr[None]
    lr = F.interpolate(batch, size=(h // scale, w // scale), mode="bicubic", align_corners=False, antialias=True)
    lr = lr.clamp(-1.0, 1.0)  # bicubic overshoots at edges
    return lr if hr.dim() == 4 else lr[0]


def bicubic_upscale(lr: torch.Tensor, scale: int) -> torch.Tensor:
    """The baseline every super-resolution method must beat: bicubic enlargement by `scale`
    (the same cubic kernel, a = -0.5, as `bicubic_downscale`), on [C, h, w] or [N, C, h, w]."""
    check_scale(scale)
    _images("lr", lr)
    batch = lr if lr.dim() == 4 else lr[None]
    h, w = batch.shape[-2:]
    sr = F.interpolate(batch, size=(h * scale, w * scale), mode="bicubic", align_corners=False, antialias=True)
    sr = sr.clamp(-1.0, 1.0)
    return sr if lr.dim() == 4 else sr[0]
