"""PSNR and SSIM refuse a data range that cannot be right (ERRATA 47); sr_scores scores 8-bit images (ERRATA 40)."""
import math

import pytest
import torch

from gan_course import metrics


def images(seed=0, shape=(2, 3, 16, 16)):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_psnr_of_0_255_images_at_the_default_range_is_an_error():
    x = (images() + 1) * 127.5  # 0..255
    y = (x + 5 * torch.randn(x.shape, generator=torch.Generator().manual_seed(1))).clamp(0, 255)
    with pytest.raises(ValueError, match=r"values from .* wider than data_range=2.*pass the data_range"):
        metrics.psnr(x, y)
    with pytest.raises(ValueError, match=r"wider than data_range=2"):
        metrics.ssim(x, y)
    # the right range gives the true number: MSE of 0..255 values, peak 255
    mse = (x - y).pow(2).flatten(1).mean(1).double()
    assert metrics.psnr(x, y, data_range=255) == pytest.approx((10 * torch.log10(255**2 / mse)).mean().item())


def test_images_in_minus_one_one_at_data_range_one_are_an_error():
    with pytest.raises(ValueError, match="wider than data_range=1"):
        metrics.psnr(torch.full((1, 1, 4, 4), -1.0), torch.ones(1, 1, 4, 4), data_range=1.0)


@pytest.mark.parametrize("bad", [0, 0.0, -2.0, math.nan, math.inf, True, "2"])
def test_a_data_range_that_is_not_a_positive_number_is_an_error(bad):
    x = images()
    with pytest.raises(ValueError, match=r"data_range must be a positive number.*got data_range="):
        metrics.psnr(x, x * 0.5, data_range=bad)
    with pytest.raises(ValueError, match=r"data_range must be a positive number"):
        metrics.ssim(x, x * 0.5, data_range=bad)


def test_nan_images_are_an_error():
    x = images()
    y = x.clone()
    y[0, 0, 0, 0] = math.nan
    with pytest.raises(ValueError, match="finite"):
        metrics.psnr(x, y)


def test_a_small_overshoot_is_still_scored():
    x = images(shape=(1, 3, 16, 16)) * 0.95
    assert math.isfinite(metrics.psnr(x, (x + 0.1)))  # values up to 1.05: 5 % over [-1, 1] is allowed


def test_to_8bit_rounds_to_the_grey_levels_of_a_file():
    levels = torch.arange(256, dtype=torch.float64)
    x = levels / 127.5 - 1
    assert torch.equal(metrics.to_8bit(x), x)  # 8-bit images are kept exactly
    assert torch.equal(metrics.to_8bit(x + 0.49 / 127.5), x)  # less than half a grey level away: rounded back
    assert torch.equal(metrics.to_8bit(torch.tensor([-1.2, 1.3])), torch.tensor([-1.0, 1.0], dtype=torch.float64))


def test_sr_scores_round_the_outputs_to_8_bits_as_the_papers_protocol():
    hr = [metrics.to_8bit(images(seed, (3, 24, 20))).float() for seed in range(2)]
    sr = [h + 0.3 / 127.5 for h in hr]  # 0.3 of a grey level off everywhere: the same 8-bit file
    scores = metrics.sr_scores(sr, hr, scale=2)
    assert scores["psnr"] == math.inf and scores["ssim"] == pytest.approx(1.0, abs=1e-12)
    sr = [h + 0.7 / 127.5 for h in hr]  # 0.7 of a grey level: one level off after rounding (where not clamped)
    want = sum(metrics.psnr(metrics.to_8bit(s), metrics.to_8bit(h), y_channel=True, shave=2) for s, h in zip(sr, hr)) / 2
    assert metrics.sr_scores(sr, hr, scale=2)["psnr"] == pytest.approx(want, rel=1e-12)
    assert want != pytest.approx(sum(metrics.psnr(s, h, y_channel=True, shave=2) for s, h in zip(sr, hr)) / 2, rel=1e-6)
