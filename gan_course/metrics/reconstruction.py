"""Reconstruction metrics for super-resolution (chapter 09): PSNR, SSIM and a feature distance, on the
SR papers' protocol (luma Y, a border of `scale` pixels shaved).

SSIM: Wang et al., "Image Quality Assessment: From Error Visibility to Structural Similarity"
(IEEE TIP 2004).
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Callable

import torch
import torch.nn.functional as F

from .features import _extractor_device

# The data range is the width of the images' value range: PSNR's peak and SSIM's constants scale with it.
RANGES = "2 for [-1, 1], 1 for [0, 1], 255 for 0..255"


def _image_pair(x, y) -> tuple[torch.Tensor, torch.Tensor]:
    """Two [N, C, H, W] float64 CPU tensors from a pair of [N, C, H, W] or [C, H, W] images."""
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    if x.shape != y.shape or x.ndim not in (3, 4) or x.numel() == 0:
        raise ValueError(f"x and y must be images of one shape, [N, C, H, W] or [C, H, W]; "
                         f"got {tuple(x.shape)} and {tuple(y.shape)}")
    x, y = (t.detach().to("cpu", torch.float64) for t in (x, y))
    return (x[None], y[None]) if x.ndim == 3 else (x, y)


# ITU-R BT.601 luma, as the SR papers score: Y = 16 + 65.481 R + 128.553 G + 24.966 B for R, G, B in
# [0, 1], so Y runs over [16, 235] of 0..255 (MATLAB's rgb2ycbcr; BasicSR's and the sgrvinod tutorial's).
BT601_WEIGHTS = (65.481, 128.553, 24.966)


def rgb_to_y(x: torch.Tensor) -> torch.Tensor:
    """The luma Y of RGB images [..., 3, H, W] in [-1, 1], as [..., 1, H, W] in [16, 235] / 255: the
    SR papers' Y on 0..255, divided by 255. PSNR and SSIM with data_range 1 on it equal theirs with
    data_range 255 on 0..255 (SSIM depends on the offset of the values, so the offset matters)."""
    if x.dim() < 3 or x.shape[-3] != 3:
        raise ValueError(f"rgb_to_y needs RGB images [..., 3, H, W], got shape {tuple(x.shape)}")
    weights = torch.tensor(BT601_WEIGHTS, dtype=x.dtype, device=x.device).view(3, 1, 1)
    return (16.0 + ((x + 1) / 2 * weights).sum(dim=-3, keepdim=True)) / 255.0


def _prepare(x, y, data_range: float, y_channel: bool, shave: int) -> tuple[torch.Tensor, torch.Tensor, float]:
    """The image pair as the SR papers score it, and its data range: on the luma Y only (`y_channel`;
    Y in [0, 1], so the range becomes 1), without a border of `shave` pixels (= the scale: a network
    cannot know what lay beyond the image's edge). Values spread over much more than `data_range` (say
    0..255 images at the default data_range=2) are an error, not a meaningless number."""
    if isinstance(data_range, bool) or not isinstance(data_range, Real) or not math.isfinite(data_range) \
            or data_range <= 0:
        raise ValueError(f"data_range must be a positive number, the width of the images' value range ({RANGES}); "
                         f"got data_range={data_range!r}")
    if y_channel and data_range != 2.0:
        raise ValueError(f"y_channel=True takes images in [-1, 1] (data_range=2), got data_range={data_range}")
    x, y = _image_pair(x, y)
    if not (torch.isfinite(x).all() and torch.isfinite(y).all()):
        raise ValueError("x and y must hold finite values; got nan or inf")
    lo, hi = min(x.min().item(), y.min().item()), max(x.max().item(), y.max().item())
    if hi - lo > 1.1 * data_range:  # 10 % slack for a little overshoot; 0..255 images at data_range=2 are caught
        raise ValueError(f"x and y hold values from {lo:.4g} to {hi:.4g}, a spread wider than data_range={data_range:g}, "
                         f"the width of their value range ({RANGES}): pass the data_range of your images")
    if y_channel:
        x, y, data_range = rgb_to_y(x), rgb_to_y(y), 1.0
    if isinstance(shave, bool) or not isinstance(shave, int) or shave < 0:
        raise ValueError(f"shave must be an int >= 0 (border pixels to drop), got {shave!r}")
    if shave:
        h, w = x.shape[-2:]
        if min(h, w) <= 2 * shave:
            raise ValueError(f"shaving {shave} pixels from each side of a {h}x{w} image leaves nothing")
        x, y = x[..., shave:-shave, shave:-shave], y[..., shave:-shave, shave:-shave]
    return x, y, data_range


def psnr(x, y, *, data_range: float = 2.0, y_channel: bool = False, shave: int = 0) -> float:
    """Peak signal-to-noise ratio in dB, averaged over images (the SR papers' convention).

    PSNR = 10 log10(data_range^2 / MSE), MSE per image over all channels and pixels;
    data_range = 2 for images in [-1, 1] (255 for 0..255). Identical images give inf. The SR papers
    score the luma only and drop a border: `y_channel=True, shave=scale` (see `rgb_to_y`); the default
    is plain RGB.
    """
    x, y, data_range = _prepare(x, y, data_range, y_channel, shave)
    mse = (x - y).pow(2).flatten(1).mean(1)  # [N]
    return (10 * torch.log10(data_range**2 / mse)).mean().item()


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    g = torch.exp(-(torch.arange(size, dtype=torch.float64) - size // 2) ** 2 / (2 * sigma**2))
    g = g / g.sum()
    return g[:, None] * g[None, :]  # [size, size], separable 2D Gaussian summing to 1


def ssim(x, y, *, data_range: float = 2.0, y_channel: bool = False, shave: int = 0) -> float:
    """Structural similarity (Wang et al. 2004), averaged over images, channels and windows.

    Local statistics under an 11x11 Gaussian window (sigma 1.5), windows wholly inside the image:
    SSIM = (2 mu_x mu_y + C1)(2 cov_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(var_x + var_y + C2)),
    C1 = (0.01 L)^2, C2 = (0.03 L)^2, L = data_range. Matches skimage's structural_similarity
    with gaussian_weights=True, sigma=1.5, use_sample_covariance=False. `y_channel` and `shave`
    as in `psnr`.
    """
    x, y, data_range = _prepare(x, y, data_range, y_channel, shave)
    _, c, h, w = x.shape
    if h < 11 or w < 11:
        raise ValueError(f"SSIM's 11x11 window needs images of at least 11x11; got {h}x{w}")
    window = _gaussian_window().expand(c, 1, 11, 11)  # one window per channel: groups=c

    def blur(t):  # local Gaussian-weighted mean, [N, C, H-10, W-10]
        return F.conv2d(t, window, groups=c)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2  # E[x^2] - E[x]^2
    var_y = blur(y * y) - mu_y**2
    cov_xy = blur(x * y) - mu_x * mu_y
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * mu_x * mu_y + c1) * (2 * cov_xy + c2)
         / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)))
    return s.mean().item()


@torch.no_grad()
def feature_distance(x, y, extractor: Callable[[torch.Tensor], torch.Tensor], *, shave: int = 0, device=None) -> float:
    """Mean squared distance between feature maps, extractor(x) vs extractor(y), averaged over images:
    the perceptual measure of SRGAN's content loss (chapter 09), on RGB images in [-1, 1]. The images
    go to `device`, by default the extractor's (as in `extract_features`)."""
    x, y, _ = _prepare(x, y, 2.0, False, shave)
    device = _extractor_device(extractor) if device is None else device
    fx, fy = (extractor(t.float() if device is None else t.float().to(device)).double().cpu() for t in (x, y))
    return (fx - fy).pow(2).flatten(1).mean(1).mean().item()


def to_8bit(images) -> torch.Tensor:
    """Images in [-1, 1] rounded to the 256 grey levels of an 8-bit file (0..255, clamped), back in [-1, 1]
    as float64: what an SR paper scores after saving its outputs as PNG."""
    x = torch.as_tensor(images).detach().double()
    return ((x + 1) * 127.5).round().clamp(0, 255) / 127.5 - 1


def sr_scores(sr, hr, *, scale: int, extractor: Callable[[torch.Tensor], torch.Tensor] | None = None,
              device=None) -> dict[str, float]:
    """PSNR and SSIM on the Y channel with `scale` border pixels shaved (the SR papers' protocol), and the
    feature distance when an `extractor` is given, each averaged over a list of (differently sized)
    images [C, H, W]. Returns {"psnr": dB, "ssim": ..., "feature": ...}.

    As in the MATLAB and BasicSR protocols, both images are first rounded to 8 bits (`to_8bit`): an SR
    output is scored as the PNG file it would be saved as, each pixel moved by at most half a grey level."""
    if len(sr) != len(hr) or len(sr) == 0:
        raise ValueError(f"sr and hr must be two non-empty lists of the same length, got {len(sr)} and {len(hr)}")
    sr, hr = [to_8bit(s) for s in sr], [to_8bit(h) for h in hr]
    rows = [{"psnr": psnr(s, h, y_channel=True, shave=scale), "ssim": ssim(s, h, y_channel=True, shave=scale),
             **({"feature": feature_distance(s, h, extractor, shave=scale, device=device)} if extractor is not None else {})}
            for s, h in zip(sr, hr)]
    return {k: sum(r[k] for r in rows) / len(rows) for k in rows[0]}
