"""Chapter 09 exercises: pixel unshuffle (the inverse of sub-pixel convolution's shuffle), PSNR as the SR
papers score it (Y channel, border shaved), and SRGAN's content loss on a frozen feature extractor."""
import torch
import torch.nn.functional as F

from .. import metrics
from ..models import srgan
from . import Exercise, register


def _unshuffle_inputs(gen: torch.Generator) -> tuple[torch.Tensor, int]:
    r = int(torch.randint(2, 4, (1,), generator=gen))
    b, c, h, w = (int(torch.randint(1, 4, (1,), generator=gen)) for _ in range(4))
    return torch.randn(b, c, h * r, w * r, generator=gen), r


def _psnr_inputs(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, int]:
    n = int(torch.randint(2, 4, (1,), generator=gen))
    h, w = (int(torch.randint(12, 24, (1,), generator=gen)) for _ in range(2))
    hr = torch.rand(n, 3, h, w, generator=gen) * 2 - 1
    noise = torch.rand(n, 1, 1, 1, generator=gen) * 0.2 * torch.randn(n, 3, h, w, generator=gen)  # a level per image
    return (hr + noise).clamp(-1, 1), hr, int(torch.randint(1, 5, (1,), generator=gen))


def _y_psnr(sr: torch.Tensor, hr: torch.Tensor, shave: int) -> float:
    return metrics.psnr(sr, hr, y_channel=True, shave=shave)


def _content_inputs(gen: torch.Generator):
    features = srgan.RandomFeatures(widths=(4, 8), seed=int(torch.randint(1000, (1,), generator=gen)))
    real = torch.rand(2, 3, 12, 12, generator=gen) * 2 - 1
    return features, real + 0.3 * torch.randn(real.shape, generator=gen), real


def _content_loss(features, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    return srgan.ContentLoss(features)(fake, real)


register(Exercise(
    name="ch09.pixel_unshuffle",
    title="Space-to-depth pixel_unshuffle(x, r): [B, C, H, W] -> [B, C*r*r, H/r, W/r], the inverse of PixelShuffle",
    reference=F.pixel_unshuffle,
    make_inputs=_unshuffle_inputs,
    hint="pixel (h*r + i, w*r + j) of channel c goes to channel c*r*r + i*r + j at (h, w): view x as "
         "[B, C, H/r, r, W/r, r], move the two r axes next to C, then reshape.",
))

register(Exercise(
    name="ch09.psnr_y",
    title="PSNR as SR papers score it psnr_y(sr, hr, shave): on the luma Y, border shaved, averaged over images",
    reference=_y_psnr,
    make_inputs=_psnr_inputs,
    atol=1e-4,
    reveals=(metrics.rgb_to_y, metrics.psnr, metrics._prepare),
    hint="map [-1, 1] to [0, 1], Y = 16 + 65.481 R + 128.553 G + 24.966 B (0..255), drop `shave` pixels on each "
         "side, then 10 log10(255^2 / MSE) per image and average the PSNRs (not the MSEs).",
))

register(Exercise(
    name="ch09.content_loss",
    title="SRGAN's content loss content_loss(features, fake, real) = mean (phi(fake) - phi(real))^2",
    reference=_content_loss,
    make_inputs=_content_inputs,
    grad_wrt=lambda features, fake, real: [("fake", fake)],
    reveals=(srgan.ContentLoss,),
    hint="compare the feature maps, not the pixels: features(fake) and features(real), squared difference, "
         "averaged over every element (F.mse_loss).",
))
