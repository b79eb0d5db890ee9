"""Chapter 02 widgets without a browser: set a control's value, compare the PNG bytes shown."""
import numpy as np
import pytest
import torch

from gan_course import models, training, viz, widgets
from gan_course.models.conditional import ConditionalConfig, ConditionalGenerator

NAMES = ["zero", "one", "two", "three"]


def untrained_G():
    torch.manual_seed(0)
    return ConditionalGenerator(ConditionalConfig(sample_shape=(1, 6, 6), z_dim=5, num_classes=4, embed_dim=3,
                                                  hidden=16, n_layers=2))


@pytest.fixture()
def G():
    """A generator whose classes look different, as a trained one's do: larger class embeddings."""
    G = untrained_G()
    with torch.no_grad():
        G.embed.weight.mul_(10)
    return G


def test_class_picker_changes_with_the_class_and_only_then(G):
    view = widgets.class_picker(G, NAMES, n_samples=6, nrow=3)
    first = view.image.value
    assert first and view.values == {"label": 0, "noise_seed": 0, "hold_noise": True}
    view.controls["label"].value = 2
    second = view.image.value
    assert second != first
    view.controls["label"].value = 2          # the same value again: nothing changes
    assert view.image.value == second
    view.controls["label"].value = 0          # back to the first class: the first picture again
    assert view.image.value == first
    assert [label for _, label in view.controls["label"].options] == [0, 1, 2, 3]
    assert [name for name, _ in view.controls["label"].options] == NAMES


def test_class_picker_new_noise_button_and_hold(G):
    view = widgets.class_picker(G, n_samples=4, nrow=4)
    before = view.image.value
    view.resample.click()                     # "new noise": the next seed, new images of the same class
    assert view.controls["noise_seed"].value == 1 and view.image.value != before
    view.controls["noise_seed"].value = 0
    assert view.image.value == before


def test_class_picker_holds_the_same_noise_across_classes(G):
    view = widgets.class_picker(G, n_samples=4, nrow=4, seed=7)
    z = torch.randn(4, 5, generator=torch.Generator().manual_seed(7))
    for label in range(4):
        expected = training.sample(G, 4, z=z, labels=torch.full((4,), label))
        assert np.array_equal(view.render(label=label), widgets.grid_picture(expected, nrow=4))
    # not held: each class draws its own noise, so class 0 no longer uses the seed-7 noise
    held = view.render(label=0, hold_noise=True)
    assert not np.array_equal(view.render(label=0, hold_noise=False), held)
    view.controls["hold_noise"].value = False
    assert view.image.value != viz.png_bytes(held)


def test_class_interpolation_slider(G):
    view = widgets.class_interpolation(G, NAMES, class_a=1, class_b=3, n_samples=4)
    middle = view.image.value
    view.controls["t"].value = 1.0
    end = view.image.value
    assert end != middle
    view.controls["t"].value = 1.0
    assert view.image.value == end
    view.controls["t"].value = 0.5
    assert view.image.value == middle


def test_class_blend_endpoints_are_the_two_classes_and_noise_is_held(G):
    z = torch.randn(3, 5)
    a = training.sample(G, 3, z=z, labels=torch.full((3,), 1))
    b = training.sample(G, 3, z=z, labels=torch.full((3,), 3))
    assert torch.allclose(widgets.class_blend(G, 1, 3, 0.0, z), a, atol=1e-6)
    assert torch.allclose(widgets.class_blend(G, 1, 3, 1.0, z), b, atol=1e-6)
    mid = widgets.class_blend(G, 1, 3, 0.5, z)
    c = 0.5 * (G.embed.weight[1] + G.embed.weight[3])
    assert torch.allclose(mid, G.generate(z, c.expand(3, -1)).detach(), atol=1e-6)


def test_widgets_reject_bad_input(G):
    G_unconditional, _ = models.build("mlp", sample_shape=(1, 6, 6), z_dim=5, hidden=8)
    with pytest.raises(ValueError, match="not conditional"):
        widgets.class_picker(G_unconditional)
    with pytest.raises(ValueError, match="needs num_classes > 0"):
        widgets.class_interpolation(G_unconditional)
    with pytest.raises(ValueError, match="class_names has 2 names but the generator has 4 classes"):
        widgets.class_picker(G, ["a", "b"])
    with pytest.raises(ValueError, match=r"class_b must be a class index in \[0, 3\], got 4"):
        widgets.class_blend(G, 0, 4, 0.5, torch.randn(2, 5))
    with pytest.raises(ValueError, match="n_samples must be an int >= 1"):
        widgets.class_picker(G, n_samples=0)


def test_a_generator_whose_classes_look_alike_is_named_and_the_labels_effect_magnified(G):
    assert widgets.class_picker(G).class_spread > widgets.classes.ALIKE  # distinct classes: no note, no extra rows
    assert widgets.class_picker(G).title.value == "<b>Class picker: choose a class, hold or re-sample the noise</b>"
    alike = untrained_G()
    view = widgets.class_picker(alike, n_samples=4, nrow=4)
    assert view.class_spread < widgets.classes.ALIKE
    assert "barely learned its classes" in view.title.value and "what the label changes" in view.title.value
    samples, change = view.render(label=0), view.render(label=1)
    z = torch.randn(4, 5, generator=torch.Generator().manual_seed(0))
    top = widgets.grid_picture(training.sample(alike, 4, z=z, labels=torch.zeros(4, dtype=torch.long)), nrow=4)
    assert np.array_equal(samples[:len(top)], top)  # the samples on top, as without the note
    below = slice(len(top) + 12, None)  # after the gap: what the label changes, magnified
    label_effect = np.abs(samples[below].astype(int) - change[below].astype(int)).mean()
    samples_effect = np.abs(samples[:len(top)].astype(int) - change[:len(top)].astype(int)).mean()
    assert label_effect > 5 * samples_effect  # the magnified rows show the switch far more than the samples
    assert "barely learned" in widgets.class_interpolation(alike).title.value
