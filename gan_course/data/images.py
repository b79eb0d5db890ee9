"""How images reach the course's format and size: 0..255 to [-1, 1], resize, pad (and its inverse, unpad)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _to_float(images: torch.Tensor) -> torch.Tensor:
    return images.float() / 127.5 - 1.0  # uint8 0..255 -> float32 [-1, 1]


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


def unpad(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """The centre height x width of images [..., H, W]: exactly what `pad` padded to H x W (same offsets)."""
    h, w = x.shape[-2:]
    if not (0 < height <= h and 0 < width <= w):
        raise ValueError(f"cannot unpad {h}x{w} images to {height}x{width}: the unpadded size must be positive "
                         f"and at most the padded one")
    top, left = (h - height) // 2, (w - width) // 2
    return x[..., top:top + height, left:left + width]


FITS = ("resize", "pad")  # how images reach img_size: load_dataset(fit=...), and the classifier undoes it
