"""Chapter 02's views of a conditional generator: the class picker and the class interpolation.

For a conditional generator G(z, labels) (`num_classes` > 0); class_interpolation also needs G to
expose its class embedding table `G.embed` and `G.generate(z, c)`, as models/conditional.py does.
"""
from __future__ import annotations

from .. import checks
from .core import ImageView, float_slider, grid_picture, stack_pictures
from .generator import check_z_dim, class_dropdown, conditional_inputs, generate, latents

# Below this class spread (see `class_spread`) the classes look alike: an untrained G measures about
# 0.02, chapter 02's tiny run (100 steps) 0.03, 300 steps 0.24, its small run 0.35.
ALIKE = 0.1
MAX_SEED = 2**31 - 1  # the noise seed boxes' range: any seed a notebook may be run with


def class_spread(G, z) -> float:
    """How much G's classes differ: for each z, the standard deviation over the classes of each pixel
    of G(z, class), averaged over pixels and z. Pixels span [-1, 1]; 0 means the label changes nothing."""
    import torch

    images = torch.stack([generate(G, z, k) for k in range(G.num_classes)])  # [num_classes, n, C, H, W]
    return images.std(dim=0).mean().item()


def alike_note(spread: float, effect: str) -> str:
    return (f"⚠ This generator has barely learned its classes: for the same noise, a pixel changes by "
            f"{spread:.2f} on average (of a range of 2) from one class to another. Train it longer (e.g. "
            f"preset='small') to see real classes; {effect}")


def _noise_seed(seed: int, label: int, hold_noise: bool) -> int:
    """Held noise: the same z for every class. Not held: each (seed, class) gets its own z."""
    return int(seed) if hold_noise else 1_000_003 * (int(label) + 1) + int(seed)


def class_picker(G, class_names=None, *, n_samples: int = 16, nrow: int = 8, seed: int = 0, hold_noise: bool = True,
                 scale: int = 3, title: str = "Class picker: choose a class, hold or re-sample the noise"):
    """Pick a class and see `n_samples` images G draws for it.

    Controls: `label` (the class), `noise_seed` (which z; the "new noise" button adds 1) and
    `hold_noise`: when ticked, every class is drawn from the SAME z, so switching class shows what
    the label alone changes; when not, each class gets its own fresh noise. The picture is a pure
    function of the three values (a grid of `nrow` images per row).

    When the classes look alike (`class_spread` below ALIKE, as after a few seconds of training), the
    view says so, and adds what the label changes: each image minus its mean over all classes
    (same z), magnified around grey, so that switching class still shows something.
    """
    import torch

    import ipywidgets as W

    picker = conditional_inputs(G, class_names, n_samples, "class picker", "models.conditional.ConditionalGenerator")
    checks.integer("nrow", nrow, why="images per row of the grid")
    checks.integer("scale", scale, why="each pixel is shown as a scale x scale square")
    # BoundedIntText clamps an out-of-range value without a word: check it first
    checks.integer("seed", seed, minimum=0, maximum=MAX_SEED, why="the noise seed box's range")
    controls = {"label": picker,
                "noise_seed": W.BoundedIntText(value=seed, min=0, max=MAX_SEED, description="noise seed"),
                "hold_noise": W.Checkbox(value=hold_noise, description="hold the noise across classes")}
    resample = W.Button(description="new noise", icon="refresh")
    resample.on_click(lambda _: setattr(controls["noise_seed"], "value", controls["noise_seed"].value + 1))

    spread = class_spread(G, latents(n_samples, G.z_dim, seed))
    gain = min(100, int(0.5 / max(spread, 0.005)))  # a typical change becomes half the range: visible
    alike = spread < ALIKE
    note = alike_note(spread, f"below, what the label changes, x{gain} (grey: nothing)") if alike else None

    def render(label, noise_seed, hold_noise):
        z = latents(n_samples, G.z_dim, _noise_seed(noise_seed, label, hold_noise))
        images = generate(G, z, label)
        picture = grid_picture(images, nrow=min(nrow, n_samples), scale=scale)
        if not alike:
            return picture
        mean = torch.stack([generate(G, z, k) for k in range(G.num_classes)]).mean(dim=0)  # over classes, same z
        change = ((images - mean) * gain).clamp(-1, 1)
        return stack_pictures([picture, grid_picture(change, nrow=min(nrow, n_samples), scale=scale)], gap=4 * scale)

    view = ImageView(render, controls, title, extras=(resample,), note=note, static={"label": 10})  # 10 classes
    view.resample, view.class_spread = resample, spread
    return view


def class_blend(G, class_a: int, class_b: int, t: float, z):
    """G(z, c) with c = (1 - t) embed(a) + t embed(b): the noise z held, the class embedding blended."""
    import torch

    from .. import latent

    for name, k in (("class_a", class_a), ("class_b", class_b)):
        if not 0 <= int(k) < G.num_classes:
            raise ValueError(f"{name} must be a class index in [0, {G.num_classes - 1}], got {k}")
    device = next(G.parameters()).device
    e = G.embed.weight.detach()                                   # [num_classes, embed_dim]
    c = latent.lerp(e[int(class_a)], e[int(class_b)], float(t))   # [embed_dim]: a straight line in embedding space
    was_training = G.training
    G.eval()
    with torch.no_grad():
        out = G.generate(z.to(device), c.expand(len(z), -1)).cpu()
    G.train(was_training)
    return out


def class_interpolation(G, class_names=None, *, class_a: int = 0, class_b: int = 1, n_samples: int = 8,
                        seed: int = 0, scale: int = 3,
                        title: str = "Between two classes: blend the class embeddings, hold the noise"):
    """A slider t from class a (t = 0) to class b (t = 1) over the class embedding, z held fixed.

    The picture: row 1, the `n_samples` images at the slider's t; row 2, one sample's whole path
    from a to b in 9 steps, for reference. A pure function of (class_a, class_b, t, noise_seed).
    When the classes look alike (`class_spread` below ALIKE) the view says so.
    """
    import ipywidgets as W
    import torch

    check_z_dim(G)
    if class_dropdown(G, class_names) is None or not hasattr(G, "embed") or not hasattr(G, "generate"):
        raise ValueError(f"{type(G).__name__} needs num_classes > 0, a class embedding G.embed and G.generate(z, c) "
                         f"for class interpolation (as models.conditional.ConditionalGenerator has)")
    checks.integer("n_samples", n_samples, why="images in the row")
    checks.integer("scale", scale, why="each pixel is shown as a scale x scale square")
    checks.integer("seed", seed, minimum=0, maximum=MAX_SEED, why="the noise seed box's range")
    for name, k in (("class_a", class_a), ("class_b", class_b)):
        checks.integer(name, k, minimum=0, maximum=G.num_classes - 1, why=f"a class index of this {G.num_classes}-class G")
    names = list(class_names) if class_names is not None else [str(i) for i in range(G.num_classes)]
    options = [(name, i) for i, name in enumerate(names)]
    controls = {"class_a": W.Dropdown(options=options, value=class_a, description="class a"),
                "class_b": W.Dropdown(options=options, value=class_b, description="class b"),
                "t": float_slider("t", 0.5, 0.0, 1.0, 0.05),
                "noise_seed": W.BoundedIntText(value=seed, min=0, max=MAX_SEED, description="noise seed")}

    def render(class_a, class_b, t, noise_seed):
        z = latents(n_samples, G.z_dim, noise_seed)
        now = class_blend(G, class_a, class_b, t, z)                               # [n, C, H, W] at t
        path = torch.cat([class_blend(G, class_a, class_b, s, z[:1]) for s in torch.linspace(0, 1, 9).tolist()])
        return stack_pictures([grid_picture(now, nrow=n_samples, scale=scale),
                               grid_picture(path, nrow=9, scale=scale)], gap=2 * scale)

    spread = class_spread(G, latents(n_samples, G.z_dim, seed))
    note = alike_note(spread, "until then the blend changes little.") if spread < ALIKE else None
    view = ImageView(render, controls, title, note=note, static={"t": 11})  # t = 0, 0.1, ..., 1
    view.class_spread = spread
    return view
