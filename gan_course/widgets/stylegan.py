"""Chapter 07's views over any style generator (G.mapping, G.synthesis, G.num_ws, G.w_avg, G.z_dim):
style mixing, truncation in W, and the noise inputs layer by layer."""
from __future__ import annotations

from .. import checks
from .core import ImageView, float_slider, grid_picture, int_slider, seed_slider, stack_pictures
from .generator import check_z_dim, latents

MAX_SAMPLES = 64    # images per row of a view


def check_n_samples(n_samples) -> int:
    return checks.integer("n_samples (images per row)", n_samples, minimum=1, maximum=MAX_SAMPLES)


def check_style_generator(G) -> None:
    check_z_dim(G)
    missing = [name for name in ("mapping", "synthesis", "num_ws", "w_avg") if not hasattr(G, name)]
    if missing:
        raise ValueError(f"{type(G).__name__} is not a style generator: it lacks {', '.join(missing)} "
                         f"(StyleGAN's Generator has mapping, synthesis, num_ws and w_avg)")


def styles(G, seed: int, n: int):
    """n per-layer styles [n, num_ws, w_dim] = f(z) for z from `seed`, on G's device (eval mode, no grad)."""
    import torch

    from ..models import stylegan

    z = latents(n, G.z_dim, seed).to(G.w_avg.device)
    was_training = G.training
    G.eval()
    try:
        with torch.no_grad():
            return stylegan.broadcast(G.mapping(z), G.num_ws)
    finally:
        G.train(was_training)


def synthesize(G, ws, noise):
    """G.synthesis(ws, noise) in eval mode without gradients, as images in [-1, 1] on the CPU."""
    import torch

    was_training = G.training
    G.eval()
    try:
        with torch.no_grad():
            noise = noise if isinstance(noise, str) else [None if n is None else n.to(ws.device) for n in noise]
            return G.synthesis(ws, noise=noise).clamp(-1, 1).cpu()
    finally:
        G.train(was_training)


def _layer_slider(name: str, value: int, num_ws: int):
    return int_slider(name, value, 0, num_ws)


def style_mixing(G, *, seed_a: int = 0, seed_b: int = 1, crossover: int | None = None, n_samples: int = 4,
                 noise_seed: int = 0, scale: int = 3,
                 title: str = "Style mixing: layers below the crossover from A, the rest from B"):
    """Controls: the seeds of sources A and B, and the crossover layer (0: all of B; num_ws: all of A).

    Rows: the A images, the B images, and A's styles on layers [0, crossover) with B's on the rest.
    Every image uses the same fixed noise maps (`noise_seed`), so only the styles differ.
    """
    import ipywidgets as W

    from ..models import stylegan

    check_style_generator(G)
    check_n_samples(n_samples)
    crossover = G.num_ws // 2 if crossover is None else crossover
    controls = {
        "seed_a": seed_slider("seed_a", seed_a, description="source A"),
        "seed_b": seed_slider("seed_b", seed_b, description="source B"),
        "crossover": _layer_slider("crossover", crossover, G.num_ws),
    }
    noise = stylegan.noise_inputs(G.synthesis.noise_sizes, 1, seed=noise_seed)

    def render(seed_a: int, seed_b: int, crossover: int):
        ws_a, ws_b = styles(G, seed_a, n_samples), styles(G, seed_b, n_samples)
        rows = [synthesize(G, ws, noise) for ws in (ws_a, ws_b, stylegan.style_mix(ws_a, ws_b, crossover))]
        return stack_pictures([grid_picture(row, nrow=n_samples, scale=scale) for row in rows])

    sides = G.synthesis.noise_sizes
    return ImageView(render, controls, title, static={"crossover": 17},  # every crossover up to 16 layers
                     note=f"rows: A, B, mixed. Layer k works at {', '.join(f'{k}: {s}x{s}' for k, s in enumerate(sides))}")


def truncation(G, *, psi: float = 0.7, cutoff: int | None = None, seed: int = 0, n_samples: int = 8,
               noise_seed: int = 0, scale: int = 3, title: str = "Truncation in W: w' = w_avg + psi (w - w_avg)"):
    """Controls: psi (0: every sample is the average w, 1: no truncation), the cutoff (layers [0, cutoff)
    are truncated; num_ws = all) and the seed. Top: truncated samples; below: the same samples at psi = 1."""
    from ..models import stylegan

    check_style_generator(G)
    check_n_samples(n_samples)
    cutoff = G.num_ws if cutoff is None else cutoff
    controls = {                                      # out-of-range values are errors, not silently clamped
        "psi": float_slider("psi (the slider's range: 0 = the average w, 1 = no truncation)", psi, 0.0, 1.0, 0.05,
                            description="psi"),
        "cutoff": _layer_slider("cutoff", cutoff, G.num_ws),
        "seed": seed_slider("seed", seed, description="samples"),
    }
    noise = stylegan.noise_inputs(G.synthesis.noise_sizes, 1, seed=noise_seed)

    def render(psi: float, cutoff: int, seed: int):
        ws = styles(G, seed, n_samples)
        rows = [synthesize(G, stylegan.truncate(ws, G.w_avg, psi, cutoff), noise), synthesize(G, ws, noise)]
        return stack_pictures([grid_picture(row, nrow=n_samples, scale=scale) for row in rows])

    return ImageView(render, controls, title, static={"psi": 11},  # psi = 0, 0.1, ..., 1
                     note="top: truncated; bottom: the same w's untruncated (psi = 1)")


def noise_explorer(G, *, seed: int = 0, noise_seed: int = 0, n_samples: int = 4, n_draws: int = 8, scale: int = 3,
                   title: str = "Noise inputs: the same w, the noise switched on layer by layer"):
    """Controls: the seed of the w's, the noise draw (the button draws a new one) and one checkbox per
    layer, `noise_k`, that switches layer k's noise input on or off. Top: the images; middle: each image's
    per-pixel standard deviation over `n_draws` noise draws on the chosen layers (white: the pixels that
    the noise moves most; black: none); bottom: the noise draw's map for the finest layer, N(0, 1) / 3."""
    import ipywidgets as W
    import torch

    from ..models import stylegan

    check_style_generator(G)
    check_n_samples(n_samples)
    checks.integer("n_draws", n_draws, minimum=2)
    sides = G.synthesis.noise_sizes
    controls = {
        "seed": seed_slider("seed", seed, description="w seed"),
        "noise_seed": int_slider("noise_seed", noise_seed, 0, 10**6, description="noise draw"),
        **{f"noise_{k}": W.Checkbox(value=True, description=f"noise {k} ({s}x{s})", indent=False,
                                    layout=W.Layout(width="auto")) for k, s in enumerate(sides)},
    }
    resample = W.Button(description="resample noise")
    resample.on_click(lambda _: setattr(controls["noise_seed"], "value", controls["noise_seed"].value + 1))

    def with_noise(ws, layers, noise_seed):
        maps = stylegan.noise_inputs(sides, len(ws), seed=noise_seed)
        return synthesize(G, ws, [m if k in layers else None for k, m in enumerate(maps)]), maps[-1]

    def render(seed: int, noise_seed: int, **switches):
        layers = {k for k in range(len(sides)) if switches[f"noise_{k}"]}
        ws = styles(G, seed, n_samples)
        draws = torch.stack([with_noise(ws, layers, noise_seed + 1000 * d)[0] for d in range(n_draws)])  # [D, n, C, H, W]
        std = draws.std(dim=0).mean(dim=1, keepdim=True)                        # [n, 1, H, W]
        std_map = std / std.amax().clamp_min(1e-8) * 2 - 1                      # 0 -> black, the largest -> white
        images, finest_noise = with_noise(ws, layers, noise_seed)
        return stack_pictures([grid_picture(images, nrow=n_samples, scale=scale),
                               grid_picture(std_map, nrow=n_samples, scale=scale),
                               grid_picture(finest_noise / 3, nrow=n_samples, scale=scale)])

    # static: the coarsest and the finest layer's noise, each off or on
    static = {"noise_0": 2, f"noise_{len(sides) - 1}": 2} if len(sides) > 1 else {"noise_0": 2}
    return ImageView(render, controls, title, extras=(resample,), static=static,
                     note=f"rows: the images; per-pixel std over {n_draws} noise draws (white: the largest); "
                          f"the finest layer's noise map of this draw")
