"""Interactive views for the notebooks, built on ipywidgets, one module per kind of view.

Every widget is an `ImageView`: a few controls plus a *plain function of their values* that returns
a picture. Executing a notebook without a browser (nbval, papermill) therefore still computes the
default view, and tests set a control's `.value` and compare the PNG bytes shown: the same values
always give the same bytes. Chapters add their views (truncation, style mixing ...) by building an
`ImageView` from a render function and a few controls, never a new mechanism.

  core.py      ImageView (display size, layout), snapshot_player, grid_picture
  generator.py seeded latents, a class dropdown, G(z): what the generator views share
  latent.py    latent sliders, interpolation, vector arithmetic (chapter 04, any generator with z_dim)
  classes.py   class picker, class interpolation (chapter 02, conditional generators)
  wgan.py      disjoint supports, the comparison runs' explorer (chapter 03)
  progan.py    the fade-in alpha slider over a growing generator (chapter 05)
  biggan.py    class picker + truncation slider + new noise (chapter 06, conditional generators)
  stylegan.py  style mixing, truncation in W, the noise inputs (chapter 07, any style generator)
  stylegan2.py a real image's projection into W mixed with a generated image (chapter 08)
  srgan.py     wipe/compare of super-resolution methods on held-out images (chapter 09)
  vqvae.py     code editor, sampling from the prior over codes (chapter 10, VQ-VAE)
"""
from .biggan import truncation_explorer
from .classes import class_blend, class_interpolation, class_picker
from .core import ImageView, display_size, grid_picture, snapshot_player, stack_pictures
from .latent import interpolation, latent_sliders, vector_arithmetic
from .progan import alpha_slider
from .srgan import sr_compare
from .stylegan import noise_explorer, style_mixing, truncation
from .stylegan2 import projection_mixer
from .vqvae import code_editor, prior_sampler
from .wgan import disjoint_supports, toy_results_explorer

__all__ = ["ImageView", "alpha_slider", "class_blend", "class_interpolation", "class_picker", "code_editor",
           "disjoint_supports", "display_size", "grid_picture", "interpolation", "latent_sliders", "noise_explorer",
           "prior_sampler", "projection_mixer", "snapshot_player", "sr_compare", "stack_pictures", "style_mixing",
           "toy_results_explorer", "truncation", "truncation_explorer",
           "vector_arithmetic"]
