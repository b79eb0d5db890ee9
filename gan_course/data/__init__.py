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

The package, by theme:
  dataset    `Dataset`, `DatasetNotFound` and the names the loaders know
  mixtures   the 2D Gaussian mixtures ring8 and grid25
  idx        reading and writing IDX files (MNIST, Fashion-MNIST)
  images     0..255 -> [-1, 1], `resize`, `pad` (and `unpad`)
  sources    the look-up above and the readers of each image data set
  load       `load_dataset`
  bicubic    `bicubic_downscale` / `bicubic_upscale` (super-resolution's degradation)
  photos     colour photographs and random crops for super-resolution
  sr         `SRData`, `load_sr`
Imports run one way, from `load` and `sr` down to `dataset`; no module imports this `__init__`. Every
public name is re-exported here, `data.load_dataset(...)`, with the private helpers tests use.
"""

from .bicubic import SR_SCALES, bicubic_downscale, bicubic_upscale, check_scale
from .dataset import (DATASETS, DEFAULT_IMG_SIZE, DIGIT_CLASSES, FASHION_MNIST_CLASSES, IDX_DATASETS, MIXTURES,
                      SPLITS, Dataset, DatasetNotFound)
from .idx import IDX_DTYPES, read_idx, write_idx
from .images import FITS, MAX_IMG_SIZE, pad, resize, unpad
from .load import load_dataset
from .mixtures import grid25, ring8
from .photos import IMAGE_SUFFIXES, _rgb, _skimage_photos
from .sources import ENV_VAR, SYSTEM_DIRS, TORCHVISION_DIR
from .sr import SR_DATASETS, SR_NATURAL, SRData, load_sr

__all__ = [
    "DATASETS", "DEFAULT_IMG_SIZE", "DIGIT_CLASSES", "ENV_VAR", "FASHION_MNIST_CLASSES", "FITS", "IDX_DATASETS",
    "IDX_DTYPES", "IMAGE_SUFFIXES", "MAX_IMG_SIZE", "MIXTURES", "SPLITS", "SR_DATASETS", "SR_NATURAL", "SR_SCALES",
    "SYSTEM_DIRS", "TORCHVISION_DIR", "Dataset", "DatasetNotFound", "SRData", "bicubic_downscale",
    "bicubic_upscale", "check_scale", "grid25", "load_dataset", "load_sr", "pad", "read_idx", "resize", "ring8",
    "unpad", "write_idx",
]
