"""Chapter 04's latent explorer widgets, without a browser: setting a control re-renders the image,
deterministically (the same values give the same PNG bytes)."""
import pytest
import torch
from torch import nn

from gan_course import models, runtime, widgets


@pytest.fixture(scope="module")
def G():
    runtime.seed_everything(0)
    G, _ = models.build("dcgan", img_size=16, z_dim=8, ngf=8, ndf=8)
    return G.eval()


class TinyConditionalG(nn.Module):
    """A stand-in conditional generator: the class sets the image's brightness."""

    def __init__(self, z_dim=6, num_classes=3):
        super().__init__()
        self.z_dim, self.num_classes = z_dim, num_classes
        self.net = nn.Linear(z_dim, 64)

    def forward(self, z, labels):
        return torch.tanh(self.net(z) + labels[:, None].float()).view(-1, 1, 8, 8)


def changes_then_repeats(view, name, new_value):
    """Setting `name` to a new value changes the PNG; back to the old value restores it exactly."""
    control = view.controls[name]
    old_value, before = control.value, bytes(view.image.value)
    assert before.startswith(b"\x89PNG")
    control.value = new_value
    after = bytes(view.image.value)
    assert after != before, f"changing {name} did not change the image"
    control.value = new_value  # the same value again: identical bytes
    assert bytes(view.image.value) == after
    control.value = old_value
    assert bytes(view.image.value) == before
    assert view.render(**{name: new_value}) is not None


def test_latent_sliders(G):
    view = widgets.latent_sliders(G, n_directions=3, n_samples=4, n_fit=64)
    assert view.directions.shape == (3, 8) and torch.allclose(view.directions.norm(dim=1), torch.ones(3))
    assert view.explained.shape == (3,) and (view.explained[:-1] >= view.explained[1:]).all()
    assert set(view.controls) == {"seed", "d0", "d1", "d2"}
    changes_then_repeats(view, "d0", 2.0)
    changes_then_repeats(view, "d2", -1.5)
    changes_then_repeats(view, "seed", 7)
    again = widgets.latent_sliders(G, n_directions=3, n_samples=4, n_fit=64)
    assert bytes(again.image.value) == bytes(view.image.value)  # a fresh view with the same arguments: the same picture


def test_latent_sliders_with_chosen_directions(G):
    directions = torch.eye(8)[:2] * 5  # z coordinates 0 and 1; rows get normalised
    view = widgets.latent_sliders(G, directions, n_samples=3)
    assert torch.equal(view.directions, torch.eye(8)[:2]) and view.explained is None
    changes_then_repeats(view, "d1", 3.0)
    with pytest.raises(ValueError, match=r"directions must be \[k >= 1, z_dim=8\]"):
        widgets.latent_sliders(G, torch.ones(2, 5))


def test_interpolation(G):
    view = widgets.interpolation(G, steps=4)
    changes_then_repeats(view, "t", 0.25)
    changes_then_repeats(view, "seed_b", 5)
    with pytest.raises(ValueError, match="steps must be an int >= 2"):
        widgets.interpolation(G, steps=1)


def test_vector_arithmetic(G):
    view = widgets.vector_arithmetic(G, n_candidates=10, n_results=3)
    changes_then_repeats(view, "a", (0, 9))
    changes_then_repeats(view, "noise", 0.5)
    changes_then_repeats(view, "c", ())  # nothing picked: a message instead of a result
    with pytest.raises(ValueError, match=r"picks must be sample numbers in 0..9"):
        widgets.vector_arithmetic(G, a=(0, 10), n_candidates=10)


def test_conditional_generators_get_a_class_picker():
    runtime.seed_everything(0)
    G = TinyConditionalG()
    for view in (widgets.latent_sliders(G, n_directions=2, n_fit=32, class_names=["a", "b", "c"]),
                 widgets.interpolation(G, steps=3), widgets.vector_arithmetic(G, n_candidates=9)):
        assert "label" in view.controls
        changes_then_repeats(view, "label", 2)
    with pytest.raises(ValueError, match="class_names has 2 names but the generator has 3 classes"):
        widgets.interpolation(G, class_names=["a", "b"])


def test_a_generator_without_z_dim_is_a_clear_error():
    with pytest.raises(ValueError, match="no integer attribute z_dim"):
        widgets.interpolation(nn.Linear(2, 2))
