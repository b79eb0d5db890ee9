"""Chapter 06's truncation explorer without a browser: class, threshold and noise seed each change the
picture, the same values give the same PNG bytes, and the samples are the truncated noise's."""
import copy

import numpy as np
import pytest
import torch
from torch import nn

from gan_course import runtime, training, widgets
from gan_course.models import biggan
from gan_course.models.biggan import BigGANConfig, Generator, truncated_noise
from test_widgets_ch04 import changes_then_repeats  # set a control, compare the PNG bytes, set it back

NAMES = ["zero", "one", "two", "three"]


@pytest.fixture(scope="module")
def G():
    runtime.seed_everything(0)
    G = Generator(BigGANConfig(img_size=16, num_classes=4, z_dim=12, shared_dim=6, g_width=16, d_width=16, attention=8))
    return G.eval()


def test_class_threshold_and_noise_each_change_the_picture(G):
    view = widgets.truncation_explorer(G, NAMES, n_samples=6, nrow=3)
    assert view.values == {"label": 0, "threshold": 1.0, "noise_seed": 0}
    assert [name for name, _ in view.controls["label"].options] == NAMES
    changes_then_repeats(view, "label", 2)
    changes_then_repeats(view, "threshold", 0.3)
    changes_then_repeats(view, "noise_seed", 5)
    again = widgets.truncation_explorer(G, NAMES, n_samples=6, nrow=3)
    assert bytes(again.image.value) == bytes(view.image.value)  # a fresh view, the same arguments: the same picture


def test_new_noise_button_draws_the_next_seed(G):
    view = widgets.truncation_explorer(G, n_samples=4, seed=3)
    before = bytes(view.image.value)
    view.resample.click()
    assert view.controls["noise_seed"].value == 4 and bytes(view.image.value) != before


def test_the_picture_shows_g_on_truncated_noise(G):
    view = widgets.truncation_explorer(G, n_samples=4, nrow=4)
    z = truncated_noise(4, G.z_dim, 0.5, seed=9)
    expected = training.sample(G, 4, z=z, labels=torch.full((4,), 3))
    assert np.array_equal(view.render(label=3, threshold=0.5, noise_seed=9), widgets.grid_picture(expected, nrow=4))


def test_with_standing_statistics_each_threshold_gets_its_own(G):
    view = widgets.truncation_explorer(G, n_samples=4, nrow=4, standing=(2, 8))
    z = truncated_noise(4, G.z_dim, 0.5, seed=9)
    at_half = biggan.standing_stats(copy.deepcopy(G), n_batches=2, batch_size=8, threshold=0.5, seed=0)
    expected = training.sample(at_half, 4, z=z, labels=torch.full((4,), 3))
    picture = view.render(label=3, threshold=0.5, noise_seed=9)
    assert np.array_equal(picture, widgets.grid_picture(expected, nrow=4))
    assert not np.array_equal(picture, widgets.truncation_explorer(G, n_samples=4, nrow=4).render(label=3, threshold=0.5, noise_seed=9))
    assert np.array_equal(view.render(label=3, threshold=0.5, noise_seed=9), picture)   # kept, the same picture
    assert G.blocks[0].bn1.bn.num_batches_tracked.item() == 0                          # G itself untouched
    with pytest.raises(ValueError, match="standing must be None or"):
        widgets.truncation_explorer(G, standing=16)


def test_bad_arguments_are_clear_errors(G):
    with pytest.raises(ValueError, match="threshold must be a number in"):
        widgets.truncation_explorer(G, threshold=0.0)
    with pytest.raises(ValueError, match="not conditional"):
        widgets.truncation_explorer(type("U", (nn.Linear,), {"z_dim": 2})(2, 2))
    with pytest.raises(ValueError, match="class_names has 2 names but the generator has 4 classes"):
        widgets.truncation_explorer(G, ["a", "b"])
