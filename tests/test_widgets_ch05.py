"""Chapter 05's alpha slider, without a browser: the same values give the same PNG bytes, other values
other bytes, the generator's own stage and alpha survive, and bad input is a clear error."""
import pytest
import torch
from torch import nn

from gan_course import models, runtime, widgets
from gan_course.models import progan
from test_widgets_ch04 import changes_then_repeats  # set a control: new picture; set it back: the old bytes


@pytest.fixture(scope="module")
def G():
    runtime.seed_everything(0)
    G, _ = models.build("progan", img_size=16, z_dim=8, fmap_base=128, fmap_max=16)
    G.set_growth(2, 0.7)
    return G.eval()


def test_alpha_slider(G):
    view = widgets.alpha_slider(G, n_samples=4)
    assert view.controls["stage"].value == 2 and view.controls["stage"].min == 1 and view.controls["stage"].max == 2
    changes_then_repeats(view, "alpha", 1.0)
    changes_then_repeats(view, "alpha", 0.0)
    changes_then_repeats(view, "stage", 1)
    changes_then_repeats(view, "seed", 9)
    assert (G.stage, G.alpha) == (2, 0.7)  # restored after every picture
    again = widgets.alpha_slider(G, n_samples=4)
    assert bytes(again.image.value) == bytes(view.image.value)


def test_every_stage_gives_pictures_of_one_size(G):
    view = widgets.alpha_slider(G, n_samples=3)
    sizes = {view.render(stage=s, alpha=a).shape for s in (1, 2) for a in (0.0, 1.0)}
    assert len(sizes) == 1


def test_alpha_zero_shows_the_previous_stage(G):
    """At alpha = 0 the new block contributes nothing: changing its toRGB changes only the pictures at alpha > 0."""
    view = widgets.alpha_slider(G, n_samples=3)
    before = {a: view.render(alpha=a) for a in (0.0, 1.0)}
    G.to_rgb[2].weight.data.mul_(3)
    try:
        assert (view.render(alpha=0.0)[:30] == before[0.0][:30]).all()  # the top row (the strip below varies alpha)
        assert (view.render(alpha=1.0)[:30] != before[1.0][:30]).any()
    finally:
        G.to_rgb[2].weight.data.div_(3)


def test_bad_input():
    runtime.seed_everything(0)
    G, _ = models.build("progan", img_size=16, z_dim=8, fmap_base=128, fmap_max=16)
    with pytest.raises(ValueError, match="stage must be >= 1"):
        widgets.alpha_slider(G, stage=0)
    with pytest.raises(ValueError, match=r"alpha .* in \[0, 1\]"):
        widgets.alpha_slider(G, alpha=2.0)
    dcgan_G, _ = models.build("dcgan", img_size=16, z_dim=8, ngf=8, ndf=8)
    with pytest.raises(ValueError, match="not a growing generator"):
        widgets.alpha_slider(dcgan_G)
    with pytest.raises(ValueError, match="no integer attribute z_dim"):
        widgets.alpha_slider(nn.Linear(2, 2))
    assert progan.as_images(torch.full((1, 1, 4, 4), 5.0), 16).shape == (1, 1, 16, 16)
