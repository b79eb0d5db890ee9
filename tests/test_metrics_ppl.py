"""Perceptual path length (metrics.py, chapter 07) against values known in closed form."""
import math

import numpy as np
import pytest
import torch

from gan_course import metrics


def squared_l2(x, y):
    return (x - y).flatten(1).square().sum(1)


def test_a_generator_linear_in_w_gives_the_squared_length_of_its_image_step():
    """G(w) = A w: along lerp(a, b; t), G moves by eps A (b - a), so d / eps^2 = |A (b - a)|^2 for every t."""
    g = torch.Generator().manual_seed(0)
    A = torch.randn(12, 5, generator=g, dtype=torch.float64)
    a = torch.randn(300, 5, generator=g, dtype=torch.float64)
    b = torch.randn(300, 5, generator=g, dtype=torch.float64)
    generate = lambda w: (w @ A.T).view(-1, 1, 3, 4)  # noqa: E731  images [N, 1, 3, 4]
    exact = ((b - a) @ A.T).square().sum(1)
    values = metrics.path_distances(generate, squared_l2, a, b, interpolation="lerp", batch_size=64)
    assert torch.allclose(values, exact, rtol=1e-6)
    lo, hi = np.percentile(exact.numpy(), 1, method="lower"), np.percentile(exact.numpy(), 99, method="higher")
    kept = exact[(exact >= lo) & (exact <= hi)]
    assert len(kept) == 300 - 2 - 2  # sorted[2] (= floor(0.01 * 299)) to sorted[297] (= ceil(0.99 * 299)) kept
    ppl = metrics.perceptual_path_length(generate, squared_l2, a, b, interpolation="lerp")
    assert ppl == pytest.approx(kept.mean().item(), rel=1e-6)


def test_slerp_on_the_unit_sphere_moves_at_the_angle_between_the_endpoints():
    """Unit-speed-in-t slerp covers the angle Omega: with G = identity, d / eps^2 -> Omega^2, whatever |a|, |b|."""
    g = torch.Generator().manual_seed(1)
    a = torch.randn(50, 8, generator=g, dtype=torch.float64) * 3
    b = torch.randn(50, 8, generator=g, dtype=torch.float64) * 0.5
    omega = torch.acos(torch.nn.functional.cosine_similarity(a, b, dim=1))
    values = metrics.path_distances(lambda z: z, squared_l2, a, b, interpolation="slerp", epsilon=1e-5)
    assert torch.allclose(values, omega.square(), rtol=1e-4)


def test_identical_images_give_zero():
    a, b = torch.randn(20, 4), torch.randn(20, 4)
    constant = lambda w: torch.ones(len(w), 1, 4, 4)  # noqa: E731
    assert metrics.perceptual_path_length(constant, squared_l2, a, b) == 0.0


def test_t_is_drawn_from_the_seed_and_can_be_given():
    g = torch.Generator().manual_seed(0)  # fixed points: the finite difference's error depends on them
    a, b = torch.randn(30, 3, generator=g, dtype=torch.float64), torch.randn(30, 3, generator=g, dtype=torch.float64)
    square = lambda w: w.square()  # noqa: E731  not linear: the value depends on t
    one = metrics.path_distances(square, squared_l2, a, b, seed=1)
    assert torch.equal(one, metrics.path_distances(square, squared_l2, a, b, seed=1))
    assert not torch.equal(one, metrics.path_distances(square, squared_l2, a, b, seed=2))
    at_start = metrics.path_distances(square, squared_l2, a, b, t=0.0, epsilon=1e-4)  # the paper's "end" sampling
    # the forward difference of w^2 along w = a + t (b - a) at t = 0, exactly: 2 a (b - a) + eps (b - a)^2
    step = 2 * a * (b - a) + 1e-4 * (b - a).square()
    assert torch.allclose(at_start, step.square().sum(1), rtol=1e-6)


def test_unit_feature_distance_is_the_squared_distance_of_unit_features():
    extractor = lambda x: x.flatten(1)  # noqa: E731
    d = metrics.unit_feature_distance(extractor)
    x = torch.tensor([[[[3.0, 0.0]]], [[[1.0, 1.0]]]])
    y = torch.tensor([[[[0.0, 5.0]]], [[[2.0, 2.0]]]])
    assert torch.allclose(d(x, y), torch.tensor([2.0, 0.0], dtype=torch.float64))  # orthogonal: 2; same direction: 0
    assert torch.equal(d(x, x), torch.zeros(2, dtype=torch.float64))


def test_filtered_mean_by_hand():
    values = np.arange(1, 201, dtype=float)  # 1st percentile ('lower') = 2, 99th ('higher') = 200 - 1 = 199
    assert metrics.filtered_mean(values) == pytest.approx(np.arange(2, 200).mean())
    assert metrics.filtered_mean(values, 0, 100) == pytest.approx(values.mean())
    assert metrics.filtered_mean([5.0]) == 5.0


def test_bad_input():
    a = torch.randn(4, 3)
    with pytest.raises(ValueError, match="one shape"):
        metrics.path_distances(lambda w: w, squared_l2, a, torch.randn(5, 3))
    with pytest.raises(ValueError, match="unknown interpolation 'cubic'"):
        metrics.path_distances(lambda w: w, squared_l2, a, a, interpolation="cubic")
    with pytest.raises(ValueError, match="epsilon must be > 0"):
        metrics.path_distances(lambda w: w, squared_l2, a, a, epsilon=0)
    with pytest.raises(ValueError, match=r"one value per pair, \[4\]"):
        metrics.path_distances(lambda w: w, lambda x, y: (x - y).sum(), a, a)
    with pytest.raises(ValueError, match="finite"):
        metrics.filtered_mean([1.0, math.nan])
    with pytest.raises(ValueError, match="percentiles"):
        metrics.filtered_mean([1.0], 50, 10)
