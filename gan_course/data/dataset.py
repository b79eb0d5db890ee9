"""The one format every chapter uses: `Dataset` (two tensors in memory) and the names the loaders know."""

from __future__ import annotations

from dataclasses import dataclass

import torch


DATASETS = ("ring8", "grid25", "digits", "mnist", "fashion-mnist", "cifar10")
SPLITS = ("train", "test", "all")

MIXTURES = ("ring8", "grid25")
IDX_DATASETS = ("mnist", "fashion-mnist")

# Native resolution of each image dataset: the default ``img_size``.
# digits are 8x8 scans; 16 gives the conv nets of the course room for two stride-2 steps.
DEFAULT_IMG_SIZE = {"digits": 16, "mnist": 28, "fashion-mnist": 28, "cifar10": 32}

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
DIGIT_CLASSES = tuple(str(i) for i in range(10))


class DatasetNotFound(FileNotFoundError):
    """A named dataset's files are in none of the places searched (and no download was allowed)."""


@dataclass
class Dataset:
    """A whole dataset held in memory as two tensors (every course dataset fits in RAM)."""

    name: str
    x: torch.Tensor  # [N, C, H, W] in [-1, 1] (images) or [N, 2] (2D mixtures), float32
    y: torch.Tensor  # [N] int64: class label, or mixture component of each point
    classes: tuple[str, ...]  # name of each label value
    centers: torch.Tensor | None = None  # [K, 2] true mode centres (mixtures only)
    std: float | None = None  # per-mode standard deviation (mixtures only)

    def __post_init__(self):
        if len(self.x) != len(self.y):
            raise ValueError(f"x has {len(self.x)} samples but y has {len(self.y)}")

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])  # (C, H, W) or (2,)

    @property
    def is_image(self) -> bool:
        return self.x.dim() == 4

    def __len__(self) -> int:
        return len(self.x)

    def __repr__(self) -> str:
        shape = list(self.x.shape)
        if self.is_image:
            return f"Dataset({self.name!r}, x={shape} in [-1, 1], {self.num_classes} classes)"
        return f"Dataset({self.name!r}, x={shape}, {self.num_classes} modes, std={self.std})"

    def subset(self, n: int, seed: int | None = None) -> Dataset:
        """The first ``n`` samples, or ``n`` drawn without replacement when a ``seed`` is given."""
        if not 0 < n <= len(self):
            raise ValueError(f"subset size must be in 1..{len(self)}, got {n}")
        if seed is None:
            idx = torch.arange(n)
        else:
            g = torch.Generator().manual_seed(seed)
            idx = torch.randperm(len(self), generator=g)[:n]
        return Dataset(self.name, self.x[idx], self.y[idx], self.classes, self.centers, self.std)
