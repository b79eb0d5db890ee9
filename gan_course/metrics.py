"""Metrics: one number for "how good is this generator?" — every chapter scores itself here.

Pure functions, no global state, no downloads. Image metrics work on features from any
`extractor(images) -> [N, D]` (the course passes a small classifier's `.features`), so the numbers
are comparable *within* the course, not with published Inception-based FIDs.

- Mode coverage on 2D mixtures (ch. 01, 03): Metz et al., "Unrolled GANs" (arXiv:1611.02163);
  Srivastava et al., "VEEGAN" (arXiv:1705.07761); Lin et al., "PacGAN" (arXiv:1712.04086).
- Fréchet distance / FID: Heusel et al., "GANs Trained by a Two Time-Scale Update Rule
  Converge to a Local Nash Equilibrium" (arXiv:1706.08500).
- Kernel distance / KID: Bińkowski et al., "Demystifying MMD GANs" (arXiv:1801.01401).
- Precision & recall: Kynkäänniemi et al., "Improved Precision and Recall Metric for Assessing
  Generative Models" (arXiv:1904.06991).
- SSIM: Wang et al., "Image Quality Assessment: From Error Visibility to Structural Similarity"
  (IEEE TIP 2004). PSNR and SSIM score super-resolution (ch. 09).
- Codebook usage and perplexity, gradient energy (sharpness) (ch. 10), class accuracy (ch. 02, 06).
- Perceptual path length (ch. 07, 08): Karras et al., "A Style-Based Generator Architecture for
  Generative Adversarial Networks" (arXiv:1812.04948), sec. 4.1.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from scipy import linalg

# --------------------------------------------------------------------------------------------
# Mode coverage on 2D mixtures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModeCoverage:
    """Result of `mode_coverage`: captured modes, high-quality fraction, samples per mode."""

    modes: int  # modes with at least `min_count` high-quality samples: the course's rule
    total_modes: int
    high_quality: float  # fraction of samples within n_std * std of their nearest centre
    counts: tuple[int, ...]  # high-quality samples per mode, in the order of `centers`

    @property
    def modes_any(self) -> int:
        """Modes with at least one high-quality sample: the rule of PacGAN's and GDPP's released code,
        which their published numbers use (see `mode_coverage`)."""
        return sum(1 for c in self.counts if c > 0)

    @property
    def kl(self) -> float:
        """KL(p || uniform) of the high-quality samples' mode histogram (VEEGAN), in nats.

        0 when every mode gets the same share; log(K) when all sit in one mode; nan if no sample
        is high quality. KL(p || u) = sum_k p_k log(p_k K), with 0 log 0 = 0.
        """
        total = sum(self.counts)
        if total == 0:
            return math.nan
        return sum(c / total * math.log(c / total * self.total_modes) for c in self.counts if c)

    def __str__(self) -> str:
        return (f"{self.modes}/{self.total_modes} modes ({self.modes_any} with >= 1 sample), "
                f"{100 * self.high_quality:.1f}% high-quality")


def mode_coverage(samples, centers, std: float, *, n_std: float = 3.0,
                  min_fraction: float = 0.008) -> ModeCoverage:
    """Count the modes of a 2D Gaussian mixture that a generator's samples capture.

    A sample is *high quality* if it lies within `n_std` standard deviations of its nearest mode
    centre (Unrolled GAN, VEEGAN, PacGAN). Two rules for "captured":

    - the course's choice (`.modes`): a mode needs `min_count = ceil(min_fraction * N)` high-quality
      samples (at least 1); the default 0.8 % is 20 of 2,500 samples. It is stricter than the
      papers' rule, and robust: a structureless uniform cloud over the grid scores 0/25 under it;
    - the papers' released code (PacGAN's, GDPP's; `.modes_any`): a single high-quality sample
      captures a mode. Their published numbers use this rule, under which the same uniform cloud
      already "captures" about 21/25 grid modes (at ~2 % high-quality samples), so read it together
      with the share of high-quality samples.

    samples: [N, 2] generated points; centers: [K, 2] mode centres; std: the modes' standard
    deviation (ring8: 0.02, grid25: 0.05).
    """
    x = torch.as_tensor(samples, dtype=torch.float64).detach().cpu()
    mu = torch.as_tensor(centers, dtype=torch.float64).detach().cpu()
    if x.ndim != 2 or mu.ndim != 2 or x.shape[1] != mu.shape[1]:
        raise ValueError(f"samples must be [N, D] and centers [K, D] with the same D; got samples "
                         f"{tuple(x.shape)} and centers {tuple(mu.shape)}")
    if len(x) == 0 or len(mu) == 0:
        raise ValueError(f"need at least one sample and one centre; got {len(x)} samples "
                         f"and {len(mu)} centres")
    if not std > 0 or not n_std > 0:
        raise ValueError(f"std and n_std must be positive; got std={std}, n_std={n_std}")
    if not 0 <= min_fraction <= 1:
        raise ValueError(f"min_fraction must lie in [0, 1]; got {min_fraction}")

    dist, nearest = torch.cdist(x, mu).min(dim=1)  # [N]: distance to, and index of, nearest centre
    good = dist <= n_std * std
    counts = torch.bincount(nearest[good], minlength=len(mu))  # [K]
    min_count = max(1, math.ceil(min_fraction * len(x) - 1e-9))  # -1e-9: 0.008 * 2500 is 20, not 21
    return ModeCoverage(modes=int((counts >= min_count).sum()), total_modes=len(mu),
                        high_quality=good.double().mean().item(),
                        counts=tuple(int(c) for c in counts))


def chance_coverage(centers, std: float, n: int, half_width: float, *, seed: int = 0,
                    **rule) -> ModeCoverage:
    """The score of no learning at all: `n` points uniform over the square [-half_width, half_width]^2.

    A generator's coverage means something only next to this: under the papers' one-sample rule a
    structureless cloud over the 25-Gaussian grid already "captures" most modes (see `mode_coverage`).
    `rule` takes mode_coverage's keywords (n_std, min_fraction).
    """
    if not half_width > 0:
        raise ValueError(f"half_width must be > 0, got {half_width}")
    cloud = (torch.rand(n, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2 - 1) * half_width
    return mode_coverage(cloud, centers, std, **rule)


# --------------------------------------------------------------------------------------------
# Feature-set distances: FID, KID, precision & recall
# --------------------------------------------------------------------------------------------


def _numpy64(x) -> np.ndarray:
    """A float64 numpy copy of a tensor (any device, grad or not) or array."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=np.float64)


def _features(x, name: str, min_rows: int = 2) -> np.ndarray:
    """A [N, D] float64 numpy array from a tensor or array, with a clear error if it is not one."""
    x = _numpy64(x)
    if x.ndim != 2 or len(x) < min_rows:
        raise ValueError(f"{name} must be a [N, D] feature matrix with N >= {min_rows}; "
                         f"got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains nan or inf")
    return x


def _same_dim(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"both feature sets need the same dimension D; got {a.shape[1]} "
                         f"and {b.shape[1]}")


def frechet_distance_from_stats(mu_a, sigma_a, mu_b, sigma_b, *, eps: float = 1e-6) -> float:
    """Fréchet distance between N(mu_a, sigma_a) and N(mu_b, sigma_b) (Heusel et al. 2017).

    FD = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^{1/2}), in float64. As in pytorch-fid, a
    singular product is retried with eps * I added to both covariances, and the tiny imaginary
    part that sqrtm leaves from rounding is dropped (a large one means a covariance is not PSD).
    """
    mu_a, sigma_a, mu_b, sigma_b = map(_numpy64, (mu_a, sigma_a, mu_b, sigma_b))
    d = mu_a.shape[0] if mu_a.ndim == 1 else -1
    if not (mu_a.shape == mu_b.shape == (d,) and sigma_a.shape == sigma_b.shape == (d, d)):
        raise ValueError(f"need means [D] and covariances [D, D] of one D; got {mu_a.shape}, "
                         f"{sigma_a.shape}, {mu_b.shape}, {sigma_b.shape}")

    with warnings.catch_warnings():  # "matrix is singular": handled below by the eps retry
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma_a @ sigma_b)  # (S_a S_b)^{1/2}
        if not np.isfinite(covmean).all():
            offset = eps * np.eye(d)
            covmean = linalg.sqrtm((sigma_a + offset) @ (sigma_b + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"sqrtm(S_a S_b) has an imaginary component of "
                             f"{np.abs(covmean.imag).max():.3g}: are both covariances PSD?")
        covmean = covmean.real
    diff = mu_a - mu_b
    return float(diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2 * np.trace(covmean))


def frechet_distance(feats_a, feats_b) -> float:
    """FID's formula on two feature sets [N_a, D] and [N_b, D] (tensors or arrays; N >= 2).

    Fits a Gaussian (mean, unbiased covariance) to each set and returns their Fréchet distance.
    """
    a, b = _features(feats_a, "feats_a"), _features(feats_b, "feats_b")
    _same_dim(a, b)
    if min(len(a), len(b)) <= a.shape[1]:
        warnings.warn(f"Fréchet distance from {len(a)} and {len(b)} samples of {a.shape[1]}-dimensional features: with "
                      f"no more samples than dimensions a covariance is singular and the distance is strongly biased "
                      f"(upwards); use more samples than dimensions (several times more for a stable number)",
                      RuntimeWarning, stacklevel=2)
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))  # [D, D], unbiased (N - 1); [1, 1] for D = 1
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    return frechet_distance_from_stats(a.mean(0), cov_a, b.mean(0), cov_b)


def _poly_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1) ** 3  # k(x, y) = (x.y / d + 1)^3: KID's kernel


def mmd2_unbiased(feats_a, feats_b) -> float:
    """Unbiased MMD^2 with the cubic polynomial kernel (Bińkowski et al. 2018, eq. 3).

    MMD^2_u = sum_{i!=j} k(a_i, a_j) / (m(m-1)) + sum_{i!=j} k(b_i, b_j) / (n(n-1))
              - 2 sum_{i,j} k(a_i, b_j) / (mn).
    Unbiased, so for two samples of one distribution it scatters around 0 and can be negative.
    """
    a, b = _features(feats_a, "feats_a"), _features(feats_b, "feats_b")
    _same_dim(a, b)
    m, n = len(a), len(b)
    k_aa, k_bb = _poly_kernel(a, a), _poly_kernel(b, b)
    return float((k_aa.sum() - np.trace(k_aa)) / (m * (m - 1))  # off-diagonal: i != j
                 + (k_bb.sum() - np.trace(k_bb)) / (n * (n - 1))
                 - 2 * _poly_kernel(a, b).mean())


def kernel_distance(feats_a, feats_b, *, n_subsets: int = 100, subset_size: int = 1000,
                    seed: int = 0) -> float:
    """KID: `mmd2_unbiased` averaged over `n_subsets` random subsets (Bińkowski et al. 2018).

    Each subset draws `subset_size` rows from each set without replacement; subset_size is capped
    at the smaller set's size (then each subset is a permutation of the whole set). The draws
    come from their own generator seeded with `seed`, so the result is deterministic.
    """
    a, b = _features(feats_a, "feats_a"), _features(feats_b, "feats_b")
    _same_dim(a, b)
    if n_subsets < 1 or subset_size < 2:
        raise ValueError(f"need n_subsets >= 1 and subset_size >= 2; got {n_subsets}, "
                         f"{subset_size}")
    size = min(subset_size, len(a), len(b))
    rng = np.random.default_rng(seed)
    return float(np.mean([mmd2_unbiased(a[rng.choice(len(a), size, replace=False)],
                                        b[rng.choice(len(b), size, replace=False)])
                          for _ in range(n_subsets)]))


class PrecisionRecall(NamedTuple):
    precision: float  # fraction of fakes inside the real manifold: are samples realistic?
    recall: float  # fraction of reals inside the fake manifold: is the data covered?


def _knn_radii(x: torch.Tensor, k: int, chunk: int = 1024) -> torch.Tensor:
    """[N]: distance from each row of x to its k-th nearest *other* row."""
    # column 0 of the sorted distances is the point itself (distance 0), so take column k
    return torch.cat([torch.cdist(x[i:i + chunk], x).kthvalue(k + 1, dim=1).values
                      for i in range(0, len(x), chunk)])


def _inside(query: torch.Tensor, ref: torch.Tensor, radii: torch.Tensor,
            chunk: int = 1024) -> torch.Tensor:
    """[M] bool: is query_i within radii_j of some ref_j, i.e. inside the union of k-NN balls?"""
    return torch.cat([(torch.cdist(query[i:i + chunk], ref) <= radii).any(dim=1)
                      for i in range(0, len(query), chunk)])


def precision_recall(real_feats, fake_feats, *, k: int = 3) -> PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    Each set's manifold is the union of balls around its points, each ball's radius being the
    distance to that point's k-th nearest neighbour in the same set (the paper uses k = 3).
    precision = fraction of fake samples inside the real manifold;
    recall    = fraction of real samples inside the fake manifold.
    Distances are exact, in float64, computed in chunks of 1,024 rows.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1; got {k}")
    real = torch.from_numpy(_features(real_feats, "real_feats", min_rows=k + 1))
    fake = torch.from_numpy(_features(fake_feats, "fake_feats", min_rows=k + 1))
    _same_dim(real.numpy(), fake.numpy())
    precision = _inside(fake, real, _knn_radii(real, k)).double().mean().item()
    recall = _inside(real, fake, _knn_radii(fake, k)).double().mean().item()
    return PrecisionRecall(precision, recall)


# --------------------------------------------------------------------------------------------
# Image wrappers: images -> features -> the distances above
# --------------------------------------------------------------------------------------------


@torch.no_grad()
def extract_features(images: torch.Tensor, extractor: Callable[[torch.Tensor], torch.Tensor], *,
                     batch_size: int = 256, device=None) -> torch.Tensor:
    """Map images [N, C, H, W] to features [N, D] in batches, without gradients.

    `extractor` is any callable, e.g. a trained classifier's `.features` (put it in eval mode
    first). Each batch is moved to `device` if given; the features come back as float32 on CPU.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    images, feats = torch.as_tensor(images), []
    for i in range(0, len(images), batch_size):
        batch = images[i:i + batch_size]
        f = extractor(batch if device is None else batch.to(device))
        if not isinstance(f, torch.Tensor) or f.ndim != 2 or len(f) != len(batch):
            shape = tuple(f.shape) if isinstance(f, torch.Tensor) else type(f).__name__
            raise ValueError(f"extractor must return a [batch, D] tensor; for a batch of "
                             f"{len(batch)} images it returned {shape}")
        feats.append(f.float().cpu())
    if not feats:
        raise ValueError("no images given")
    return torch.cat(feats)


def _both(real_images, fake_images, extractor, batch_size, device):
    return (extract_features(real_images, extractor, batch_size=batch_size, device=device),
            extract_features(fake_images, extractor, batch_size=batch_size, device=device))


def fid(real_images, fake_images, extractor, *, batch_size: int = 256, device=None) -> float:
    """Fréchet distance between the extractor's features of real and fake images."""
    return frechet_distance(*_both(real_images, fake_images, extractor, batch_size, device))


def kid(real_images, fake_images, extractor, *, batch_size: int = 256, device=None,
        n_subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> float:
    """Kernel distance (KID) between the extractor's features of real and fake images."""
    return kernel_distance(*_both(real_images, fake_images, extractor, batch_size, device),
                           n_subsets=n_subsets, subset_size=subset_size, seed=seed)


def image_precision_recall(real_images, fake_images, extractor, *, k: int = 3,
                           batch_size: int = 256, device=None) -> PrecisionRecall:
    """Improved precision and recall on the extractor's features of real and fake images."""
    return precision_recall(*_both(real_images, fake_images, extractor, batch_size, device), k=k)


# --------------------------------------------------------------------------------------------
# Reading an FID: where does a number sit between "perfect" and "visibly damaged"?
# --------------------------------------------------------------------------------------------


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur images [N, C, H, W] with a Gaussian of standard deviation `sigma` pixels (reflect padding)."""
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0 pixels, got {sigma}")
    radius = max(1, math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    k = torch.exp(-x**2 / (2 * sigma**2))
    k = (k / k.sum()).to(images.dtype)
    c = images.shape[1]
    out = F.pad(images, (radius,) * 4, mode="reflect")
    out = F.conv2d(out, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)   # along rows
    return F.conv2d(out, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)  # along columns


class Calibration(NamedTuple):
    name: str    # what was done to real images, e.g. "noise sigma = 0.1"
    fid: float   # its FID against the reference set


def fid_calibration(reference, real, extractor, *, noise: tuple[float, ...] = (0.1, 0.2),
                    blur: tuple[float, ...] = (0.5, 1.0), seed: int = 0) -> list[Calibration]:
    """FIDs of real images against `reference` (e.g. the test set), untouched and visibly damaged.

    Rows: "real" (another real set: the floor a perfect generator would reach), real + Gaussian noise
    of each sigma (in the [-1, 1] units of the images, clamped back to [-1, 1]), and real blurred by
    a Gaussian of each sigma in pixels. On the same features, a generator's FID can then be read as
    "between noise 0.1 and noise 0.2" rather than as a bare number.
    """
    real = torch.as_tensor(real)
    feats_ref = extract_features(reference, extractor)
    gen = torch.Generator().manual_seed(seed)
    damaged = [("real", real)]
    damaged += [(f"noise sigma = {s:g}", (real + s * torch.randn(real.shape, generator=gen)).clamp(-1, 1))
                for s in noise]
    damaged += [(f"blur sigma = {s:g} px", gaussian_blur(real, s)) for s in blur]
    return [Calibration(name, frechet_distance(feats_ref, extract_features(x, extractor))) for name, x in damaged]


def place_on_scale(fid_value: float, calibration: list[Calibration]) -> str:
    """Where `fid_value` sits among the calibration rows, e.g. "between noise sigma = 0.1 (9.8) and
    noise sigma = 0.2 (31.2)", "below real (0.3)" or "above blur sigma = 1 px (120.5)"."""
    rows = sorted(calibration, key=lambda r: r.fid)
    if not rows:
        raise ValueError("the calibration is empty")
    if fid_value < rows[0].fid:
        return f"below {rows[0].name} ({rows[0].fid:.1f})"
    for lo, hi in zip(rows, rows[1:]):
        if lo.fid <= fid_value <= hi.fid:
            return f"between {lo.name} ({lo.fid:.1f}) and {hi.name} ({hi.fid:.1f})"
    return f"above {rows[-1].name} ({rows[-1].fid:.1f})"


# --------------------------------------------------------------------------------------------
# Reconstruction metrics (super-resolution): PSNR, SSIM
# --------------------------------------------------------------------------------------------


def _image_pair(x, y) -> tuple[torch.Tensor, torch.Tensor]:
    """Two [N, C, H, W] float64 CPU tensors from a pair of [N, C, H, W] or [C, H, W] images."""
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    if x.shape != y.shape or x.ndim not in (3, 4) or x.numel() == 0:
        raise ValueError(f"x and y must be images of one shape, [N, C, H, W] or [C, H, W]; "
                         f"got {tuple(x.shape)} and {tuple(y.shape)}")
    x, y = (t.detach().to("cpu", torch.float64) for t in (x, y))
    return (x[None], y[None]) if x.ndim == 3 else (x, y)


# ITU-R BT.601 luma, as the SR papers score: Y = 16 + 65.481 R + 128.553 G + 24.966 B for R, G, B in
# [0, 1], so Y runs over [16, 235] of 0..255 (MATLAB's rgb2ycbcr; BasicSR's and the sgrvinod tutorial's).
BT601_WEIGHTS = (65.481, 128.553, 24.966)


def rgb_to_y(x: torch.Tensor) -> torch.Tensor:
    """The luma Y of RGB images [..., 3, H, W] in [-1, 1], as [..., 1, H, W] in [16, 235] / 255: the
    SR papers' Y on 0..255, divided by 255. PSNR and SSIM with data_range 1 on it equal theirs with
    data_range 255 on 0..255 (SSIM depends on the offset of the values, so the offset matters)."""
    if x.dim() < 3 or x.shape[-3] != 3:
        raise ValueError(f"rgb_to_y needs RGB images [..., 3, H, W], got shape {tuple(x.shape)}")
    weights = torch.tensor(BT601_WEIGHTS, dtype=x.dtype, device=x.device).view(3, 1, 1)
    return (16.0 + ((x + 1) / 2 * weights).sum(dim=-3, keepdim=True)) / 255.0


def _prepare(x, y, data_range: float, y_channel: bool, shave: int) -> tuple[torch.Tensor, torch.Tensor, float]:
    """The image pair as the SR papers score it, and its data range: on the luma Y only (`y_channel`;
    Y in [0, 1], so the range becomes 1), without a border of `shave` pixels (= the scale: a network
    cannot know what lay beyond the image's edge)."""
    x, y = _image_pair(x, y)
    if y_channel:
        if data_range != 2.0:
            raise ValueError(f"y_channel=True takes images in [-1, 1] (data_range=2), got data_range={data_range}")
        x, y, data_range = rgb_to_y(x), rgb_to_y(y), 1.0
    if isinstance(shave, bool) or not isinstance(shave, int) or shave < 0:
        raise ValueError(f"shave must be an int >= 0 (border pixels to drop), got {shave!r}")
    if shave:
        h, w = x.shape[-2:]
        if min(h, w) <= 2 * shave:
            raise ValueError(f"shaving {shave} pixels from each side of a {h}x{w} image leaves nothing")
        x, y = x[..., shave:-shave, shave:-shave], y[..., shave:-shave, shave:-shave]
    return x, y, data_range


def psnr(x, y, *, data_range: float = 2.0, y_channel: bool = False, shave: int = 0) -> float:
    """Peak signal-to-noise ratio in dB, averaged over images (the SR papers' convention).

    PSNR = 10 log10(data_range^2 / MSE), MSE per image over all channels and pixels;
    data_range = 2 for images in [-1, 1]. Identical images give inf. The SR papers score the luma
    only and drop a border: `y_channel=True, shave=scale` (see `rgb_to_y`); the default is plain RGB.
    """
    x, y, data_range = _prepare(x, y, data_range, y_channel, shave)
    mse = (x - y).pow(2).flatten(1).mean(1)  # [N]
    return (10 * torch.log10(data_range**2 / mse)).mean().item()


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    g = torch.exp(-(torch.arange(size, dtype=torch.float64) - size // 2) ** 2 / (2 * sigma**2))
    g = g / g.sum()
    return g[:, None] * g[None, :]  # [size, size], separable 2D Gaussian summing to 1


def ssim(x, y, *, data_range: float = 2.0, y_channel: bool = False, shave: int = 0) -> float:
    """Structural similarity (Wang et al. 2004), averaged over images, channels and windows.

    Local statistics under an 11x11 Gaussian window (sigma 1.5), windows wholly inside the image:
    SSIM = (2 mu_x mu_y + C1)(2 cov_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(var_x + var_y + C2)),
    C1 = (0.01 L)^2, C2 = (0.03 L)^2, L = data_range. Matches skimage's structural_similarity
    with gaussian_weights=True, sigma=1.5, use_sample_covariance=False. `y_channel` and `shave`
    as in `psnr`.
    """
    x, y, data_range = _prepare(x, y, data_range, y_channel, shave)
    _, c, h, w = x.shape
    if h < 11 or w < 11:
        raise ValueError(f"SSIM's 11x11 window needs images of at least 11x11; got {h}x{w}")
    window = _gaussian_window().expand(c, 1, 11, 11)  # one window per channel: groups=c

    def blur(t):  # local Gaussian-weighted mean, [N, C, H-10, W-10]
        return F.conv2d(t, window, groups=c)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2  # E[x^2] - E[x]^2
    var_y = blur(y * y) - mu_y**2
    cov_xy = blur(x * y) - mu_x * mu_y
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * mu_x * mu_y + c1) * (2 * cov_xy + c2)
         / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)))
    return s.mean().item()


@torch.no_grad()
def feature_distance(x, y, extractor: Callable[[torch.Tensor], torch.Tensor], *, shave: int = 0, device=None) -> float:
    """Mean squared distance between feature maps, extractor(x) vs extractor(y), averaged over images:
    the perceptual measure of SRGAN's content loss (chapter 09), on RGB images in [-1, 1]. The images
    go to `device` (the extractor's) if given."""
    x, y, _ = _prepare(x, y, 2.0, False, shave)
    fx, fy = (extractor(t.float() if device is None else t.float().to(device)).double().cpu() for t in (x, y))
    return (fx - fy).pow(2).flatten(1).mean(1).mean().item()


def sr_scores(sr, hr, *, scale: int, extractor: Callable[[torch.Tensor], torch.Tensor] | None = None,
              device=None) -> dict[str, float]:
    """PSNR and SSIM on the Y channel with `scale` border pixels shaved (the SR papers' protocol), and the
    feature distance when an `extractor` is given, each averaged over a list of (differently sized)
    images [C, H, W]. Returns {"psnr": dB, "ssim": ..., "feature": ...}."""
    if len(sr) != len(hr) or len(sr) == 0:
        raise ValueError(f"sr and hr must be two non-empty lists of the same length, got {len(sr)} and {len(hr)}")
    rows = [{"psnr": psnr(s, h, y_channel=True, shave=scale), "ssim": ssim(s, h, y_channel=True, shave=scale),
             **({"feature": feature_distance(s, h, extractor, shave=scale, device=device)} if extractor is not None else {})}
            for s, h in zip(sr, hr)]
    return {k: sum(r[k] for r in rows) / len(rows) for k in rows[0]}


# --------------------------------------------------------------------------------------------
# Discrete codes (VQ-VAE) and classes (conditional GANs)
# --------------------------------------------------------------------------------------------


def _code_counts(indices, codebook_size: int) -> torch.Tensor:
    """[K] float64: how often each code occurs in `indices` (any shape), with clear errors."""
    if isinstance(codebook_size, bool) or not isinstance(codebook_size, int) or codebook_size < 1:
        raise ValueError(f"codebook_size must be an int >= 1, got {codebook_size!r}")
    idx = torch.as_tensor(indices).detach().cpu().flatten()
    if idx.numel() == 0 or idx.dtype.is_floating_point or idx.dtype == torch.bool:
        raise ValueError(f"indices must be a non-empty integer tensor; got dtype {idx.dtype} "
                         f"with {idx.numel()} elements")
    if idx.min() < 0 or idx.max() >= codebook_size:
        raise ValueError(f"indices must lie in [0, {codebook_size}); got values from "
                         f"{int(idx.min())} to {int(idx.max())}")
    return torch.bincount(idx.long(), minlength=codebook_size).double()


def codebook_perplexity(indices, codebook_size: int) -> float:
    """exp(entropy of code usage): the effective number of codes in use (ch. 10, VQ-VAE).

    p_k = fraction of `indices` equal to k; perplexity = exp(-sum_k p_k log p_k), 0 log 0 = 0.
    Uniform use of K codes gives K; a collapsed codebook using one code gives 1.
    """
    p = _code_counts(indices, codebook_size)
    p = p[p > 0] / p.sum()
    return torch.exp(-(p * p.log()).sum()).item()


# --- Chapter 10: codebook usage and sharpness ---------------------------------------------------------------
def codebook_usage(indices, codebook_size: int) -> float:
    """Fraction of the K codes that occur at least once in `indices` (ch. 10, VQ-VAE).

    Pass the codes of a whole pass over the data, not of one batch: a batch of 64 images with a 7x7 grid
    holds 3,136 positions and can miss codes that the data set as a whole uses.
    """
    return (_code_counts(indices, codebook_size) > 0).double().mean().item()


def gradient_energy(images) -> float:
    """Mean squared difference between neighbouring pixels (horizontal and vertical), over images [N, C, H, W].

    A measure of sharpness: a blur spreads an edge of height h over n smaller steps, whose squares sum to
    h^2 / n (the absolute differences would still sum to h), so blurring lowers it. For reconstructions,
    compare it with the real images' (a ratio below 1: blurrier than the data). Constant images give 0.
    """
    x = torch.as_tensor(images).detach().cpu().double()
    if x.dim() != 4 or x.shape[-1] < 2 or x.shape[-2] < 2 or len(x) == 0:
        raise ValueError(f"images must be [N, C, H, W] with N >= 1 and H, W >= 2, got {list(x.shape)}")
    dx = (x[..., :, 1:] - x[..., :, :-1]).square().mean()   # horizontal neighbours
    dy = (x[..., 1:, :] - x[..., :-1, :]).square().mean()   # vertical neighbours
    return ((dx + dy) / 2).item()


class ClassAccuracy(NamedTuple):
    overall: float  # fraction of all samples whose predicted class is the target
    per_class: torch.Tensor  # [num_classes]; nan for a class with no target samples


def class_accuracy(predicted, target, num_classes: int) -> ClassAccuracy:
    """Does the requested class come out? Accuracy of a classifier on conditional samples.

    predicted: class indices [N] or logits [N, num_classes] (argmax is taken); target: the
    classes the generator was asked for, [N]. per_class[c] is the accuracy among samples with
    target c, and nan when no sample asked for class c (unknown, not 0).
    """
    pred, target = torch.as_tensor(predicted).detach().cpu(), torch.as_tensor(target).detach().cpu()
    if pred.ndim == 2:
        if pred.shape[1] != num_classes:
            raise ValueError(f"logits must be [N, num_classes={num_classes}]; got "
                             f"{tuple(pred.shape)}")
        pred = pred.argmax(dim=1)
    if pred.ndim != 1 or pred.shape != target.shape or len(target) == 0:
        raise ValueError(f"predicted ([N] or [N, C]) and target ([N]) must describe the same "
                         f"N > 0 samples; got {tuple(torch.as_tensor(predicted).shape)} and "
                         f"{tuple(target.shape)}")
    if pred.dtype.is_floating_point or pred.min() < 0 or pred.max() >= num_classes:
        raise ValueError(f"predicted classes must be integers in [0, {num_classes}) (or [N, {num_classes}] logits); "
                         f"got {pred.dtype} values from {pred.min().item()} to {pred.max().item()}")
    if target.dtype.is_floating_point or target.min() < 0 or target.max() >= num_classes:
        raise ValueError(f"target classes must be integers in [0, {num_classes}); got "
                         f"{target.dtype} values from {target.min().item()} to "
                         f"{target.max().item()}")
    target = target.long()
    correct = (pred == target).double()
    total = torch.bincount(target, minlength=num_classes).double()  # [C] samples per class
    hits = torch.bincount(target, weights=correct, minlength=num_classes)  # [C] correct per class
    return ClassAccuracy(correct.mean().item(), hits / total)  # 0/0 = nan for absent classes


# --------------------------------------------------------------------------------------------
# Perceptual path length (StyleGAN, ch. 07-08)
# --------------------------------------------------------------------------------------------
# Karras, Laine & Aila, "A Style-Based Generator Architecture for GANs" (arXiv:1812.04948), sec. 4.1,
# and the authors' metrics/perceptual_path_length.py: how much do the images change, per unit of
# latent distance, along an interpolation? A latent space whose paths make the images jump (e.g.
# through a region the generator must cross quickly to avoid a missing combination of features)
# scores high; a smooth, "disentangled" one low.


def unit_feature_distance(extractor: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """A perceptual distance from any feature extractor: d(x, y) = || f(x)/|f(x)| - f(y)/|f(y)| ||^2, per pair.

    The paper uses LPIPS (a weighted squared distance between unit-normalised VGG16 activations);
    the course uses the same form on its small classifier's features (`classifier.features`).
    x, y [N, ...] -> [N] (float64).
    """
    def distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        fx, fy = extractor(x).double(), extractor(y).double()
        fx, fy = F.normalize(fx, dim=1, eps=1e-12), F.normalize(fy, dim=1, eps=1e-12)
        return (fx - fy).square().sum(dim=1)
    return distance


def filtered_mean(values, lower: float = 1.0, upper: float = 99.0) -> float:
    """The mean of the values between their `lower` and `upper` percentiles, both kept: the authors'
    outlier rejection (np.percentile with 'lower' and 'higher' interpolation, so the bounds are values
    that occur). A few pairs that cross a sharp edge of the image manifold would dominate a plain mean."""
    v = _numpy64(values).ravel()
    if v.size == 0 or not np.isfinite(v).all():
        raise ValueError(f"filtered_mean needs a non-empty set of finite values, got {v.size} values")
    if not 0 <= lower <= upper <= 100:
        raise ValueError(f"need 0 <= lower <= upper <= 100 (percentiles), got lower={lower}, upper={upper}")
    lo, hi = np.percentile(v, lower, method="lower"), np.percentile(v, upper, method="higher")
    return float(v[(v >= lo) & (v <= hi)].mean())


def _interpolate(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor, interpolation: str) -> torch.Tensor:
    from . import latent

    if interpolation == "lerp":
        return latent.lerp(a, b, t)
    # slerp on the unit sphere, as the authors' (the mapping network pixel-normalises z anyway)
    return latent.slerp(F.normalize(a, dim=-1), F.normalize(b, dim=-1), t)


@torch.no_grad()
def path_distances(generate: Callable[[torch.Tensor], torch.Tensor], distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                   start: torch.Tensor, end: torch.Tensor, *, interpolation: str = "lerp", epsilon: float = 1e-4,
                   t=None, seed: int = 0, batch_size: int = 256) -> torch.Tensor:
    """d(generate(p(t)), generate(p(t + epsilon))) / epsilon^2 for each pair (start_i, end_i): [N] float64.

    p is the interpolation between the latents start and end [N, D]: "lerp" (the paper's choice in W)
    or "slerp" (in Z, on the unit sphere). t: a number, a tensor [N], or None for U(0, 1) from
    `seed` (the paper's "full" sampling; t = 0 is its "end" sampling). `generate(latents [n, D])`
    must return images that depend on the latents alone: fix the generator's noise inputs, so that
    the two images of a pair differ only by the step epsilon (the paper's 1e-4).
    """
    pair = isinstance(start, torch.Tensor) and isinstance(end, torch.Tensor) and start.shape == end.shape
    if not pair or start.dim() != 2 or len(start) == 0:
        raise ValueError(f"start and end must be latents of one shape [N, D], got "
                         f"{getattr(start, 'shape', type(start).__name__)} and {getattr(end, 'shape', type(end).__name__)}")
    if interpolation not in ("lerp", "slerp"):
        raise ValueError(f"unknown interpolation {interpolation!r}; valid: lerp (in W), slerp (in Z)")
    if not epsilon > 0:
        raise ValueError(f"epsilon must be > 0 (the paper: 1e-4), got {epsilon}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    n = len(start)
    if t is None:
        t = torch.rand(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    t = torch.as_tensor(t, dtype=start.dtype).to(start.device).expand(n)[:, None]  # [N, 1]
    out = []
    for i in range(0, n, batch_size):
        a, b, ti = start[i:i + batch_size], end[i:i + batch_size], t[i:i + batch_size]
        x0 = generate(_interpolate(a, b, ti, interpolation))
        x1 = generate(_interpolate(a, b, ti + epsilon, interpolation))
        d = torch.as_tensor(distance(x0, x1)).double().cpu()
        if d.shape != (len(a),):
            raise ValueError(f"distance must return one value per pair, [{len(a)}], got {list(d.shape)}")
        out.append(d / epsilon**2)
    return torch.cat(out)


def perceptual_path_length(generate, distance, start: torch.Tensor, end: torch.Tensor, *, interpolation: str = "lerp",
                           epsilon: float = 1e-4, t=None, seed: int = 0, batch_size: int = 256) -> float:
    """PPL (StyleGAN, sec. 4.1): E[d(G(p(t)), G(p(t + eps))) / eps^2] over pairs and t ~ U(0, 1), the mean
    taken over the values between the 1st and 99th percentiles (`filtered_mean`). In Z: slerp between
    z's through the whole generator; in W: lerp between w = f(z)'s through the synthesis network."""
    return filtered_mean(path_distances(generate, distance, start, end, interpolation=interpolation, epsilon=epsilon,
                                        t=t, seed=seed, batch_size=batch_size))


# --- Chapter 08: feature-map peak-to-mean ratio (the "droplet" of StyleGAN2's sec. 2.1) -----------------------
def peak_to_mean(features: torch.Tensor) -> torch.Tensor:
    """max |x| / mean |x| over the pixels of each feature map: [B, C, H, W] -> [B, C] (float64).

    A map whose energy sits in one spike (StyleGAN's droplet: a blob the generator uses to dominate
    instance norm's statistics) scores up to H * W; a constant map 1, a Gaussian one ~2 (4x4) to ~4 (32x32).
    """
    if not isinstance(features, torch.Tensor) or features.dim() != 4:
        shape = list(features.shape) if isinstance(features, torch.Tensor) else type(features).__name__
        raise ValueError(f"peak_to_mean needs feature maps [B, C, H, W], got {shape}")
    a = features.detach().double().abs().flatten(2)                  # [B, C, H*W]
    return a.amax(dim=2) / a.mean(dim=2).clamp_min(1e-12)
