"""Datasets by name, in the one format every chapter uses.

    images: ``x`` float32 [N, C, H, W] in [-1, 1]  (the range of a generator's tanh output)
    points: ``x`` float32 [N, 2]                   (the 2D toy mixtures of chapters 01 and 03)
    labels: ``y`` int64 [N]                        (class, or mixture component for the toys)

``load_dataset(name)`` is the entry point; ``DATASETS`` lists the names it knows. Super-resolution
(chapter 09) takes (HR, LR) pairs instead: ``load_sr(name)``, names in ``SR_DATASETS``.

Where the files come from (the design's data policy): the toy mixtures are generated and
``digits`` ships with scikit-learn, so both always work offline. MNIST and Fashion-MNIST are read
from their original IDX files, looked up in this order:

    1. the ``root`` argument (when given, the only place searched)
    2. ./data/<name>, ./data/<name>/raw, ./data/MNIST/raw or ./data/FashionMNIST/raw (torchvision's layout)
    3. $GAN_COURSE_DATA/<name> (same sub-folders as ./data)
    4. system locations: /usr/share/datasets/fashion-mnist (Debian: ``apt-get install dataset-fashion-mnist``)
    5. a torchvision download into ./data (or ``root``), only with ``download=True``

Nothing is ever downloaded unless you ask; offline and without files you get a ``DatasetNotFound``
that lists every place searched and how to get the data.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

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

# Where a system package installs the original files. A module-level table, so tests can
# point it at an empty folder with monkeypatch.
SYSTEM_DIRS = {
    "mnist": (),  # no Debian package ships MNIST
    "fashion-mnist": ("/usr/share/datasets/fashion-mnist",),
}
TORCHVISION_DIR = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
ENV_VAR = "GAN_COURSE_DATA"


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


# --------------------------------------------------------------------------------------------
# 2D Gaussian mixtures: the standard mode-collapse benchmarks
# --------------------------------------------------------------------------------------------

def _mixture(name: str, centers: torch.Tensor, std: float, n_samples: int, seed: int) -> Dataset:
    if n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, got {n_samples}")
    g = torch.Generator().manual_seed(seed)  # a private generator: the global RNG is untouched
    y = torch.randint(len(centers), (n_samples,), generator=g)  # component of each point, uniform
    x = centers[y] + std * torch.randn(n_samples, 2, generator=g)  # x ~ N(mu_y, std^2 I)
    classes = tuple(f"mode {k}" for k in range(len(centers)))
    return Dataset(name, x, y, classes, centers=centers, std=std)


def ring8(n_samples: int = 50_000, seed: int = 0) -> Dataset:
    """8 Gaussians equally spaced on a circle of radius 2, std 0.02.

    From Metz et al., "Unrolled Generative Adversarial Networks" (arXiv:1611.02163).
    """
    angle = torch.arange(8) * (2 * torch.pi / 8)
    centers = 2.0 * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)  # [8, 2]
    return _mixture("ring8", centers, 0.02, n_samples, seed)


def grid25(n_samples: int = 50_000, seed: int = 0) -> Dataset:
    """A 5x5 grid of Gaussians at {-4, -2, 0, 2, 4}^2, std 0.05.

    From Srivastava et al., "VEEGAN" (arXiv:1705.07761) and Lin et al., "PacGAN" (arXiv:1712.04086).
    """
    coords = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    cx, cy = torch.meshgrid(coords, coords, indexing="ij")
    centers = torch.stack([cx.flatten(), cy.flatten()], dim=1)  # [25, 2], row-major over x
    return _mixture("grid25", centers, 0.05, n_samples, seed)


# --------------------------------------------------------------------------------------------
# IDX: the file format of the original MNIST and Fashion-MNIST
# --------------------------------------------------------------------------------------------

# The third byte of the magic number codes the element type; data are stored big-endian.
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _open(path: Path):
    with open(path, "rb") as f:
        is_gzip = f.read(2) == b"\x1f\x8b"  # gzip's magic bytes, whatever the file is called
    return gzip.open(path, "rb") if is_gzip else open(path, "rb")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzipped or not) into a numpy array of its native shape.

    Header: two zero bytes, a dtype code, the number of dimensions ``ndim``, then ``ndim``
    big-endian uint32 sizes. ``train-images-idx3-ubyte`` is uint8 [60000, 28, 28].
    """
    path = Path(path)
    with _open(path) as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file: its first bytes are {raw[:4].hex()}, "
                         f"expected 00 00 <dtype code in {sorted(IDX_DTYPES)}> <ndim>")
    dtype, ndim = np.dtype(IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header + dtype.itemsize * int(np.prod(shape))
    if len(raw) != expected:
        raise ValueError(f"{path}: header says shape {shape} ({expected} bytes) but the file "
                         f"holds {len(raw)} bytes; is it truncated?")
    data = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # native byte order, writable copy


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file; gzipped when ``path`` ends in ``.gz``."""
    array = np.asarray(array)
    codes = {np.dtype(t).newbyteorder("="): c for c, t in IDX_DTYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"IDX cannot store dtype {array.dtype}; valid: "
                         f"{', '.join(str(d) for d in codes)}")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    body = array.astype(np.dtype(IDX_DTYPES[code])).tobytes()  # big-endian
    path = Path(path)
    with (gzip.open(path, "wb") if path.suffix == ".gz" else open(path, "wb")) as f:
        f.write(header + body)


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


def _to_float(images: torch.Tensor) -> torch.Tensor:
    return images.float() / 127.5 - 1.0  # uint8 0..255 -> float32 [-1, 1]


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


def resize(x: torch.Tensor, img_size: int) -> torch.Tensor:
    """Resize images [N, C, H, W] to [N, C, img_size, img_size] (bilinear, antialiased)."""
    if x.shape[-2:] == (img_size, img_size):
        return x
    # antialias low-pass filters before downsampling (no aliasing); upsampling is plain bilinear
    x = F.interpolate(x, size=(img_size, img_size), mode="bilinear", align_corners=False, antialias=True)
    return x.clamp(-1.0, 1.0)


MAX_IMG_SIZE = 1024  # the course's models work at 8-128 px; 100,000 px would try to allocate tens of GB


def pad(x: torch.Tensor, img_size: int) -> torch.Tensor:
    """Pad images [N, C, H, W] with background (-1, black) to [N, C, img_size, img_size], centred.

    Fashion-MNIST's 28x28 padded to 32x32 keeps every pixel sharp (the convention of many GAN papers
    for MNIST), where resizing would blur them; the networks of chapters 05-08 want powers of two.
    """
    h, w = x.shape[-2:]
    if img_size < h or img_size < w:
        raise ValueError(f"cannot pad {h}x{w} images to a smaller {img_size}x{img_size}; use fit='resize'")
    top, left = (img_size - h) // 2, (img_size - w) // 2
    return F.pad(x, (left, img_size - w - left, top, img_size - h - top), value=-1.0)


FITS = ("resize", "pad")


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


# --------------------------------------------------------------------------------------------
# Super-resolution pairs (chapter 09): high-resolution images and their bicubic downscales
# --------------------------------------------------------------------------------------------
# Not a `load_dataset` name: its items are (HR, LR) *pairs*, and whole test images differ in size,
# so they do not fit a Dataset's x [N, C, H, W] + labels y [N]. `load_sr` has the same look-up and
# download policy.

SR_DATASETS = ("sr-natural", "folder", "stl10")
SR_SCALES = (2, 4)

# The colour photographs that ship inside scikit-image, split by image (never by patch), so that no
# pixel of a test image is ever seen in training. The two views of the stereo motorcycle show the
# same scene, so they stay together in the training split. Left out: retina and hubble_deep_field
# (mostly flat black background), colorwheel and logo (synthetic), cat (another name for chelsea).
SR_NATURAL = {
    "train": ("astronaut", "rocket", "motorcycle_left", "motorcycle_right", "immunohistochemistry"),
    "test": ("chelsea", "coffee"),
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


@dataclass
class SRData:
    """High-resolution images and their low-resolution inputs, in [-1, 1].

    hr[i]: [C, H, W] with H, W multiples of `scale`; lr[i] = bicubic_downscale(hr[i], scale): [C, H/s, W/s].
    `sources[i]` names the photo item i comes from. Training crops share one size and are held as
    two tensors [N, C, H, W] (what the training loop takes, see `tensors()`); whole test images keep
    their own sizes, in lists.
    """

    name: str
    split: str
    scale: int
    hr: torch.Tensor | list[torch.Tensor]
    lr: torch.Tensor | list[torch.Tensor]
    sources: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.hr)

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(hr [N, C, H, W], lr [N, C, H/s, W/s]): the (target, source) pairs `train_gan` / `train_model` take."""
        if isinstance(self.hr, torch.Tensor):
            return self.hr, self.lr
        sizes = {tuple(t.shape) for t in self.hr}
        if len(sizes) > 1:
            raise ValueError(f"these {len(self)} images have {len(sizes)} different sizes and cannot be stacked; "
                             f"load random crops (crop=...) for training")
        return torch.stack(self.hr), torch.stack(self.lr)

    def centre_crop(self, side: int) -> SRData:
        """The central side x side of every HR image, with its LR input made again by the same
        `bicubic_downscale` (quick evaluations, e.g. the tiny preset)."""
        if isinstance(side, bool) or not isinstance(side, int) or side < self.scale or side % self.scale:
            raise ValueError(f"side must be a positive multiple of the scale {self.scale}, got {side!r}")
        hr = []
        for name, image in zip(self.sources, self.hr):
            h, w = image.shape[-2:]
            if min(h, w) < side:
                raise ValueError(f"image {name!r} is {h}x{w}, smaller than the crop {side}x{side}: use a smaller crop")
            top, left = (h - side) // 2, (w - side) // 2
            hr.append(image[:, top:top + side, left:left + side].contiguous())
        return SRData(self.name, self.split, self.scale, hr, [bicubic_downscale(t, self.scale) for t in hr],
                      self.sources)

    def __repr__(self) -> str:
        sizes = sorted({"x".join(map(str, t.shape[1:])) for t in self.hr})
        return (f"SRData({self.name!r}, {self.split}, x{self.scale}: {len(self)} HR images of "
                f"{', '.join(sizes[:3])}{', ...' if len(sizes) > 3 else ''} from {len(set(self.sources))} photos)")


def check_scale(scale) -> int:
    if isinstance(scale, bool) or scale not in SR_SCALES:
        raise ValueError(f"scale must be one of {SR_SCALES} (the upscaling factor), got {scale!r}")
    return scale


def bicubic_downscale(hr: torch.Tensor, scale: int) -> torch.Tensor:
    """The one degradation of the chapter: an antialiased bicubic shrink by `scale` (as MATLAB's and
    PIL's imresize), on [C, H, W] or [N, C, H, W] images in [-1, 1] with H, W multiples of `scale`.
    The same function makes the training inputs and the test inputs."""
    check_scale(scale)
    h, w = hr.shape[-2:]
    if h % scale or w % scale:
        raise ValueError(f"the HR side {h}x{w} must be a multiple of the scale {scale}: crop it first "
                         f"(e.g. hr[..., :{h - h % scale}, :{w - w % scale}])")
    batch = hr if hr.dim() == 4 else hr[None]
    lr = F.interpolate(batch, size=(h // scale, w // scale), mode="bicubic", align_corners=False, antialias=True)
    lr = lr.clamp(-1.0, 1.0)  # bicubic overshoots at edges
    return lr if hr.dim() == 4 else lr[0]


def bicubic_upscale(lr: torch.Tensor, scale: int) -> torch.Tensor:
    """The baseline every super-resolution method must beat: bicubic enlargement by `scale`
    (the same cubic kernel, a = -0.5, as `bicubic_downscale`), on [C, h, w] or [N, C, h, w]."""
    check_scale(scale)
    batch = lr if lr.dim() == 4 else lr[None]
    h, w = batch.shape[-2:]
    sr = F.interpolate(batch, size=(h * scale, w * scale), mode="bicubic", align_corners=False, antialias=True)
    sr = sr.clamp(-1.0, 1.0)
    return sr if lr.dim() == 4 else sr[0]


def _rgb(image: np.ndarray, name: str) -> torch.Tensor:
    """uint8 [H, W, 3] (or RGBA) -> float32 [3, H, W] in [-1, 1]; grey images are an error."""
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"{name} is not a colour image (shape {image.shape}); super-resolution here is for "
                         f"RGB images [H, W, 3]")
    return _to_float(torch.from_numpy(np.array(image[..., :3])).permute(2, 0, 1))  # a writable copy


def _skimage_photos(names) -> dict[str, torch.Tensor]:
    import skimage.data

    photos = {}
    for name in names:
        if name.startswith("motorcycle_"):
            left, right, _ = skimage.data.stereo_motorcycle()
            image = left if name == "motorcycle_left" else right
        else:
            image = getattr(skimage.data, name)()
        photos[name] = _rgb(image, name)
    return photos


def _folder_photos(root, split: str) -> dict[str, torch.Tensor]:
    """Images in root/train and root/test, or, without those sub-folders, every 5th file (sorted) held out."""
    from PIL import Image

    if root is None:
        raise ValueError("the 'folder' data set needs root= (a folder of PNG/JPEG photos, optionally with "
                         "train/ and test/ sub-folders)")
    root = Path(root)
    if not root.is_dir():
        raise DatasetNotFound(f"{root.absolute()} is not a folder of images")
    parts = {"train": ["train"], "test": ["test"], "all": ["train", "test"]}[split]
    if all((root / p).is_dir() for p in ("train", "test")):
        files = sorted(f for p in parts for f in (root / p).iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
    else:
        every = sorted(f for f in root.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
        keep = {"train": lambda i: i % 5 != 4, "test": lambda i: i % 5 == 4, "all": lambda i: True}[split]
        files = [f for i, f in enumerate(every) if keep(i)]
    if not files:
        raise DatasetNotFound(f"no {split} images ({', '.join(IMAGE_SUFFIXES)}) in {root.absolute()}")
    return {f.name: _rgb(np.asarray(Image.open(f).convert("RGB")), f.name) for f in files}


def _stl10_photos(split: str, root, download: bool, limit) -> dict[str, torch.Tensor]:
    """STL-10's 96x96 photos (SRGAN's crop size) through torchvision: its 5,000 "train" and 8,000 "test"
    images (the 100,000 "unlabeled" ones would take 11 GB as floats)."""
    bases = [Path(root)] if root is not None else [Path("data")]
    if root is None and os.environ.get(ENV_VAR):
        bases.append(Path(os.environ[ENV_VAR]))
    bases = [d for b in bases for d in (b, b / "stl10")]
    folder = next((b for b in bases if (b / "stl10_binary").is_dir()), None)
    if folder is None and not download:
        raise DatasetNotFound("stl10 was not found. Searched:\n" + "\n".join(f"  - {(b / 'stl10_binary').absolute()}"
                              for b in bases) + "\nTo get it (2.6 GB, needs internet): load_sr('stl10', download=True)")
    import torchvision  # slow to import; only needed past this point

    photos = {}
    for part in {"train": ["train"], "test": ["test"], "all": ["train", "test"]}[split]:
        images = torchvision.datasets.STL10(str(folder or bases[0]), split=part, download=download).data  # [N, 3, 96, 96]
        photos.update({f"{part}-{i}": _to_float(torch.from_numpy(im)) for i, im in enumerate(images[:limit])})
    return photos


def _random_crops(photos: dict[str, torch.Tensor], crop: int, n_crops: int, flips: bool, seed: int):
    """n_crops HR crops of side `crop`: a photo drawn in proportion to its area, a uniform position in
    it, and a horizontal flip with probability 1/2, all from one seeded generator."""
    names = list(photos)
    for name, image in photos.items():
        if min(image.shape[-2:]) < crop:
            raise ValueError(f"image {name!r} is {image.shape[-2]}x{image.shape[-1]}, smaller than the crop "
                             f"{crop}x{crop}: use a smaller crop")
    g = torch.Generator().manual_seed(seed)
    areas = torch.tensor([float(photos[n].shape[-2] * photos[n].shape[-1]) for n in names])
    picks = torch.multinomial(areas / areas.sum(), n_crops, replacement=True, generator=g)
    u = torch.rand(n_crops, 3, generator=g)  # (top, left, flip) of each crop, uniform in [0, 1)
    crops = torch.empty(n_crops, photos[names[0]].shape[0], crop, crop)
    sources = []
    for i, (k, (top, left, flip)) in enumerate(zip(picks.tolist(), u.tolist())):
        image = photos[names[k]]
        top, left = int(top * (image.shape[-2] - crop + 1)), int(left * (image.shape[-1] - crop + 1))
        patch = image[:, top:top + crop, left:left + crop]
        crops[i] = patch.flip(-1) if flips and flip < 0.5 else patch
        sources.append(names[k])
    return crops, sources


def load_sr(
    name: str = "sr-natural",
    *,
    split: str = "train",
    scale: int = 4,
    crop: int | None = None,
    n_crops: int = 1000,
    flips: bool = True,
    seed: int = 0,
    root: str | os.PathLike | None = None,
    download: bool = False,
    limit: int | None = None,
) -> SRData:
    """High-resolution images and their bicubic low-resolution inputs, for super-resolution.

    name:    "sr-natural": the colour photos inside scikit-image (always offline), split by image:
             train = astronaut, rocket, motorcycle (left and right view), immunohistochemistry;
             test = chelsea, coffee (see SR_NATURAL);
             "folder": your own photos in `root` (root/train and root/test, or every 5th file held out);
             "stl10": STL-10's 96x96 photos through torchvision (its train and test splits), looked
             up in root, ./data, $GAN_COURSE_DATA, and downloaded only with download=True.
    split:   "train", "test" or "all"
    scale:   2 or 4; LR = bicubic_downscale(HR, scale), the same at train and test time
    crop:    None: whole images, cropped (top-left) to a multiple of `scale` (evaluation);
             an int (a multiple of `scale`): `n_crops` random crops of crop x crop (training), drawn
             once from `seed` with random horizontal flips (`flips`)
    limit:   use only the first `limit` images of the split
    """
    if name not in SR_DATASETS:
        raise ValueError(f"unknown super-resolution data set {name!r}; valid: {', '.join(SR_DATASETS)}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid splits: {', '.join(SPLITS)}")
    check_scale(scale)
    if crop is not None:
        if isinstance(crop, bool) or not isinstance(crop, int) or crop < scale or crop % scale:
            raise ValueError(f"crop must be a positive multiple of the scale {scale} (e.g. {8 * scale}), got {crop!r}")
        if isinstance(n_crops, bool) or not isinstance(n_crops, int) or n_crops < 1:
            raise ValueError(f"n_crops must be a positive int, got {n_crops!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    if name == "sr-natural":
        if root is not None:
            raise ValueError("sr-natural ships inside scikit-image, so root= does not apply to it; "
                             "for your own photos use load_sr('folder', root=...)")
        names = SR_NATURAL["train"] + SR_NATURAL["test"] if split == "all" else SR_NATURAL[split]
        photos = _skimage_photos(names[:limit])
    elif name == "folder":
        photos = dict(list(_folder_photos(root, split).items())[:limit])
    else:
        photos = _stl10_photos(split, root, download, limit)

    if crop is None:  # whole images, trimmed to a multiple of the scale
        hr = [p[:, :p.shape[-2] - p.shape[-2] % scale, :p.shape[-1] - p.shape[-1] % scale].contiguous()
              for p in photos.values()]
        sources = list(photos)
    else:
        hr, sources = _random_crops(photos, crop, n_crops, flips, seed)
    lr = bicubic_downscale(hr, scale) if crop is not None else [bicubic_downscale(h, scale) for h in hr]
    return SRData(name, split, scale, hr, lr, tuple(sources))
