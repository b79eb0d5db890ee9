"""Chapter 05 exercises: the real images' fade-in, minibatch standard deviation, the growth schedule."""
import torch

from .. import layers
from ..models import progan
from . import Exercise, register


def _images(gen: torch.Generator) -> tuple[torch.Tensor, float]:
    n, c = int(torch.randint(1, 5, (1,), generator=gen)), [1, 3][int(torch.randint(0, 2, (1,), generator=gen))]
    side = [4, 8, 16][int(torch.randint(0, 3, (1,), generator=gen))]
    alpha = float(torch.rand(1, generator=gen)) * 0.9 + 0.05  # strictly inside (0, 1): both ends matter
    return torch.randn(n, c, side, side, generator=gen), alpha


register(Exercise(
    name="ch05.fade_images",
    title="The real images' fade-in fade_images(x, alpha)",
    reference=progan.fade_images,
    reveals=(progan.fade_images, progan.fade_in),
    make_inputs=_images,
    hint="blurred = the 2x2 box means (F.avg_pool2d(x, 2)) upsampled back by repeating each pixel "
         "(F.interpolate(..., scale_factor=2, mode='nearest')); return (1 - alpha) * blurred + alpha * x. "
         "alpha = 0 is the old, blocky resolution, alpha = 1 the new, sharp one.",
))


def _batch(gen: torch.Generator) -> tuple[torch.Tensor, int]:
    group = [2, 4][int(torch.randint(0, 2, (1,), generator=gen))]
    groups = int(torch.randint(2, 4, (1,), generator=gen))  # at least two groups: strided vs contiguous differ
    c, side = int(torch.randint(1, 5, (1,), generator=gen)), int(torch.randint(1, 4, (1,), generator=gen))
    scale = torch.rand(group * groups, 1, 1, 1, generator=gen) * 3  # samples of different spreads
    return torch.randn(group * groups, c, side, side, generator=gen) * scale, group


register(Exercise(
    name="ch05.minibatch_stddev",
    title="Minibatch standard deviation minibatch_stddev(x, group_size)",
    reference=layers.minibatch_stddev,
    make_inputs=_batch,
    hint="y = x.view(G, N // G, C, H, W): group m holds samples m, m + N/G, ... (strided, as the authors' reshape); "
         "std = sqrt(mean over dim 0 of (y - y.mean(0))^2 + 1e-8) (the biased std); average it over C, H, W to one "
         "number per group; give every sample of the group that number as an extra [1, H, W] map: "
         "torch.cat([x, map], dim=1) -> [N, C + 1, H, W].",
))


def _stage_and_alpha(step: int, stabilise_steps: int, fade_steps: int, n_stages: int) -> tuple[int, float]:
    return progan.GrowthSchedule(stabilise_steps, fade_steps, n_stages).stage_and_alpha(step)


def _schedule(gen: torch.Generator) -> tuple[int, int, int, int]:
    stabilise, fade = int(torch.randint(2, 6, (1,), generator=gen)), int(torch.randint(2, 6, (1,), generator=gen))
    n_stages = int(torch.randint(2, 5, (1,), generator=gen))
    step = int(torch.randint(0, (n_stages + 1) * (stabilise + fade), (1,), generator=gen))
    return step, stabilise, fade, n_stages


register(Exercise(
    name="ch05.stage_and_alpha",
    title="The growth schedule stage_and_alpha(step, stabilise_steps, fade_steps, n_stages)",
    reference=_stage_and_alpha,
    reveals=(progan.GrowthSchedule.stage_and_alpha,),
    make_inputs=_schedule,
    trials=40,
    hint="phase, t = divmod(step, stabilise_steps + fade_steps). From phase n_stages - 1 on: (n_stages - 1, 1.0). "
         "Else the first stabilise_steps of a phase stabilise stage `phase` (alpha 1.0), the rest fade in stage "
         "phase + 1 with alpha = (t - stabilise_steps) / fade_steps, which starts at exactly 0.",
))
