"""Chapter 08's view: a real image, its projection into W (or W+), and style mixing with a generated image.

Chapter 07's views (style mixing, truncation, noise: `widgets/stylegan.py`) work unchanged on
StyleGAN2's generator, which keeps chapter 07's generator protocol.
"""
from __future__ import annotations

from .core import ImageView, grid_picture, int_slider, seed_slider
from .stylegan import check_style_generator, styles, synthesize


def projection_mixer(G, real_images, projected_ws, *, index: int = 0, seed: int = 0, crossover: int | None = None,
                     noise="none", scale: int = 4,
                     title: str = "Projection into W, then style mixing with a generated image"):
    """Controls: which real image (`index`), the seed of a generated image, and the crossover layer.

    `projected_ws` [N, num_ws, w_dim] are the projections of `real_images` [N, C, H, W] (from
    `projection.project`, computed once: the view only draws). One row, left to right: the real
    image, its projection g(ws), the generated image, the projection's layers [0, crossover) with the
    generated image's from there on (the real image's coarse styles, the generated one's details),
    and the reverse mix. `noise` is the synthesis noise used for every image (the projection's).
    """
    import torch

    from .. import checks
    from ..models import stylegan

    check_style_generator(G)
    if not isinstance(real_images, torch.Tensor) or real_images.dim() != 4:
        got = getattr(real_images, "shape", type(real_images).__name__)
        raise ValueError(f"real_images must be images [N, C, H, W], got {got}")
    if len(real_images) == 0:
        raise ValueError("real_images must hold at least one image [N >= 1, C, H, W], got N = 0")
    if not isinstance(projected_ws, torch.Tensor) or projected_ws.shape != (len(real_images), G.num_ws, G.w_dim):
        got = getattr(projected_ws, "shape", type(projected_ws).__name__)
        raise ValueError(f"projected_ws must be one projection per real image, [N={len(real_images)}, "
                         f"num_ws={G.num_ws}, w_dim={G.w_dim}], got {got}")
    checks.integer("index (a real image)", index, minimum=0, maximum=len(real_images) - 1)
    crossover = G.num_ws // 2 if crossover is None else crossover
    stylegan.style_mix(projected_ws[:1], projected_ws[:1], crossover)               # validates the crossover
    projected_ws = projected_ws.detach().to(G.w_avg.device)
    controls = {
        "index": int_slider("index (a real image)", index, 0, len(real_images) - 1, description="real image"),
        "seed": seed_slider("seed", seed, description="generated"),
        "crossover": int_slider("crossover", crossover, 0, G.num_ws),
    }

    def render(index: int, seed: int, crossover: int):
        ws_real, ws_gen = projected_ws[index:index + 1], styles(G, seed, 1)
        mixes = [stylegan.style_mix(ws_real, ws_gen, crossover), stylegan.style_mix(ws_gen, ws_real, crossover)]
        row = [real_images[index:index + 1].clamp(-1, 1).cpu()] + [synthesize(G, ws, noise)
                                                                  for ws in (ws_real, ws_gen, *mixes)]
        return grid_picture(torch.cat(row), nrow=len(row), scale=scale)

    return ImageView(render, controls, title, static={"crossover": 17},  # every crossover up to 16 layers
                     note="real | projection | generated | projection's coarse + generated's fine | "
                          "generated's coarse + projection's fine")
