"""Images -> features -> the distances: `extract_features`, and FID, KID and precision/recall on images.

Devices: the images go to the extractor's device (`device=`, or else the device of the extractor's
weights when it is a module or a module's method, e.g. `classifier.features`), and the features come
back as float32 on the CPU, where the distances are computed in float64.
"""

from __future__ import annotations

import itertools
from typing import Callable

import torch

from .distances import PrecisionRecall, frechet_distance, kernel_distance, precision_recall


def _extractor_device(extractor) -> torch.device | None:
    """The device of the weights of `extractor` (a module, or a bound method of one), or None."""
    owner = getattr(extractor, "__self__", extractor)
    if not isinstance(owner, torch.nn.Module):
        return None
    tensor = next(itertools.chain(owner.parameters(), owner.buffers()), None)
    return None if tensor is None else tensor.device


@torch.no_grad()
def extract_features(images: torch.Tensor, extractor: Callable[[torch.Tensor], torch.Tensor], *,
                     batch_size: int = 256, device=None) -> torch.Tensor:
    """Map images [N, C, H, W] to features [N, D] in batches, without gradients.

    `extractor` is any callable, e.g. a trained classifier's `.features` (put it in eval mode
    first). Each batch is moved to `device`: by default the device of the extractor's weights, when it
    is a module or a method of one (a plain function gets the images where they are). The features
    come back as float32 on the CPU, where the distances are computed.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    device = _extractor_device(extractor) if device is None else device
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
