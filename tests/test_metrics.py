"""Every metric against a hand-computed value, a closed form, or a reference implementation."""

import math

import numpy as np
import pytest
import torch
from scipy import linalg

from gan_course import metrics
from gan_course.metrics import (
    ModeCoverage, class_accuracy, codebook_perplexity, frechet_distance,
    frechet_distance_from_stats, kernel_distance, mmd2_unbiased, mode_coverage, precision_recall,
    psnr, ssim,
)

# The two toy mixtures of chapters 01 and 03, written out here so the test owns its truth.
RING8 = torch.tensor([[2 * math.cos(2 * math.pi * k / 8), 2 * math.sin(2 * math.pi * k / 8)]
                      for k in range(8)])
GRID25 = torch.tensor([[x, y] for x in range(-4, 5, 2) for y in range(-4, 5, 2)], dtype=torch.float)


# ---------------------------------------------------------------- mode coverage

def test_mode_coverage_samples_on_the_centres_capture_everything():
    cov = mode_coverage(RING8.repeat(10, 1), RING8, std=0.02)
    assert cov == ModeCoverage(modes=8, total_modes=8, high_quality=1.0, counts=(10,) * 8)
    assert cov.kl == pytest.approx(0.0)
    assert str(cov) == "8/8 modes (8 with >= 1 sample), 100.0% high-quality"


def test_mode_coverage_hand_made_case():
    # 2,500 samples, so under the course's rule a mode needs 0.008 * 2500 = 20 high-quality samples to count.
    angle = torch.linspace(0, 2 * math.pi, 20)
    ring_of_20 = 0.059 * torch.stack([angle.cos(), angle.sin()], 1)  # just inside 3 std = 0.06
    parts = [RING8[0] + ring_of_20[:19]]  # mode 0: 19 samples, one short
    parts += [RING8[k] + ring_of_20 for k in range(1, 7)]  # modes 1-6: exactly 20
    parts += [RING8[7] + torch.tensor([0.061, 0.0]).expand(20, 2)]  # mode 7: just outside 0.06
    parts += [torch.zeros(2500 - 19 - 120 - 20, 2)]  # the centre of the ring: near no mode
    cov = mode_coverage(torch.cat(parts), RING8, std=0.02)
    assert cov.modes == 6 and cov.total_modes == 8
    assert cov.counts == (19, 20, 20, 20, 20, 20, 20, 0)
    assert cov.high_quality == pytest.approx(139 / 2500)
    assert cov.modes_any == 7  # the papers' rule: mode 0's 19 samples are plenty
    assert str(cov) == "6/8 modes (7 with >= 1 sample), 5.6% high-quality"
    # min_fraction is the knob: 19 samples are enough once the bar is 0.0076 * 2500 = 19
    assert mode_coverage(torch.cat(parts), RING8, std=0.02, min_fraction=0.0076).modes == 7


def test_mode_coverage_of_the_true_grid25_mixture_matches_the_rayleigh_closed_form():
    # For a 2D isotropic Gaussian P(|x - mu| <= 3 std) = 1 - exp(-9/2) = 0.98889.
    g = torch.Generator().manual_seed(0)
    samples = GRID25[torch.randint(25, (25_000,), generator=g)]
    samples = samples + 0.05 * torch.randn(samples.shape, generator=g)
    cov = mode_coverage(samples, GRID25, std=0.05)
    assert cov.modes == 25
    assert cov.high_quality == pytest.approx(1 - math.exp(-4.5), abs=3e-3)
    assert cov.kl < 5e-3  # near-uniform histogram


def test_mode_coverage_kl_hand_values():
    collapsed = mode_coverage(RING8[:1].repeat(50, 1), RING8, std=0.02)
    assert collapsed.modes == 1 and collapsed.kl == pytest.approx(math.log(8))
    # counts (1, 1, 2) over K = 3: KL = 2 * 1/4 log(3/4) + 1/2 log(3/2)
    three = torch.tensor([[0.0, 0.0], [5.0, 0.0], [10.0, 0.0]])
    cov = mode_coverage(three[[0, 1, 2, 2]], three, std=0.1)
    assert cov.kl == pytest.approx(0.5 * math.log(0.75) + 0.5 * math.log(1.5))
    assert math.isnan(mode_coverage(torch.full((4, 2), 9.0), three, std=0.1).kl)


@pytest.mark.parametrize("samples, centers, std, match", [
    (torch.zeros(10, 3), RING8, 0.02, "same D"),
    (torch.zeros(10), RING8, 0.02, r"\[N, D\]"),
    (torch.zeros(0, 2), RING8, 0.02, "at least one sample"),
    (torch.zeros(10, 2), RING8, 0.0, "std and n_std must be positive"),
    (torch.zeros(10, 2), RING8, -1.0, "std and n_std must be positive"),
])
def test_mode_coverage_rejects_bad_input(samples, centers, std, match):
    with pytest.raises(ValueError, match=match):
        mode_coverage(samples, centers, std)


# ---------------------------------------------------------------- Fréchet distance

def _gaussian(n, mean, cov, seed):
    return np.random.default_rng(seed).multivariate_normal(mean, cov, size=n)


def test_frechet_distance_of_identical_sets_is_zero():
    x = torch.randn(200, 6, generator=torch.Generator().manual_seed(0))
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(x.numpy(), x) == pytest.approx(0.0, abs=1e-6)  # numpy or torch


def test_frechet_distance_diagonal_closed_form():
    mu_a, mu_b = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    s_a, s_b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    # ||mu_a - mu_b||^2 + sum(s_a + s_b - 2 sqrt(s_a s_b)) = 5 + (4 + 1 + 0) = 10
    assert frechet_distance_from_stats(mu_a, np.diag(s_a), mu_b, np.diag(s_b)) == pytest.approx(10)


def test_frechet_distance_commuting_covariances_closed_form():
    # S = Q diag(s) Q^T with one rotation Q: (S_a S_b)^{1/2} = Q diag(sqrt(s_a s_b)) Q^T
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(4, 4)))
    s_a, s_b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([4.0, 0.5, 3.0, 1.0])
    mu_a, mu_b = np.zeros(4), np.array([1.0, -1.0, 0.0, 2.0])
    want = 6 + np.sum(s_a + s_b - 2 * np.sqrt(s_a * s_b))
    got = frechet_distance_from_stats(mu_a, q @ np.diag(s_a) @ q.T, mu_b, q @ np.diag(s_b) @ q.T)
    assert got == pytest.approx(want, rel=1e-8)


def test_frechet_distance_general_covariances_match_the_symmetric_formula():
    # Tr (S_a S_b)^{1/2} = Tr (S_a^{1/2} S_b S_a^{1/2})^{1/2}: a route through eigh only.
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    s_a, s_b = a @ a.T + 0.1 * np.eye(5), b @ b.T + 0.1 * np.eye(5)
    root_a = linalg.sqrtm(s_a).real
    tr_covmean = np.sqrt(np.linalg.eigvalsh(root_a @ s_b @ root_a)).sum()
    mu_a, mu_b = rng.normal(size=5), rng.normal(size=5)
    want = np.sum((mu_a - mu_b) ** 2) + np.trace(s_a) + np.trace(s_b) - 2 * tr_covmean
    assert frechet_distance_from_stats(mu_a, s_a, mu_b, s_b) == pytest.approx(want, rel=1e-8)


def test_frechet_distance_in_1d_is_mean_gap_plus_std_gap_squared():
    a, b = np.random.default_rng(3).normal(size=(2, 50, 1))
    b = 3 * b + 1
    want = (a.mean() - b.mean()) ** 2 + (a.std(ddof=1) - b.std(ddof=1)) ** 2  # unbiased cov
    assert frechet_distance(a, b) == pytest.approx(want, rel=1e-8)


def test_frechet_distance_converges_to_mean_shift_and_is_symmetric():
    m = np.array([1.0, -0.5, 0.0, 1.0])  # ||m||^2 = 2.25
    a = _gaussian(20_000, np.zeros(4), np.eye(4), seed=4)
    b = _gaussian(20_000, m, np.eye(4), seed=5)
    fd = frechet_distance(a, b)
    assert fd == pytest.approx(2.25, abs=0.05)
    assert frechet_distance(b, a) == pytest.approx(fd, rel=1e-9)


def test_frechet_distance_survives_singular_covariances():
    # N = 5 < D = 20: both covariances have rank 4, so S_a S_b is singular.
    rng = np.random.default_rng(6)
    with pytest.warns(RuntimeWarning, match="no more samples than dimensions"):
        fd = frechet_distance(rng.normal(size=(5, 20)), rng.normal(size=(5, 20)) + 1)
    assert np.isfinite(fd) and fd > 20  # the mean shift alone is about ||1||^2 = 20


def test_frechet_distance_rejects_non_psd_covariance_and_bad_shapes():
    with pytest.raises(ValueError, match="imaginary"):
        frechet_distance_from_stats(np.zeros(2), np.diag([-1.0, 1.0]), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="covariances"):
        frechet_distance_from_stats(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="N >= 2"):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="same dimension"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"\[N, D\]"):
        frechet_distance(np.zeros(5), np.zeros(5))
    with pytest.raises(ValueError, match="nan"):
        frechet_distance(np.full((5, 2), np.nan), np.zeros((5, 2)))


# ---------------------------------------------------------------- KID

def test_mmd2_unbiased_hand_value_1d():
    # d = 1, k(x, y) = (xy + 1)^3; a = {0, 1}, b = {1, 2}
    # aa off-diagonal: k(0,1) = 1 -> 1;  bb: k(1,2) = 27 -> 27
    # ab: k(0,1) + k(0,2) + k(1,1) + k(1,2) = 1 + 1 + 8 + 27 = 37 -> 2 * 37 / 4 = 18.5
    assert mmd2_unbiased([[0.0], [1.0]], [[1.0], [2.0]]) == pytest.approx(1 + 27 - 18.5)


def test_mmd2_unbiased_hand_value_2d_is_negative():
    # d = 2, k(x, y) = (x.y / 2 + 1)^3; a = {e1, e2}, b = {(1,1), (0,0)}
    # aa: e1.e2 = 0 -> 1;  bb: 0 -> 1;  ab: 1.5^3 + 1 + 1.5^3 + 1 = 8.75 -> 2 * 8.75 / 4
    got = mmd2_unbiased(torch.eye(2), torch.tensor([[1.0, 1.0], [0.0, 0.0]]))
    assert got == pytest.approx(1 + 1 - 4.375)  # unbiased: can be negative


def test_kernel_distance_same_vs_shifted_distribution():
    g = torch.Generator().manual_seed(7)
    a, b = torch.randn(2, 600, 8, generator=g)
    same = kernel_distance(a, b, n_subsets=20, subset_size=300)
    shifted = kernel_distance(a, b + 0.5, n_subsets=20, subset_size=300)
    assert abs(same) < 0.01
    assert shifted > 0.1


def test_kernel_distance_is_deterministic_and_full_subsets_equal_mmd2():
    g = torch.Generator().manual_seed(8)
    a, b = torch.randn(50, 3, generator=g), torch.randn(40, 3, generator=g) + 0.3
    kwargs = dict(n_subsets=5, subset_size=20)
    assert kernel_distance(a, b, **kwargs, seed=1) == kernel_distance(a, b, **kwargs, seed=1)
    assert kernel_distance(a, b, **kwargs, seed=1) != kernel_distance(a, b, **kwargs, seed=2)
    # subset_size >= N: each subset is a permutation of the whole set, so KID = MMD^2_u
    assert kernel_distance(a[:30], b[:30], n_subsets=3) == pytest.approx(mmd2_unbiased(a[:30],
                                                                                       b[:30]))


def test_kernel_distance_rejects_bad_arguments():
    x = torch.zeros(10, 2)
    with pytest.raises(ValueError, match="subset_size >= 2"):
        kernel_distance(x, x, subset_size=1)
    with pytest.raises(ValueError, match="same dimension"):
        mmd2_unbiased(x, torch.zeros(10, 3))


# ---------------------------------------------------------------- precision & recall

REAL_1D = torch.tensor([0.0, 1, 2, 3, 10, 11, 12, 13])[:, None]  # k=1 radius of every point: 1


def test_precision_recall_identical_sets_and_far_fakes():
    x = torch.randn(1500, 2, generator=torch.Generator().manual_seed(9))  # > one 1,024-row chunk
    assert precision_recall(x, x) == (1.0, 1.0)
    assert precision_recall(REAL_1D, REAL_1D + 100, k=1) == (0.0, 0.0)


def test_precision_recall_hand_made_1d():
    # fakes {0.5, 1.5, 2.5, 3.5}: k=1 radii all 1; every fake is within 1 of a real point
    # (precision 1), and they cover the reals 0..3 but not 10..13 (recall 4/8).
    fake = torch.tensor([0.5, 1.5, 2.5, 3.5])[:, None]
    assert precision_recall(REAL_1D, fake, k=1) == (1.0, 0.5)
    # fakes {0.5, 1.5, 50, 51}: radii 1; half the fakes are real-looking (precision 1/2) and
    # they cover the reals 0, 1, 2 only (recall 3/8): 3 is 1.5 away from the nearest fake.
    fake = torch.tensor([0.5, 1.5, 50.0, 51.0])[:, None]
    assert precision_recall(REAL_1D, fake, k=1) == (0.5, 3 / 8)


def test_precision_recall_ball_boundary_counts_as_inside():
    # fakes {4, 5, 6, 7}: only 4 is real-looking, at distance exactly 1 = radius of real 3;
    # only real 3 is covered, at distance exactly 1 = radius of fake 4. The paper uses <=.
    fake = torch.tensor([4.0, 5.0, 6.0, 7.0])[:, None]
    assert precision_recall(REAL_1D, fake, k=1) == (0.25, 1 / 8)


def test_precision_recall_k_sets_the_radius():
    # k=3: radius of real 0 is its distance to 3 (= 3), so a fake at -2.5 now counts
    fake = torch.tensor([-2.5, 50.0, 51.0, 52.0])[:, None]
    assert precision_recall(REAL_1D, fake, k=1).precision == 0.0
    assert precision_recall(REAL_1D, fake, k=3).precision == 0.25


def test_precision_recall_needs_more_than_k_samples():
    with pytest.raises(ValueError, match="N >= 4"):
        precision_recall(torch.zeros(3, 2), torch.zeros(10, 2), k=3)
    with pytest.raises(ValueError, match="k must be"):
        precision_recall(torch.zeros(10, 2), torch.zeros(10, 2), k=0)


# ---------------------------------------------------------------- image wrappers

class FlattenCounter:
    """A feature extractor that records the batches it was given."""

    def __init__(self):
        self.batches, self.grad_enabled = [], []

    def __call__(self, images):
        self.batches.append(len(images))
        self.grad_enabled.append(torch.is_grad_enabled())
        return images.flatten(1)[:, :5]  # [N, 5]


def test_image_wrappers_equal_the_feature_metrics():
    g = torch.Generator().manual_seed(10)
    real = torch.rand(40, 1, 4, 4, generator=g, requires_grad=True)
    fake = torch.rand(30, 1, 4, 4, generator=g)
    fr, ff = real.detach().flatten(1)[:, :5], fake.flatten(1)[:, :5]
    extractor = FlattenCounter()
    assert metrics.fid(real, fake, extractor, batch_size=16) == pytest.approx(
        frechet_distance(fr, ff), rel=1e-6)
    assert extractor.batches == [16, 16, 8, 16, 14] and not any(extractor.grad_enabled)
    assert metrics.kid(real, fake, extractor, n_subsets=4, subset_size=20) == pytest.approx(
        kernel_distance(fr, ff, n_subsets=4, subset_size=20), rel=1e-6)
    assert metrics.image_precision_recall(real, fake, extractor, k=2) == precision_recall(
        fr, ff, k=2)


def test_extract_features_rejects_a_bad_extractor():
    with pytest.raises(ValueError, match=r"\[batch, D\] tensor"):
        metrics.extract_features(torch.zeros(4, 1, 4, 4), lambda x: x)
    with pytest.raises(ValueError, match="no images"):
        metrics.extract_features(torch.zeros(0, 1, 4, 4), lambda x: x.flatten(1))


# ---------------------------------------------------------------- PSNR, SSIM

def test_psnr_of_a_constant_offset():
    x = torch.rand(2, 3, 8, 8) * 2 - 1
    # MSE = 0.1^2 = 0.01 -> 10 log10(2^2 / 0.01) = 10 log10(400)
    assert psnr(x, x + 0.1) == pytest.approx(10 * math.log10(400))
    x01 = (x[0] + 1) / 2 * 0.9  # in [0, 0.9]: with the offset, still inside data_range=1
    assert psnr(x01, x01 + 0.1, data_range=1.0) == pytest.approx(10 * math.log10(100))
    assert psnr(x, x) == math.inf


def test_psnr_averages_per_image_values():
    x = torch.zeros(2, 1, 4, 4)
    y = torch.cat([torch.full((1, 1, 4, 4), 0.1), torch.full((1, 1, 4, 4), 0.2)])
    # mean of 10 log10(4/0.01) and 10 log10(4/0.04), not the PSNR of the mean MSE
    assert psnr(x, y) == pytest.approx(5 * (math.log10(400) + math.log10(100)))


def test_ssim_of_identical_and_constant_images():
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    assert ssim(x, x) == pytest.approx(1.0)
    # constants a, b: no variance, so SSIM = (2ab + C1) / (a^2 + b^2 + C1), C1 = (0.01 * 2)^2
    a, b, c1 = 0.5, -0.2, 0.02**2
    got = ssim(torch.full((1, 12, 12), a), torch.full((1, 12, 12), b))
    assert got == pytest.approx((2 * a * b + c1) / (a * a + b * b + c1))


def test_ssim_matches_skimage():
    structural_similarity = pytest.importorskip("skimage.metrics").structural_similarity
    g = torch.Generator().manual_seed(11)
    x = torch.rand(3, 32, 24, generator=g) * 2 - 1
    y = (x + 0.3 * torch.randn(x.shape, generator=g)).clamp(-1, 1)
    want = structural_similarity(x.numpy(), y.numpy(), data_range=2.0, channel_axis=0,
                                 gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    assert ssim(x, y) == pytest.approx(want, abs=1e-12)  # the same formula: agreement to rounding (~1e-15)
    assert ssim(x[None], y[None]) == pytest.approx(ssim(x, y))  # [C, H, W] or [N, C, H, W]


def test_psnr_and_ssim_reject_bad_shapes():
    with pytest.raises(ValueError, match="one shape"):
        psnr(torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 9))
    with pytest.raises(ValueError, match="at least 11x11"):
        ssim(torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 8))


# ---------------------------------------------------------------- codebook, classes

def test_codebook_perplexity_hand_values():
    assert codebook_perplexity(torch.arange(16).repeat(3), 16) == pytest.approx(16)
    assert codebook_perplexity(torch.full((4, 7), 5), 16) == pytest.approx(1)
    # p = (1/3, 2/3): exp(H) = 3^(1/3) (3/2)^(2/3) = 3 / 2^(2/3)
    assert codebook_perplexity(torch.tensor([0, 0, 1, 1, 1, 1]), 8) == pytest.approx(3 / 2**(2 / 3))


def test_codebook_perplexity_rejects_bad_indices():
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        codebook_perplexity(torch.tensor([0, 4]), 4)
    with pytest.raises(ValueError, match="integer"):
        codebook_perplexity(torch.tensor([0.0, 1.0]), 4)


def test_class_accuracy_hand_values():
    target = torch.tensor([0, 0, 1, 1, 1, 2])
    pred = torch.tensor([0, 1, 1, 1, 0, 2])
    overall, per_class = class_accuracy(pred, target, num_classes=4)
    assert overall == pytest.approx(4 / 6)
    torch.testing.assert_close(per_class[:3], torch.tensor([0.5, 2 / 3, 1.0], dtype=torch.float64))
    assert math.isnan(per_class[3])  # nobody asked for class 3
    logits = torch.nn.functional.one_hot(pred, 4).float()  # argmax of logits = pred
    assert class_accuracy(logits, target, 4).overall == pytest.approx(4 / 6)


def test_class_accuracy_rejects_bad_input():
    with pytest.raises(ValueError, match="same"):
        class_accuracy(torch.tensor([0, 1]), torch.tensor([0, 1, 1]), 2)
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        class_accuracy(torch.tensor([0, 1]), torch.tensor([0, 2]), 2)
    with pytest.raises(ValueError, match="num_classes=3"):
        class_accuracy(torch.zeros(2, 2), torch.tensor([0, 1]), 3)


# ---------------------------------------------------------------- super-resolution: Y channel, shaved border

def y_by_hand(x):
    """BT.601 luma on 0..255 from [-1, 1] RGB, written independently (numpy, HWC), as the SR papers' code does."""
    rgb = (x.permute(1, 2, 0).double().numpy() + 1) / 2
    return rgb @ np.array([65.481, 128.553, 24.966]) + 16.0


def test_rgb_to_y_of_black_white_and_a_primary():
    black, white = torch.full((3, 2, 2), -1.0), torch.ones(3, 2, 2)
    assert torch.allclose(metrics.rgb_to_y(black), torch.full((1, 2, 2), 16 / 255))   # Y = 16 of 255
    assert torch.allclose(metrics.rgb_to_y(white), torch.full((1, 2, 2), 235 / 255))  # Y = 235 of 255
    green = torch.tensor([-1.0, 1.0, -1.0]).view(3, 1, 1)
    assert metrics.rgb_to_y(green).item() == pytest.approx((16 + 128.553) / 255)
    with pytest.raises(ValueError, match=r"RGB images \[\.\.\., 3, H, W\]"):
        metrics.rgb_to_y(torch.zeros(1, 1, 4, 4))


def test_y_channel_psnr_of_a_grey_offset_by_hand():
    x = torch.zeros(2, 3, 16, 16)
    # +0.1 on every channel of [-1, 1] = +0.05 of [0, 1]: Y moves by 0.05 * (65.481 + 128.553 + 24.966) = 10.95 of 255
    want = 10 * math.log10(255**2 / (0.05 * 219.0) ** 2)
    assert psnr(x, x + 0.1, y_channel=True) == pytest.approx(want)
    assert psnr(x, x + 0.1) == pytest.approx(10 * math.log10(4 / 0.01))  # plain RGB unchanged


def test_shave_drops_the_border():
    x = torch.zeros(1, 3, 20, 20)
    y = x.clone()
    y[..., :4, :] = 1.0  # an error only within 4 px of the top edge
    assert psnr(x, y, shave=4) == math.inf and psnr(x, y, shave=3) < math.inf
    inner = torch.rand(1, 3, 12, 12) * 0.2
    y[..., 4:16, 4:16] += inner
    assert psnr(x, y, shave=4) == pytest.approx(psnr(x[..., 4:16, 4:16], y[..., 4:16, 4:16]))
    with pytest.raises(ValueError, match="leaves nothing"):
        psnr(x, y, shave=10)
    with pytest.raises(ValueError, match="shave must be an int >= 0"):
        psnr(x, y, shave=-1)
    with pytest.raises(ValueError, match=r"y_channel=True takes images in \[-1, 1\]"):
        psnr(x, y, y_channel=True, data_range=1.0)


def test_y_psnr_and_ssim_match_skimage_on_the_y_channel():
    skm = pytest.importorskip("skimage.metrics")
    g = torch.Generator().manual_seed(3)
    x = torch.rand(3, 40, 36, generator=g) * 2 - 1
    y = (x + 0.2 * torch.randn(x.shape, generator=g)).clamp(-1, 1)
    s = 4
    yx, yy = y_by_hand(x)[s:-s, s:-s], y_by_hand(y)[s:-s, s:-s]
    assert psnr(x, y, y_channel=True, shave=s) == pytest.approx(skm.peak_signal_noise_ratio(yx, yy, data_range=255))
    want = skm.structural_similarity(yx, yy, data_range=255, gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False)
    assert ssim(x, y, y_channel=True, shave=s) == pytest.approx(want, abs=1e-12)


def test_feature_distance_and_sr_scores():
    x = torch.rand(3, 24, 24) * 2 - 1
    double = lambda t: 2 * t  # noqa: E731 -- features phi(x) = 2x: distance = 4 * pixel MSE
    assert metrics.feature_distance(x, x + 0.1, double) == pytest.approx(4 * 0.01)
    assert metrics.feature_distance(x, x, double) == 0
    hr = [x, torch.zeros(3, 32, 28)]
    sr = [x + 0.1, torch.full((3, 32, 28), 0.2)]
    scores = metrics.sr_scores(sr, hr, scale=4, extractor=double)
    assert set(scores) == {"psnr", "ssim", "feature"}
    sr8, hr8 = [metrics.to_8bit(t) for t in sr], [metrics.to_8bit(t) for t in hr]  # scored as 8-bit files
    assert scores["psnr"] == pytest.approx((psnr(sr8[0], hr8[0], y_channel=True, shave=4)
                                            + psnr(sr8[1], hr8[1], y_channel=True, shave=4)) / 2)
    assert scores["ssim"] == pytest.approx((ssim(sr8[0], hr8[0], y_channel=True, shave=4)
                                            + ssim(sr8[1], hr8[1], y_channel=True, shave=4)) / 2)
    assert scores["feature"] == pytest.approx((metrics.feature_distance(sr8[0], hr8[0], double, shave=4)
                                               + metrics.feature_distance(sr8[1], hr8[1], double, shave=4)) / 2)
    assert "feature" not in metrics.sr_scores(sr, hr, scale=4)
    with pytest.raises(ValueError, match="same length"):
        metrics.sr_scores(sr, hr[:1], scale=4)


def test_mode_coverage_reports_both_rules():
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    samples = torch.cat([torch.zeros(97, 2), torch.tensor([[10.0, 0.0]]), torch.full((2, 2), 5.0)])  # 100 points
    cov = mode_coverage(samples, centers, std=0.1, min_fraction=0.05)  # the course's rule: >= 5 samples
    assert cov.counts == (97, 1, 0)
    assert cov.modes == 1 and cov.modes_any == 2   # one sample in mode 1 captures it only under the papers' rule
    assert str(cov) == "1/3 modes (2 with >= 1 sample), 98.0% high-quality"


def test_gaussian_blur_and_fid_calibration():
    from gan_course.metrics import fid_calibration, gaussian_blur, place_on_scale, Calibration

    x = torch.zeros(1, 1, 9, 9)
    x[0, 0, 4, 4] = 1.0
    blurred = gaussian_blur(x, 1.0)
    assert blurred.sum().item() == pytest.approx(1.0, abs=1e-6)  # a normalised kernel keeps the mass
    k = torch.exp(-torch.arange(-3.0, 4.0) ** 2 / 2)
    k = k / k.sum()
    assert torch.allclose(blurred[0, 0, 4, 1:8], k[3] * k, atol=1e-6)  # separable Gaussian, sigma 1
    with pytest.raises(ValueError, match="sigma must be > 0"):
        gaussian_blur(x, 0)

    g = torch.Generator().manual_seed(0)
    ref, real = torch.rand(300, 1, 8, 8, generator=g) * 2 - 1, torch.rand(300, 1, 8, 8, generator=g) * 2 - 1
    extractor = lambda imgs: torch.cat([imgs.flatten(1)[:, :4], imgs.mean((1, 2, 3))[:, None]], 1)
    rows = fid_calibration(ref, real, extractor, noise=(0.1, 0.5), blur=(1.0,))
    assert [r.name for r in rows] == ["real", "noise sigma = 0.1", "noise sigma = 0.5", "blur sigma = 1 px"]
    fids = {r.name: r.fid for r in rows}
    assert fids["real"] < fids["noise sigma = 0.5"] and fids["real"] < fids["blur sigma = 1 px"]
    table = [Calibration("real", 1.0), Calibration("noise", 10.0), Calibration("blur", 50.0)]
    assert place_on_scale(5.0, table) == "between real (1.0) and noise (10.0)"
    assert place_on_scale(0.5, table) == "below real (1.0)"
    assert place_on_scale(80.0, table) == "above blur (50.0)"


def test_chance_coverage_of_a_uniform_cloud_on_the_grid():
    from gan_course.data import grid25
    from gan_course.metrics import chance_coverage

    grid = grid25(10)
    scores = [chance_coverage(grid.centers, grid.std, 2500, 5.0, seed=s) for s in range(3)]
    # each 3-std disk covers pi * 0.15^2 / 100 = 0.07 % of the square: ~1.8 of 2,500 points per mode, 1.8 % in all
    for cov in scores:
        assert cov.modes == 0                       # the course's rule: no mode reaches 20 samples
        assert 17 <= cov.modes_any <= 24            # the papers' rule: most modes get a stray point
        assert cov.high_quality == pytest.approx(25 * math.pi * 0.15 ** 2 / 100, abs=0.006)
    with pytest.raises(ValueError, match="half_width must be > 0"):
        chance_coverage(grid.centers, grid.std, 10, 0.0)
