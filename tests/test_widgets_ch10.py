"""Chapter 10's widgets without a browser: the code editor and the prior sampler re-render when a control
changes, deterministically (the same values give the same PNG bytes), and refuse bad input clearly."""
import ipywidgets
import pytest
import torch
import traitlets

from gan_course import models, runtime, widgets
from gan_course.models.pixelcnn import PixelCNN, PixelCNNConfig
from gan_course.widgets.vqvae import edit_code

from test_widgets_ch04 import changes_then_repeats


@pytest.fixture(scope="module")
def model():
    runtime.seed_everything(0)
    vq, _ = models.build("vqvae", img_size=16, hidden=16, codebook_size=8, code_dim=4, n_res=1)
    with torch.no_grad():  # codes spread apart, so that changing one changes the picture
        vq.quantizer.codebook.copy_(torch.randn(8, 4) * 2)
    return vq.eval()


@pytest.fixture(scope="module")
def images():
    return torch.rand(5, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1


@pytest.fixture(scope="module")
def prior():
    runtime.seed_everything(0)
    return PixelCNN(PixelCNNConfig(codebook_size=8, grid_size=4, channels=8, n_layers=1)).eval()


def test_code_editor(model, images):
    view = widgets.code_editor(model, images)
    assert set(view.controls) == {"index", "position", "code"}
    assert view.controls["position"].value == (2, 2) and view.controls["code"].value == int(view.codes[0, 2, 2])
    assert torch.equal(view.codes, model.encode(images))
    new_code = (view.controls["code"].value + 3) % 8
    changes_then_repeats(view, "code", new_code)
    changes_then_repeats(view, "index", 4)
    view.controls["code"].value = new_code
    changes_then_repeats(view, "position", (0, 2))          # a click on another button of the grid
    changes_then_repeats(view, "position", (2, 3))


def test_the_position_grid_is_one_button_per_position(model, images):
    view = widgets.code_editor(model, images, row=1, col=3)
    grid = view.controls["position"]
    assert isinstance(grid, ipywidgets.ToggleButtons) and grid.value == (1, 3)
    assert list(grid.options) == [(f"{r},{c}", (r, c)) for r in range(4) for c in range(4)]  # row by row
    assert grid.tooltips[7] == "row 1, col 3"
    assert grid.style.button_width == "48px" and grid.layout.width == "234px"  # 4 buttons of 52 px to a row, + 26
    before = bytes(view.image.value)
    grid.value = (3, 0)                               # what a click on button "3,0" does
    clicked = bytes(view.image.value)
    assert clicked != before
    again = widgets.code_editor(model, images, row=3, col=0, code=view.controls["code"].value)
    assert bytes(again.image.value) == clicked        # the same (index, row, col, code), the same picture
    assert (view.render(position=(3, 0)) == view.render(position=(3, 0))).all()


def test_editing_one_code_changes_the_decoding_near_it_only(model, images):
    codes = model.encode(images[:1])[0]
    edited = edit_code(codes, 0, 0, (int(codes[0, 0]) + 1) % 8)
    assert (edited != codes).sum() == 1 and (edited != codes)[0, 0]
    with torch.no_grad():
        change = (model.decode(edited[None]) - model.decode(codes[None])).abs()[0, 0]  # [16, 16]
    assert change[:4, :4].sum() > 0 and change[15:, 15:].sum() == 0   # the decoder sees a neighbourhood of codes


def test_prior_sampler(model, prior):
    view = widgets.prior_sampler(prior, model, n_samples=6, nrow=3)
    changes_then_repeats(view, "temperature", 0.3)
    changes_then_repeats(view, "seed", 5)
    before = bytes(view.image.value)
    view.resample.click()                       # the button draws new samples: the next seed
    assert view.controls["seed"].value == 1 and bytes(view.image.value) != before
    again = widgets.prior_sampler(prior, model, n_samples=6, nrow=3, seed=1)
    assert bytes(again.image.value) == bytes(view.image.value)


def test_bad_input_gets_a_clear_error(model, images, prior):
    with pytest.raises(ValueError, match=r"row must be an int in \[0, 3\]"):
        widgets.code_editor(model, images, row=4)
    with pytest.raises(ValueError, match=r"col must be an int in \[0, 3\]"):
        widgets.code_editor(model, images, col=-1)
    with pytest.raises(ValueError, match=r"code must be an int in \[0, 7\] \(codebook_size=8\), got 8"):
        widgets.code_editor(model, images, code=8)
    with pytest.raises(ValueError, match=r"index must be an int in \[0, 4\]"):
        widgets.code_editor(model, images, index=5)
    with pytest.raises(ValueError, match=r"built for images of shape \[B, 1, 16, 16\], got \[2, 1, 28, 28\]"):
        widgets.code_editor(model, torch.zeros(2, 1, 28, 28))
    view = widgets.code_editor(model, images)
    with pytest.raises(ValueError, match=r"codes must lie in \[0, 7\]"):
        view.render(code=9)                     # past the control's bounds, e.g. from Python
    with pytest.raises(ValueError, match=r"row must be an int in \[0, 3\]"):
        view.render(position=(4, 0))            # not a button of the grid, e.g. from Python
    with pytest.raises(ValueError, match=r"position must be a pair \(row, col\)"):
        view.render(position=5)
    with pytest.raises(traitlets.TraitError, match=r"position must be a \(row, col\) of the 4x4 code grid, 0 <= row, col <= 3, got \(0, 4\)"):
        view.controls["position"].value = (0, 4)  # the grid holds only its g x g positions
    with pytest.raises(ValueError, match="has no encode"):
        widgets.code_editor(torch.nn.Linear(2, 2), images)
    other = PixelCNN(PixelCNNConfig(codebook_size=16, grid_size=4, channels=8, n_layers=1))
    with pytest.raises(ValueError, match="train the prior on this VQ-VAE's codes"):
        widgets.prior_sampler(other, model)
