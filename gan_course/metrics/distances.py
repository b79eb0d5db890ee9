"""Distances between two sets of features [N, D]: Fréchet distance (FID), kernel distance (KID), and
improved precision and recall. Computed in float64 on the CPU, whatever device the features are on.

Heusel et al. (arXiv:1706.08500); Bińkowski et al., "Demystifying MMD GANs" (arXiv:1801.01401);
Kynkäänniemi et al., "Improved Precision and Recall Metric for Assessing Generative Models"
(arXiv:1904.06991).
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import torch
from scipy import linalg


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
