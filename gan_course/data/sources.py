"""Where the image data sets come from: the look-up order of the package docstring, and the readers of
MNIST / Fashion-MNIST (IDX files), CIFAR-10 (torchvision) and digits (scikit-learn).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from .dataset import DIGIT_CLASSES, FASHION_MNIST_CLASSES, IDX_DATASETS, DatasetNotFound
from .idx import read_idx
from .images import _to_float


# Where a system package installs the original files. A module-level table, so tests can
# point it at an empty folder with monkeypatch.
SYSTEM_DIRS = {
    "mnist": (),  # no Debian package ships MNIST
    "fashion-mnist": ("/usr/share/datasets/fashion-mnist",),
}
TORCHVISION_DIR = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
ENV_VAR = "GAN_COURSE_DATA"


def _idx_file(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _idx_files(folder: Path, split: str) -> list[tuple[Path, Path]] | None:
    """(images, labels) file pairs of ``split`` in ``folder``, or None when any is missing."""
    prefixes = {"train": ["train"], "test": ["t10k"], "all": ["train", "t10k"]}[split]
    pairs = []
    for p in prefixes:
        images, labels = _idx_file(folder, f"{p}-images-idx3-ubyte"), _idx_file(folder, f"{p}-labels-idx1-ubyte")
        if images is None or labels is None:
            return None
        pairs.append((images, labels))
    return pairs


def _search_dirs(name: str, root) -> list[Path]:
    """Every folder that may hold ``name``'s files, in look-up order."""
    def under(base: Path) -> list[Path]:
        subdirs = [base / name, base / name / "raw"]
        if name in TORCHVISION_DIR:
            subdirs.append(base / TORCHVISION_DIR[name] / "raw")
        return subdirs

    if root is not None:  # an explicit path is the only place searched
        return [Path(root), *under(Path(root))]
    dirs = under(Path("data"))
    if os.environ.get(ENV_VAR):
        dirs += under(Path(os.environ[ENV_VAR]))
    dirs += [Path(d) for d in SYSTEM_DIRS.get(name, ())]
    return dirs


def _how_to_get(name: str) -> str:
    ways = []
    if name == "fashion-mnist":
        ways.append("install Debian's package: `sudo apt-get install dataset-fashion-mnist`")
    ways.append(f"download it with torchvision (needs internet): `load_dataset({name!r}, download=True)`")
    if name in IDX_DATASETS:
        ways.append(f"put the original IDX files (train-images-idx3-ubyte.gz, ...) in data/{name}")
    ways.append(f"set ${ENV_VAR} to a folder with a {name}/ subfolder that holds the files")
    return "\n".join(f"  - {w}" for w in ways)


def _not_found(name: str, searched: list[Path]) -> DatasetNotFound:
    places = "\n".join(f"  - {p.absolute()}" for p in searched)
    if not os.environ.get(ENV_VAR):
        places += f"\n  - (${ENV_VAR} is not set)"
    return DatasetNotFound(f"{name} was not found. Searched:\n{places}\nTo get it:\n{_how_to_get(name)}")


def _load_idx_dataset(name: str, split: str, root, download: bool, limit):
    searched = _search_dirs(name, root)
    found = next((pairs for d in searched if (pairs := _idx_files(d, split))), None)
    if found is None and download:
        import torchvision  # imported only here: reading local files needs numpy alone

        target = Path(root) if root is not None else Path("data")
        cls = {"mnist": torchvision.datasets.MNIST, "fashion-mnist": torchvision.datasets.FashionMNIST}[name]
        for train in (True, False):
            cls(str(target), train=train, download=True)  # writes target/<MNIST|FashionMNIST>/raw
        found = _idx_files(target / TORCHVISION_DIR[name] / "raw", split)
    if found is None:
        raise _not_found(name, searched)

    images = np.concatenate([read_idx(img) for img, _ in found])  # [N, 28, 28] uint8
    labels = np.concatenate([read_idx(lab) for _, lab in found])  # [N] uint8
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = _to_float(torch.from_numpy(images).unsqueeze(1))  # [N, 1, 28, 28]
    classes = FASHION_MNIST_CLASSES if name == "fashion-mnist" else DIGIT_CLASSES
    return x, torch.from_numpy(labels.astype(np.int64)), classes


def _load_cifar10(split: str, root, download: bool, limit):
    bases = [Path(root)] if root is not None else [Path("data")]
    if root is None and os.environ.get(ENV_VAR):
        bases.append(Path(os.environ[ENV_VAR]))
    bases = [d for b in bases for d in (b, b / "cifar10")]
    folder = next((b for b in bases if (b / "cifar-10-batches-py").is_dir()), None)
    if folder is None and download:
        folder = bases[0]
    if folder is None:
        raise _not_found("cifar10", [b / "cifar-10-batches-py" for b in bases])
    import torchvision  # slow to import; only needed past this point

    parts = {"train": [True], "test": [False], "all": [True, False]}[split]
    sets = [torchvision.datasets.CIFAR10(str(folder), train=t, download=download) for t in parts]
    images = np.concatenate([s.data for s in sets])  # [N, 32, 32, 3] uint8
    labels = np.concatenate([np.asarray(s.targets) for s in sets])
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = _to_float(torch.from_numpy(images).permute(0, 3, 1, 2))  # NHWC -> [N, 3, 32, 32]
    return x, torch.from_numpy(labels.astype(np.int64)), tuple(sets[0].classes)


def _load_digits(split: str, limit):
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = torch.from_numpy(bunch.images).float().unsqueeze(1)  # [1797, 1, 8, 8], values 0..16
    x = x / 8.0 - 1.0  # 0..16 -> [-1, 1]
    y = torch.from_numpy(bunch.target.astype(np.int64))
    # A fixed split, the same whatever `seed` is: a seeded permutation, its last 20% held out.
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    n_train = int(0.8 * len(x))  # 1437 train, 360 test
    keep = {"train": perm[:n_train], "test": perm[n_train:], "all": perm}[split].sort().values
    if limit is not None:
        keep = keep[:limit]
    return x[keep], y[keep], DIGIT_CLASSES
