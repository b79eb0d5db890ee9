"""`load_dataset`: every data set by name, checked, at the size a chapter asks for."""

from __future__ import annotations

import os

from .dataset import DATASETS, DEFAULT_IMG_SIZE, IDX_DATASETS, MIXTURES, SPLITS, Dataset
from .images import FITS, MAX_IMG_SIZE, pad, resize
from .mixtures import grid25, ring8
from .sources import _load_cifar10, _load_digits, _load_idx_dataset


def _check(name, img_size, split, limit, root=None, fit="resize"):
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")
    if root is not None and (name in MIXTURES or name == "digits"):
        source = "is generated" if name in MIXTURES else "ships inside scikit-learn"
        raise ValueError(f"{name} {source}, so root= does not apply to it (it would be ignored); "
                         f"root= is for {', '.join(IDX_DATASETS)} and cifar10")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid splits: {', '.join(SPLITS)}")
    if img_size is not None:
        if name in MIXTURES:
            raise ValueError(f"{name} is a 2D point dataset; img_size applies to image datasets only "
                             f"({', '.join(DEFAULT_IMG_SIZE)})")
        if isinstance(img_size, bool) or not isinstance(img_size, int) or not 4 <= img_size <= MAX_IMG_SIZE:
            raise ValueError(f"img_size must be an int in [4, {MAX_IMG_SIZE}] (e.g. 8, 16, 28, 32, 64), got {img_size!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    if fit not in FITS:
        raise ValueError(f"unknown fit {fit!r}; valid: {', '.join(FITS)} (how images reach img_size)")


def load_dataset(
    name: str,
    *,
    img_size: int | None = None,
    split: str = "train",
    root: str | os.PathLike | None = None,
    download: bool = False,
    limit: int | None = None,
    n_samples: int = 50_000,
    seed: int = 0,
    fit: str = "resize",
) -> Dataset:
    """Load a dataset by name (one of ``DATASETS``) as float32 tensors.

    name:      "ring8", "grid25" (2D mixtures), "digits", "mnist", "fashion-mnist", "cifar10"
    img_size:  images are resized to img_size x img_size; default: the native size
               (digits 16, mnist / fashion-mnist 28, cifar10 32)
    split:     "train", "test" or "all". MNIST, Fashion-MNIST and CIFAR-10 use their official
               splits. digits has none, so a fixed seeded permutation holds out its last 20%
               (1437 train, 360 test). The mixtures are generated, so they ignore the split.
    root:      folder with the files (the only place searched when given; see the module doc)
    download:  allow a torchvision download when the files are nowhere local
    limit:     keep only the first ``limit`` samples (tiny presets, fast tests)
    n_samples, seed: size and seed of a generated mixture; image datasets ignore both.
    fit:       "resize" (bilinear, antialiased) or "pad" (centred, with background -1; only to a
               larger size): how images reach img_size. Chapters 05-08 pad Fashion-MNIST to 32x32.
    """
    _check(name, img_size, split, limit, root, fit)
    if name in MIXTURES:
        ds = (ring8 if name == "ring8" else grid25)(n_samples, seed)
        return ds if limit is None else ds.subset(min(limit, len(ds)))

    if name == "digits":
        x, y, classes = _load_digits(split, limit)
    elif name == "cifar10":
        x, y, classes = _load_cifar10(split, root, download, limit)
    else:
        x, y, classes = _load_idx_dataset(name, split, root, download, limit)
    size = img_size or DEFAULT_IMG_SIZE[name]
    x = pad(x, size) if fit == "pad" else resize(x, size)
    return Dataset(name, x.contiguous(), y, classes)
