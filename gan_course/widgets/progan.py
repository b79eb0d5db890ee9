"""Chapter 05's view: the fade-in by hand, an alpha slider over a growing generator."""
from __future__ import annotations

from .. import checks
from .core import ImageView, float_slider, grid_picture, int_slider, seed_slider, stack_pictures
from .generator import check_z_dim, generate, latents

STRIP_ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)


def alpha_slider(G, *, stage: int | None = None, alpha: float = 0.5, n_samples: int = 8, seed: int = 0,
                 scale: int = 3, title: str = "Fade-in: the same z, the new block blended in by alpha"):
    """Controls: alpha (0: the previous stage's image, upsampled; 1: the new block alone), the stage
    whose block fades in, and the seed of the latents.

    Top: `n_samples` images at (stage, alpha); below: the first of them at alpha = 0, 0.25, ..., 1.
    Every image is shown at G's final resolution (nearest upsampling, `progan.as_images`), so the
    pictures of all stages have one size. G's own stage and alpha are restored after each picture.
    """
    import ipywidgets as W
    import torch

    from ..models import progan

    check_z_dim(G)
    if not hasattr(G, "set_growth") or getattr(G, "n_stages", 0) < 2:
        raise ValueError(f"{type(G).__name__} is not a growing generator with two stages or more (ProGAN's "
                         f"Generator, with set_growth and n_stages): there is nothing to fade in")
    last = G.n_stages - 1
    stage = (G.stage or last) if stage is None else stage
    progan.check_growth(stage, alpha, G.n_stages)
    if stage < 1:
        raise ValueError(f"stage must be >= 1 (stage 0, 4x4, has no previous stage to fade from), got {stage}")
    checks.integer("n_samples", n_samples, maximum=64, why="images in the top row")
    checks.integer("scale", scale, maximum=16, why="the pictures' enlargement")
    controls = {  # a value outside a slider's range is an error, never silently clamped
        "alpha": float_slider("alpha", alpha, 0.0, 1.0, 0.05),
        "stage": int_slider("stage", stage, 1, last),
        "seed": seed_slider("seed", seed, description="samples"),
    }

    def at(stage: int, alpha: float, z):
        kept = G.stage, G.alpha
        G.set_growth(stage, alpha)
        try:
            return progan.as_images(generate(G, z), G.cfg.img_size)
        finally:
            G.set_growth(*kept)

    def render(alpha: float, stage: int, seed: int):
        z = latents(n_samples, G.z_dim, seed)
        row = at(stage, alpha, z)
        strip = torch.cat([at(stage, a, z[:1]) for a in STRIP_ALPHAS])
        return stack_pictures([grid_picture(row, nrow=n_samples, scale=scale),
                               grid_picture(strip, nrow=len(STRIP_ALPHAS), scale=scale)])

    return ImageView(render, controls, title, static={"alpha": 11},  # alpha = 0, 0.1, ..., 1 at this stage
                     note="bottom row: the first sample at alpha = " + ", ".join(f"{a:g}" for a in STRIP_ALPHAS))
