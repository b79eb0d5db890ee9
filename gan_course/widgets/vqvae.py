"""Chapter 10's views of a VQ-VAE: the code editor and sampling from the prior over codes.

    code_editor     pick an image, click a position of its code grid, pick another code: see what the decoder makes
    prior_sampler   new code grids from the prior, drawn with a temperature, turned into images by the decoder

For a `models.vqvae.VQVAE` (anything with `encode`, `decode` and `cfg.grid_size` / `cfg.codebook_size`) and
a `models.pixelcnn.PixelCNN` over its codes.
"""
from __future__ import annotations

from .. import checks
from ..models.vqvae import code_indices, decode_codes
from .core import ImageView, float_slider, grid_picture

# The temperature slider's range: inside what PixelCNN.sample accepts (1e-3 to 100), where the pictures change.
TEMPERATURE_RANGE, TEMPERATURE_STEP = (0.05, 5.0), 0.05
SEED_RANGE = (0, 2**31 - 1)  # any seed a notebook may be run with
# The website's frames (static mode): finer below 1, where sharpening changes most, plus the slider's start
STATIC_TEMPERATURES = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)


def edit_code(codes, row: int, col: int, code: int):
    """A copy of one code grid [g, g] (or [1, g, g]) with position (row, col) set to `code`; clear errors."""
    g = codes.shape[-1]
    for name, value in (("row", row), ("col", col)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < g:
            raise ValueError(f"{name} must be an int in [0, {g - 1}] (a position of the {g}x{g} code grid), got {value!r}")
    if isinstance(code, bool) or not isinstance(code, int):
        raise ValueError(f"code must be an int (a codebook index), got {code!r}")
    edited = codes.clone()
    edited[..., row, col] = code
    return edited


def _rgb(images, scale: int):
    """One image [1, C, H, W] in [-1, 1] -> uint8 [H * scale, W * scale, 3], enlarged pixel by pixel."""
    import numpy as np

    from .. import viz

    picture = viz.upscale(viz.image_grid(images, nrow=1, pad=0), scale)
    return np.repeat(picture[..., None], 3, axis=2) if picture.ndim == 2 else picture


def code_grid_picture(images, codes, row: int, col: int, edited: int, scale: int = 7):
    """The code editor's picture (uint8 RGB): the image with its codes written over it, the decoding of the
    codes, the decoding with code (row, col) replaced by `edited`, and where the two decodings differ.

    images: [3, C, S, S] = (image, decoded, edited decoding); codes: [g, g]. Drawn with PIL, so a view
    updates in milliseconds (a matplotlib figure takes about a second).
    """
    import numpy as np
    from PIL import Image, ImageDraw

    g = codes.shape[-1]
    cell = images.shape[-1] * scale / g                                # pixels per grid position, enlarged
    difference = (images[2:3] - images[1:2]).abs() * 2 - 1             # |edited - decoded| in [0, 2] -> [-1, 1]+
    panels = [_rgb(x, scale) for x in (images[0:1], images[1:2], images[2:3], difference)]
    titles = ["image and its codes", "decoded codes", f"({row}, {col}): {int(codes[row, col])} -> {edited}",
              "|edited - decoded|"]
    size, gap, top = panels[0].shape[0], 8, 16
    canvas = Image.new("RGB", (4 * size + 3 * gap, size + top), "white")
    draw = ImageDraw.Draw(canvas)
    for k, (panel, title) in enumerate(zip(panels, titles)):
        left = k * (size + gap)
        canvas.paste(Image.fromarray(np.ascontiguousarray(panel)), (left, top))
        draw.text((left, 2), title, fill="black")
        if k < 3:
            x0, y0 = left + col * cell, top + row * cell
            draw.rectangle([x0, y0, x0 + cell - 1, y0 + cell - 1], outline=(255, 0, 0), width=2)
    for i in range(g):                                                  # the codes over the image
        for j in range(g):
            draw.text(((j + 0.5) * cell, top + (i + 0.5) * cell), str(int(codes[i, j])), fill=(255, 220, 0),
                      anchor="mm", stroke_width=1, stroke_fill="black")
    return np.asarray(canvas)


# The position grid: g x g toggle buttons, exactly g to a row. A button is BUTTON_WIDTH wide (its label "r,c"
# plus ipywidgets' 10 px padding either side) plus ipywidgets' margins (2 px either side); the buttons' box
# leaves room for half a button more, never a whole one, so they wrap after g. The label sits above.
BUTTON_WIDTH, BUTTON_MARGIN = 48, 4  # px; 64 px where g > 10 (labels such as "10,10")


def position_grid(g: int, row: int, col: int):
    """A g x g grid of buttons, one per position of a code grid, labelled "row,col"; its value is (row, col).

    A `ToggleButtons` laid out through its style and layout: a fixed width fits exactly g buttons to a row,
    so the buttons wrap into the grid's shape and a click on one selects that position.
    """
    import ipywidgets as W
    import traitlets

    class PositionGrid(W.ToggleButtons):
        @traitlets.validate("value")
        def _validate_value(self, proposal):  # ipywidgets' own message fails on a tuple (a TypeError)
            value = proposal.value
            if value is not None and value not in self._options_values:
                raise traitlets.TraitError(f"position must be a (row, col) of the {g}x{g} code grid, "
                                           f"0 <= row, col <= {g - 1}, got {value!r}")
            return value

    positions = [(r, c) for r in range(g) for c in range(g)]
    button = BUTTON_WIDTH if g <= 10 else 64
    width = g * (button + BUTTON_MARGIN) + (button + BUTTON_MARGIN) // 2
    return PositionGrid(options=[(f"{r},{c}", (r, c)) for r, c in positions], value=(row, col),
                        tooltips=[f"row {r}, col {c}" for r, c in positions], description="position",
                        style={"button_width": f"{button}px"},
                        layout=W.Layout(width=f"{width}px"))


def code_editor(model, images, *, index: int = 0, row: int | None = None, col: int | None = None,
                code: int | None = None, scale: int | None = None,
                title: str = "Code editor: click a position of the grid, change its code, see the decoding change"):
    """Pick an image, click a position (row, col) of its code grid and pick a new code for it.

    Controls: `index` (the image), `position` (a grid of g x g buttons, one per position of the code grid;
    its value is (row, col)) and `code`. The picture: the image with its code grid written over it (the
    edited position framed in red), the decoding of its codes, the decoding with the one code changed, and
    where the two decodings differ. A pure function of (index, row, col, code). Defaults: the grid's centre,
    and the code it already holds (no change yet). `scale`: pixels per image pixel (default: panels about
    200 px wide).
    """
    import ipywidgets as W
    import torch

    for attribute in ("encode", "decode", "cfg"):
        if not hasattr(model, attribute):
            raise ValueError(f"{type(model).__name__} has no {attribute}: the code editor needs a VQ-VAE "
                             f"(models.vqvae.VQVAE) with encode, decode and cfg")
    g, k = model.cfg.grid_size, model.cfg.codebook_size
    if images.dim() != 4 or len(images) == 0:
        raise ValueError(f"images must be a batch [N, C, H, W] with N >= 1, got {list(images.shape)}")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(images):
        raise ValueError(f"index must be an int in [0, {len(images) - 1}] (an image of the {len(images)} given), got {index!r}")
    codes = code_indices(model, images)                                # [N, g, g]; raises for a wrong image size
    scale = scale or max(1, 200 // images.shape[-1])
    row = g // 2 if row is None else row
    col = g // 2 if col is None else col
    edit_code(codes[index], row, col, 0)                            # checks row and col
    code = int(codes[index, row, col]) if code is None else code
    if isinstance(code, bool) or not isinstance(code, int) or not 0 <= code < k:
        raise ValueError(f"code must be an int in [0, {k - 1}] (codebook_size={k}), got {code!r}")
    controls = {
        "index": W.BoundedIntText(value=index, min=0, max=len(images) - 1, description="image"),
        "position": position_grid(g, row, col),
        "code": W.BoundedIntText(value=code, min=0, max=k - 1, description="new code"),
    }

    def render(index, position, code):
        if not isinstance(position, tuple) or len(position) != 2:
            raise ValueError(f"position must be a pair (row, col) of the {g}x{g} code grid, got {position!r}")
        row, col = position
        original = codes[index]
        decoded = decode_codes(model, torch.stack([original, edit_code(original, row, col, code)]))  # [2, C, S, S]
        return code_grid_picture(torch.cat([images[index:index + 1].cpu(), decoded]), original, row, col, code, scale)

    view = ImageView(render, controls, title, static={"code": 8})  # this code and the next 7 at the position
    view.codes = codes
    return view


def prior_sampler(prior, model, *, n_samples: int = 16, nrow: int = 8, temperature: float = 1.0, seed: int = 0,
                  scale: int = 3, title: str = "Samples from the prior: new code grids, decoded"):
    """`n_samples` code grids drawn from the prior at a temperature, decoded into images.

    Controls: `temperature` (below 1: each position's distribution sharpened, safer and more alike; above
    1: flattened, more varied and more broken; the slider spans TEMPERATURE_RANGE, `prior.sample` itself
    accepts 1e-3 to 100) and `seed` (the "new samples" button adds 1). A pure function of the two values.
    Values outside the controls' ranges are an error, never silently clamped.
    """
    import ipywidgets as W

    if prior.cfg.codebook_size != model.cfg.codebook_size or prior.cfg.grid_size != model.cfg.grid_size:
        raise ValueError(f"the prior models {prior.cfg.grid_size}x{prior.cfg.grid_size} grids of {prior.cfg.codebook_size} "
                         f"codes but the VQ-VAE makes {model.cfg.grid_size}x{model.cfg.grid_size} grids of "
                         f"{model.cfg.codebook_size}: train the prior on this VQ-VAE's codes")
    checks.integer("n_samples", n_samples, minimum=1, why="the number of code grids to draw")
    checks.integer("nrow", nrow, minimum=1, why="images per row of the grid")
    checks.integer("scale", scale, minimum=1, why="screen pixels per image pixel")
    checks.integer("seed", seed, minimum=SEED_RANGE[0], maximum=SEED_RANGE[1], why="the seed box's range")
    controls = {"temperature": float_slider("temperature", temperature, *TEMPERATURE_RANGE, TEMPERATURE_STEP,
                                            style={"description_width": "initial"}),
                "seed": W.BoundedIntText(value=seed, min=SEED_RANGE[0], max=SEED_RANGE[1], description="seed")}
    resample = W.Button(description="new samples", icon="refresh")
    resample.on_click(lambda _: setattr(controls["seed"], "value", controls["seed"].value + 1))

    def render(temperature, seed):
        codes = prior.sample(n_samples, temperature=temperature, seed=seed).cpu()
        return grid_picture(decode_codes(model, codes), nrow=min(nrow, n_samples), scale=scale)

    view = ImageView(render, controls, title, extras=(resample,), static={"temperature": STATIC_TEMPERATURES})
    view.resample = resample
    return view
