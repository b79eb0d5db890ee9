"""Discrete codes (chapter 10, VQ-VAE): how many codes are used, and how evenly."""

from __future__ import annotations

import torch


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


def codebook_usage(indices, codebook_size: int) -> float:
    """Fraction of the K codes that occur at least once in `indices` (ch. 10, VQ-VAE).

    Pass the codes of a whole pass over the data, not of one batch: a batch of 64 images with a 7x7 grid
    holds 3,136 positions and can miss codes that the data set as a whole uses.
    """
    return (_code_counts(indices, codebook_size) > 0).double().mean().item()
