"""The SR degradation (data.bicubic_downscale) against PIL, and its bad inputs (ERRATA 40, 48)."""
import numpy as np
import pytest
import torch

from gan_course import data


@pytest.mark.parametrize("scale", [2, 4])
def test_bicubic_downscale_equals_pil(scale):
    Image = pytest.importorskip("PIL.Image")
    g = torch.Generator().manual_seed(scale)
    hr = torch.rand(1, 48, 40, generator=g) * 1.2 - 0.6  # inside [-1, 1] with room: no clamping at overshoots
    ours = data.bicubic_downscale(hr, scale)[0].numpy()
    pil = np.asarray(Image.fromarray(hr[0].numpy(), mode="F").resize((40 // scale, 48 // scale), Image.BICUBIC))
    assert np.abs(ours - pil).max() < 1e-5  # float32 rounding: the same antialiased a = -0.5 cubic, border included


@pytest.mark.parametrize("hr, match", [
    (torch.zeros(3, 30, 32), r"hr is 30x32: its sides must be multiples of scale=4"),
    (torch.zeros(30, 32), r"hr must be float images \[C, H, W\] or \[N, C, H, W\].*got torch.float32 \[30, 32\]"),
    (torch.zeros(1, 1, 3, 30, 32), r"hr must be float images"),
    (torch.zeros(3, 32, 32, dtype=torch.uint8), r"hr must be float images .* in \[-1, 1\].*got torch.uint8"),
    (np.zeros((3, 32, 32), np.float32), r"hr must be float images.*got ndarray"),
    (torch.zeros(3, 2, 32), r"hr must be .* with sides >= 4"),
])
def test_bicubic_downscale_bad_input_names_the_argument(hr, match):
    with pytest.raises(ValueError, match=match):
        data.bicubic_downscale(hr, 4)


def test_bicubic_upscale_bad_input_names_the_argument():
    with pytest.raises(ValueError, match=r"lr must be float images \[C, H, W\] or \[N, C, H, W\].*got torch.float32 \[8, 8\]"):
        data.bicubic_upscale(torch.zeros(8, 8), 2)
    with pytest.raises(ValueError, match=r"scale must be one of \(2, 4\)"):
        data.bicubic_upscale(torch.zeros(3, 8, 8), 3)
