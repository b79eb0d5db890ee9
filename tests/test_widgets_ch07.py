"""Chapter 07's views, without a browser: the same values give the same PNG bytes, other values other bytes,
each control does what it says, G's mode survives, and bad input is a clear error."""
import pytest
import torch
from torch import nn

from gan_course import models, runtime, widgets
from gan_course.models import stylegan
from test_widgets_ch04 import changes_then_repeats


def style_generator(name="stylegan"):
    """A small style-based G (chapter 07's or 08's) whose noise weights and w_avg look trained."""
    runtime.seed_everything(0)
    G, _ = models.build(name, img_size=16, z_dim=8, w_dim=8, mapping_layers=2, fmap_base=64, fmap_max=8)
    with torch.no_grad():
        for module in G.modules():                    # a trained G's noise weights are not 0: make them so
            if hasattr(module, "noise"):
                for weight in module.noise.parameters():    # per channel (ch. 07) or one scalar (ch. 08)
                    weight.normal_(0, 0.5)
        G.mapping.w_avg.normal_()
    return G.eval()


@pytest.fixture(scope="module")
def G():
    return style_generator("stylegan")


def tile(picture, row, i, side=16, scale=3):
    """Image i of stacked row `row` in a view's picture: `grid_picture` pads by 1 pixel, rows are 6 apart."""
    top, left = row * (scale * (side + 2) + 6) + scale, scale * (1 + i * (side + 1))
    return picture[top:top + scale * side, left:left + scale * side]


def test_style_mixing(G):
    view = widgets.style_mixing(G, n_samples=2)
    assert view.controls["crossover"].value == G.num_ws // 2 and view.controls["crossover"].max == G.num_ws
    changes_then_repeats(view, "crossover", 1)
    changes_then_repeats(view, "seed_a", 5)
    changes_then_repeats(view, "seed_b", 7)
    assert not G.training
    again = widgets.style_mixing(G, n_samples=2)
    assert bytes(again.image.value) == bytes(view.image.value)


def test_style_mixing_ends_are_the_sources(G):
    """crossover = num_ws: the mixed row is A's row; crossover = 0: it is B's."""
    view = widgets.style_mixing(G, n_samples=2)
    for crossover, source in ((G.num_ws, 0), (0, 1)):
        picture = view.render(crossover=crossover)
        for i in range(2):
            assert (tile(picture, 2, i) == tile(picture, source, i)).all()
        assert (tile(picture, 0, 0) != tile(picture, 1, 0)).any()


def test_truncation(G):
    view = widgets.truncation(G, n_samples=3)
    changes_then_repeats(view, "psi", 0.0)
    changes_then_repeats(view, "cutoff", 2)
    changes_then_repeats(view, "seed", 3)
    at_one = view.render(psi=1.0)
    assert all((tile(at_one, 0, i) == tile(at_one, 1, i)).all() for i in range(3))   # psi = 1 changes nothing
    at_zero = view.render(psi=0.0, cutoff=G.num_ws)
    assert (tile(at_zero, 0, 0) == tile(at_zero, 0, 1)).all()                         # psi = 0: one image for all
    assert (tile(at_zero, 1, 0) != tile(at_zero, 1, 1)).any()
    at_cutoff_0 = view.render(psi=0.0, cutoff=0)
    assert all((tile(at_cutoff_0, 0, i) == tile(at_cutoff_0, 1, i)).all() for i in range(3))  # no layer truncated


def test_noise_explorer(G):
    view = widgets.noise_explorer(G, n_samples=2, n_draws=3)
    changes_then_repeats(view, "noise_seed", 4)
    changes_then_repeats(view, "seed", 2)
    changes_then_repeats(view, "noise_5", False)
    assert [name for name in view.controls if name.startswith("noise_") and name != "noise_seed"] == \
        [f"noise_{k}" for k in range(len(G.synthesis.noise_sizes))]
    before = view.controls["noise_seed"].value
    view.extras[0].click()                                                  # the resample button
    assert view.controls["noise_seed"].value == before + 1
    all_off = {f"noise_{k}": False for k in range(len(G.synthesis.noise_sizes))}
    off = view.render(**all_off)
    assert all((tile(off, 1, i) == 0).all() for i in range(2))              # no noise: a black std map
    assert (tile(view.render(**{**all_off, "noise_5": True}), 1, 0) > 0).any()
    assert (view.render(**all_off, noise_seed=9) != off).any()                # the noise map row shows the draw


def test_bad_input(G):
    with pytest.raises(ValueError, match=r"crossover must be an int <= 6 \(the slider's range\), got 7"):
        widgets.style_mixing(G, crossover=7)
    with pytest.raises(ValueError, match="psi"):
        widgets.truncation(G, psi=-0.1)
    with pytest.raises(ValueError, match="cutoff"):
        widgets.truncation(G, cutoff=-1)
    dcgan_G, _ = models.build("dcgan", img_size=16, z_dim=8, ngf=8, ndf=8)
    with pytest.raises(ValueError, match="not a style generator"):
        widgets.style_mixing(dcgan_G)
    with pytest.raises(ValueError, match="no integer attribute z_dim"):
        widgets.truncation(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="n_draws"):
        widgets.noise_explorer(G, n_draws=1)
    assert stylegan.style_mix(torch.zeros(1, 6, 8), torch.ones(1, 6, 8), 6).sum() == 0
