"""Super-resolution pairs (chapter 09): high-resolution images and their bicubic downscales.

Not a `load_dataset` name: its items are (HR, LR) *pairs*, and whole test images differ in size,
so they do not fit a Dataset's x [N, C, H, W] + labels y [N]. `load_sr` has the same look-up and
download policy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from .bicubic import bicubic_downscale, check_scale
from .dataset import SPLITS
from .photos import _folder_photos, _random_crops, _skimage_photos, _stl10_photos


SR_DATASETS = ("sr-natural", "folder", "stl10")


# The colour photographs that ship inside scikit-image, split by image (never by patch), so that no
# pixel of a test image is ever seen in training. The two views of the stereo motorcycle show the
# same scene, so they stay together in the training split. Left out: retina and hubble_deep_field
# (mostly flat black background), colorwheel and logo (synthetic), cat (another name for chelsea).
SR_NATURAL = {
    "train": ("astronaut", "rocket", "motorcycle_left", "motorcycle_right", "immunohistochemistry"),
    "test": ("chelsea", "coffee"),
}


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
