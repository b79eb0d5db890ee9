"""Chapter 09's wipe/compare view, without a browser: setting a control re-renders the picture,
deterministically (the same values give the same PNG bytes)."""
import pytest
import torch

from gan_course import data, runtime, widgets
from gan_course.models.srgan import SRGANConfig, SRResNet
from test_widgets_ch04 import changes_then_repeats  # the same check as chapter 04's views


@pytest.fixture(scope="module")
def test_set():
    return data.load_sr(split="test").centre_crop(64)


@pytest.fixture(scope="module")
def view(test_set):
    runtime.seed_everything(0)
    G = SRResNet(SRGANConfig(n_channels=8, n_blocks=1))
    return widgets.sr_compare(test_set, {"SRResNet": G}, crop=32)


def test_every_control_changes_the_picture_and_values_repeat(view):
    assert set(view.controls) == {"image", "left", "right", "wipe", "crop", "x", "y"}
    assert list(view.outputs) == ["bicubic", "SRResNet", "original"]
    assert view.controls["left"].value == "bicubic" and view.controls["right"].value == "SRResNet"
    changes_then_repeats(view, "image", 1)
    changes_then_repeats(view, "wipe", 0.2)
    changes_then_repeats(view, "left", "original")
    changes_then_repeats(view, "right", "bicubic")
    changes_then_repeats(view, "crop", 24)
    changes_then_repeats(view, "x", 0.1)
    changes_then_repeats(view, "y", 0.9)


@pytest.mark.parametrize("name", ["x", "y"])
def test_one_step_of_the_window_sliders_moves_the_window(view, name):
    """A person moves a slider by one step (an arrow key): on 64 px images with a 32 px window that must show."""
    control = view.controls[name]
    changes_then_repeats(view, name, round(control.value + control.step, 4))


def test_outputs_are_the_methods_on_the_held_out_images(view, test_set):
    assert torch.equal(view.outputs["original"][1], test_set.hr[1])
    assert torch.equal(view.outputs["bicubic"][0], data.bicubic_upscale(test_set.lr[0], 4))
    assert view.outputs["SRResNet"][0].shape == test_set.hr[0].shape
    assert view.psnr["bicubic"][0] > view.psnr["SRResNet"][0]  # an untrained network is worse than bicubic


def test_bad_arguments_are_clear_errors(test_set):
    G = SRResNet(SRGANConfig(n_channels=4, n_blocks=0))
    with pytest.raises(ValueError, match="unknown method 'SRGAN' for right; valid: bicubic, SRResNet, original"):
        widgets.sr_compare(test_set, {"SRResNet": G}, right="SRGAN")
    with pytest.raises(ValueError, match="'bicubic' is the name of a built-in method"):
        widgets.sr_compare(test_set, {"bicubic": G})
    with pytest.raises(ValueError, match=r"image must be in 0..1"):
        widgets.sr_compare(test_set, {"SRResNet": G}, image=2)
