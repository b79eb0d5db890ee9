"""What the generator views share: seeded latents, a class dropdown, G(z) on the CPU."""
from __future__ import annotations


def latents(n: int, z_dim: int, seed: int):
    """n latents z ~ N(0, I) from their own seeded generator: the same seed, the same z."""
    import torch

    return torch.randn(n, z_dim, generator=torch.Generator().manual_seed(int(seed)))


def class_dropdown(G, class_names):
    """A class dropdown for a conditional generator; None for an unconditional one."""
    import ipywidgets as W

    from ..training import is_conditional

    if not is_conditional(G):
        return None
    names = list(class_names) if class_names is not None else [str(i) for i in range(G.num_classes)]
    if len(names) != G.num_classes:
        raise ValueError(f"class_names has {len(names)} names but the generator has {G.num_classes} classes")
    return W.Dropdown(options=[(name, i) for i, name in enumerate(names)], value=0, description="class")


def conditional_inputs(G, class_names, n_samples, view: str, example: str):
    """The class dropdown of a view that needs a class-conditional G, after checking G and n_samples.

    `view` names the view and `example` a generator that fits it, for the error messages."""
    check_z_dim(G)
    picker = class_dropdown(G, class_names)
    if picker is None:
        raise ValueError(f"{type(G).__name__} is not conditional (it has no num_classes > 0); "
                         f"the {view} needs a class-conditional G(z, labels) such as {example}")
    if not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError(f"n_samples must be an int >= 1, got {n_samples!r}")
    return picker


def generate(G, z, label=None):
    """G(z) on G's device, back on the CPU; a conditional G draws every image of `label`."""
    import torch

    from ..training import is_conditional, sample

    device = next(G.parameters()).device
    labels = torch.full((len(z),), int(label or 0), dtype=torch.long) if is_conditional(G) else None
    return sample(G, len(z), z=z.to(device), labels=labels).cpu()


def check_z_dim(G):
    if not isinstance(getattr(G, "z_dim", None), int):
        raise ValueError(f"{type(G).__name__} has no integer attribute z_dim; the latent widgets need one")
