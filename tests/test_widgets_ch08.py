"""Chapter 08's views, without a browser: chapter 07's style mixing, truncation and noise views work
unchanged on StyleGAN2's generator; the projection mixer gives the same bytes for the same values, other
bytes for others, its rows are what they say, and bad input is a clear error."""
import pytest
import torch

from gan_course import models, projection, widgets
from gan_course.models import stylegan
from test_widgets_ch04 import changes_then_repeats
from test_widgets_ch07 import style_generator, tile


@pytest.fixture(scope="module")
def G():
    return style_generator("stylegan2")


@pytest.fixture(scope="module")
def projected(G):
    real = torch.rand(3, 1, 16, 16) * 2 - 1
    return real, projection.project(G, real, space="w+", steps=3).ws


def test_chapter_07_views_work_unchanged(G):
    view = widgets.style_mixing(G, n_samples=2)
    changes_then_repeats(view, "crossover", 1)
    changes_then_repeats(view, "seed_b", 7)
    picture = view.render(crossover=G.num_ws)
    assert all((tile(picture, 2, i) == tile(picture, 0, i)).all() for i in range(2))   # all of A
    view = widgets.truncation(G, n_samples=3)
    changes_then_repeats(view, "psi", 0.0)
    changes_then_repeats(view, "cutoff", 2)
    at_zero = view.render(psi=0.0, cutoff=G.num_ws)
    assert (tile(at_zero, 0, 0) == tile(at_zero, 0, 1)).all()
    view = widgets.noise_explorer(G, n_samples=2, n_draws=3)
    assert len([n for n in view.controls if n.startswith("noise_") and n != "noise_seed"]) == G.num_ws
    changes_then_repeats(view, "noise_seed", 4)
    changes_then_repeats(view, f"noise_{G.num_ws - 1}", False)
    off = view.render(**{f"noise_{k}": False for k in range(G.num_ws)})
    assert all((tile(off, 1, i) == 0).all() for i in range(2))
    assert not G.training


def test_projection_mixer(G, projected):
    real, ws = projected
    view = widgets.projection_mixer(G, real, ws)
    assert view.controls["index"].max == 2 and view.controls["crossover"].value == G.num_ws // 2
    changes_then_repeats(view, "index", 2)
    changes_then_repeats(view, "seed", 5)
    changes_then_repeats(view, "crossover", 1)
    again = widgets.projection_mixer(G, real, ws)
    assert bytes(again.image.value) == bytes(view.image.value)
    full = view.render(crossover=G.num_ws)              # all of the projection / all of the generated image
    assert (tile(full, 0, 3, scale=4) == tile(full, 0, 1, scale=4)).all() and (tile(full, 0, 4, scale=4) == tile(full, 0, 2, scale=4)).all()
    none = view.render(crossover=0)
    assert (tile(none, 0, 3, scale=4) == tile(none, 0, 2, scale=4)).all() and (tile(none, 0, 4, scale=4) == tile(none, 0, 1, scale=4)).all()
    assert (tile(full, 0, 1, scale=4) != tile(full, 0, 2, scale=4)).any()
    assert not G.training


def test_projection_mixer_bad_input(G, projected):
    real, ws = projected
    with pytest.raises(ValueError, match="one projection per real image"):
        widgets.projection_mixer(G, real[:2], ws)
    with pytest.raises(ValueError, match="real_images must be images"):
        widgets.projection_mixer(G, real[0], ws)
    with pytest.raises(ValueError, match="index"):
        widgets.projection_mixer(G, real, ws, index=3)
    with pytest.raises(ValueError, match="crossover"):
        widgets.projection_mixer(G, real, ws, crossover=G.num_ws + 1)
    dcgan_G, _ = models.build("dcgan", img_size=16, z_dim=8, ngf=8, ndf=8)
    with pytest.raises(ValueError, match="not a style generator"):
        widgets.projection_mixer(dcgan_G, real, ws)
    assert stylegan.style_mix(ws, ws, 0).shape == ws.shape
