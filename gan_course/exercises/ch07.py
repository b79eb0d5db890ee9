"""Chapter 07 exercises: AdaIN (the paper's eq. 1), the style-mixing crossover, the truncation trick in W."""
import torch

from .. import layers
from ..models import stylegan
from . import Exercise, register


def _feature_maps(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    b, c = int(torch.randint(1, 4, (1,), generator=gen)), int(torch.randint(1, 5, (1,), generator=gen))
    side = int(torch.randint(2, 6, (1,), generator=gen))
    x = torch.randn(b, c, side, side, generator=gen) * 3 + 2          # maps with their own mean and spread
    return x, torch.randn(b, c, generator=gen) + 1, torch.randn(b, c, generator=gen)


register(Exercise(
    name="ch07.adain",
    title="AdaIN adain(x, scale, bias)",
    reference=layers.adain,
    make_inputs=_feature_maps,
    grad_wrt=lambda x, scale, bias: [("x", x), ("scale", scale), ("bias", bias)],
    hint="per sample and channel: mean = x.mean(dim=(2, 3), keepdim=True), std = sqrt(x.var(dim=(2, 3), "
         "unbiased=False, keepdim=True) + 1e-8) (instance norm: over the pixels of one feature map, biased); "
         "return scale[:, :, None, None] * (x - mean) / std + bias[:, :, None, None].",
))


def _two_styles(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, int]:
    b, num_ws, w_dim = int(torch.randint(1, 4, (1,), generator=gen)), int(torch.randint(2, 9, (1,), generator=gen)), 3
    crossover = int(torch.randint(0, num_ws + 1, (1,), generator=gen))
    return torch.randn(b, num_ws, w_dim, generator=gen), torch.randn(b, num_ws, w_dim, generator=gen), crossover


register(Exercise(
    name="ch07.style_mix",
    title="Style mixing style_mix(ws_a, ws_b, crossover)",
    reference=stylegan.style_mix,
    make_inputs=_two_styles,
    trials=12,
    hint="layers 0, ..., crossover - 1 take ws_a's styles, layers crossover, ..., num_ws - 1 take ws_b's: "
         "out = ws_b.clone(); out[:, :crossover] = ws_a[:, :crossover]. crossover = 0 is all of b.",
))


def _styles_to_truncate(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, float, int]:
    b, num_ws, w_dim = int(torch.randint(1, 4, (1,), generator=gen)), int(torch.randint(2, 9, (1,), generator=gen)), 4
    psi = float(torch.rand(1, generator=gen)) * 0.8 + 0.1              # strictly inside (0, 1)
    cutoff = int(torch.randint(1, num_ws, (1,), generator=gen))        # some layers truncated, some not
    return torch.randn(b, num_ws, w_dim, generator=gen), torch.randn(w_dim, generator=gen), psi, cutoff


register(Exercise(
    name="ch07.truncate",
    title="The truncation trick in W truncate(ws, w_avg, psi, cutoff)",
    reference=stylegan.truncate,
    make_inputs=_styles_to_truncate,
    trials=12,
    hint="on layers 0, ..., cutoff - 1: w' = w_avg + psi * (w - w_avg) (psi = 1: unchanged, psi = 0: the "
         "average); layers from cutoff on keep their w. out = ws.clone(); out[:, :cutoff] = w_avg + psi * "
         "(ws[:, :cutoff] - w_avg).",
))
