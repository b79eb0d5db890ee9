"""Colour photographs for super-resolution: scikit-image's, a folder of your own, or STL-10; and random
training crops from them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from .dataset import DatasetNotFound
from .images import _to_float
from .sources import ENV_VAR


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


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
