"""The numbers metrics.peak_to_mean's docstring quotes (ERRATA 36): i.i.d. Gaussian maps, before and after a LeakyReLU."""
import pytest
import torch
import torch.nn.functional as F

from gan_course import metrics


def mean_peak_to_mean(side: int, leaky: bool, n: int = 4000) -> float:
    x = torch.randn(n, 1, side, side, generator=torch.Generator().manual_seed(side), dtype=torch.float64)
    return metrics.peak_to_mean(F.leaky_relu(x, 0.2) if leaky else x).mean().item()


@pytest.mark.parametrize("side, gaussian, leaky", [(4, 2.6, 3.8), (8, 3.3, 4.9), (16, 3.8, 5.9), (32, 4.3, 6.8)])
def test_peak_to_mean_of_gaussian_maps_as_the_docstring_says(side, gaussian, leaky):
    # 4,000 maps: the mean's standard error is below 0.01, so the one-decimal numbers must hold to 0.06
    assert mean_peak_to_mean(side, leaky=False) == pytest.approx(gaussian, abs=0.06)
    assert mean_peak_to_mean(side, leaky=True) == pytest.approx(leaky, abs=0.06)
    doc = " ".join(metrics.peak_to_mean.__doc__.split())
    assert f"{gaussian} ({side}x{side})" in doc  # the docstring quotes every Gaussian number ...
    if side in (4, 32):
        assert f"{leaky} ({side}x{side})" in doc  # ... and the LeakyReLU range's ends
