"""A small CNN classifier: the course's feature extractor and its judge of generated classes.

Two jobs in the chapters:
  * metrics: FID / KID / precision-recall are computed on this network's penultimate features
    ("FID on classifier features"). Inception-v3 features, the usual choice, mean little for
    28x28 grey digits and are too slow for a CPU course; the idea (Frechet distance between
    Gaussians fitted to deep features, Heusel et al., arXiv:1706.08500) is the same.
  * labelling: the conditional-GAN chapter asks "is a digit generated for class c classified as c?"

Shipped weights live in ``gan_course/weights/<dataset>_classifier.pt``; one command retrains them
(on 2 CPU cores: digits in ~15 s, Fashion-MNIST in ~2.5 min):

    python -m gan_course.classifier digits
    python -m gan_course.classifier fashion-mnist

Images of another size than the classifier's own (Fashion-MNIST's 28x28) reach it by the route that
undoes how the data were made (`load_classifier(name, img_size=32, fit=...)`, with the `fit` given to
`data.load_dataset`): fit="pad" crops the padding off exactly, so a padded image gives exactly the
features of the 28x28 one; fit="resize" resizes back (antialiased), for data that were resized.

Devices: the classifier runs where its weights are. It moves its input there, and gives its logits,
features and predictions back on the input's device, so a loss or metric on a generator's images
(on the GPU) can use a classifier on the CPU, and the other way round.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch._subclasses.fake_tensor import FakeTensor

from . import __version__
from .data import DATASETS, FITS, MIXTURES, load_dataset, unpad

WEIGHTS_DIR = Path(__file__).parent / "weights"
SHIPPED = ("digits", "fashion-mnist")  # weights committed with the package ...
SHIPPED_SEEDS = (0, 1)  # ... for two training seeds: a second classifier shows how much FID depends on it

# Training settings of the shipped weights (and the defaults of `train_classifier`).
TRAIN_DEFAULTS = {
    "digits": dict(epochs=15, batch_size=64, lr=2e-3),
    "mnist": dict(epochs=2, batch_size=128, lr=2e-3),
    "fashion-mnist": dict(epochs=3, batch_size=128, lr=2e-3),
    "cifar10": dict(epochs=10, batch_size=128, lr=2e-3),
}
IMAGE_DATASETS = tuple(d for d in DATASETS if d not in MIXTURES)


@dataclass
class ClassifierConfig:
    img_channels: int = 1
    num_classes: int = 10
    img_size: int = 28  # native input size; other sizes are cropped or resized to it (Classifier.input_fit)
    feature_dim: int = 128  # size of the penultimate feature vector used by the metrics
    dataset: str = ""
    classes: tuple[str, ...] = ()


class Classifier(nn.Module):
    """Three conv blocks (conv 3x3 -> BN -> ReLU -> 2x2 max-pool), global average pool, linear.

    [N, C, S, S] -> [N, d/4, S/2, S/2] -> [N, d/2, S/4, S/4] -> [N, d, S/8, S/8]
                 -> average over space: features [N, d] -> logits [N, num_classes]
    with S = config.img_size and d = config.feature_dim (93k parameters for d = 128).
    """

    def __init__(self, config: ClassifierConfig, input_size: int | None = None, input_fit: str = "resize"):
        super().__init__()
        self.config = config
        # The side of the images this model will be given. Another side than the native one is
        # brought to it, but only when asked for here (load_classifier(name, img_size=...)): a digits
        # classifier handed 28x28 images by mistake should complain, not quietly shrink them.
        self.input_size = input_size or config.img_size
        # How: "pad" crops the centre (the data were padded by data.pad), "resize" resizes (data.resize).
        if input_fit not in FITS:
            raise ValueError(f"unknown fit {input_fit!r}; valid: {', '.join(FITS)} (how the images reached "
                             f"{self.input_size}x{self.input_size}: the fit given to data.load_dataset)")
        if input_fit == "pad" and self.input_size < config.img_size:
            raise ValueError(f"fit='pad' undoes a padding to a larger size, but img_size={self.input_size} is smaller "
                             f"than the classifier's {config.img_size}: use fit='resize'")
        self.input_fit = input_fit
        widths = (config.feature_dim // 4, config.feature_dim // 2, config.feature_dim)
        layers, c_in = [], config.img_channels
        for c_out in widths:
            # no conv bias: BatchNorm's shift replaces it
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                       nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            c_in = c_out
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Linear(config.feature_dim, config.num_classes)

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        """Check the input and resize it to the native size: [N, C, H, W] -> [N, C, S, S]."""
        c, s, name = self.config.img_channels, self.config.img_size, self.config.dataset or "this"
        if x.dim() != 4 or x.shape[1] != c:
            raise ValueError(f"the {name} classifier takes images [N, {c}, H, W] in [-1, 1]; got shape {list(x.shape)}")
        if tuple(x.shape[-2:]) != (self.input_size, self.input_size):
            h, w = x.shape[-2:]
            raise ValueError(
                f"the {name} classifier (trained on {s}x{s} images) was set up for {self.input_size}x{self.input_size} "
                f"inputs, got {h}x{w}. If {h}x{w} is what your model makes, load it with "
                f"classifier.load_classifier({self.config.dataset or 'name'!r}, img_size={h}) with the fit your data "
                f"were made with, fit='pad' (the padding is cropped off) or 'resize' (inputs are resized to {s}x{s}), "
                f"and score real and generated images at that same size")
        if x.numel() and _holds_values(x) and (x.min() < -1.5 or x.max() > 1.5):
            raise ValueError(f"the {name} classifier takes images in [-1, 1] (as data.load_dataset and a generator's "
                             f"tanh give them); got values from {x.min().item():.3g} to {x.max().item():.3g}. "
                             f"For 0..255 images use x / 127.5 - 1; for 0..1 images, 2 * x - 1")
        x = x.to(next(self.parameters()).device, torch.float32)  # where the weights are
        if x.shape[-2:] != (s, s):
            if self.input_fit == "pad":  # the data were padded (data.pad): crop exactly what was added
                return unpad(x, s, s)
            downsampling = x.shape[-2] > s or x.shape[-1] > s
            # antialias low-pass filters before shrinking, so resized images look like the real ones
            x = F.interpolate(x, size=(s, s), mode="bilinear", align_corners=False, antialias=downsampling)
        return x

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        return self.trunk(self._prepare(x)).mean(dim=(2, 3))  # global average pool: [N, feature_dim]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self._features(x)).to(x.device)  # logits [N, num_classes], on the input's device

    @torch.no_grad()
    def features(self, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """Penultimate activations [N, feature_dim], computed in batches without gradients, on the input's device."""
        return torch.cat([self._features(chunk) for chunk in x.split(batch_size)]).to(x.device)

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """Predicted class index [N] (int64), on the input's device."""
        return torch.cat([self(chunk).argmax(dim=1) for chunk in x.split(batch_size)])


def _holds_values(x: torch.Tensor) -> bool:
    """False for tensors with a shape and a device but no numbers to check: `meta` tensors, and the fake
    tensors that torch.compile traces with (tests/test_devices.py plays a GPU with them)."""
    return not (x.is_meta or isinstance(x, FakeTensor))


def accuracy(model: Classifier, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of images whose predicted class equals ``y``; the model should be in eval mode."""
    return (model.predict(x).cpu() == y.cpu()).float().mean().item()


def _device(device: str | torch.device) -> torch.device:
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={str(device)!r} but CUDA is not available here; use device='cpu'")
    return device


def _check_name(dataset_name: str) -> None:
    if dataset_name not in IMAGE_DATASETS:
        raise ValueError(f"no classifier for {dataset_name!r}; valid names: {', '.join(IMAGE_DATASETS)}")


def train_classifier(
    dataset_name: str,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    seed: int = 0,
    device: str = "cpu",
    limit: int | None = None,
    verbose: bool = False,
) -> tuple[Classifier, float]:
    """Train a classifier on ``dataset_name``'s train split; return it (in eval mode) and its
    accuracy on the test split.

    Settings left at None take ``TRAIN_DEFAULTS[dataset_name]``. Adam with a cosine learning-rate
    decay to 0; no augmentation. Deterministic on CPU for a given seed: the weights are
    initialised and the batches shuffled from ``seed``, and the global RNG is left as it was.
    ``limit`` trains on the first ``limit`` training images only (smoke tests).
    """
    _check_name(dataset_name)
    settings = {**TRAIN_DEFAULTS[dataset_name], "seed": seed, "limit": limit}
    settings.update({k: v for k, v in dict(epochs=epochs, batch_size=batch_size, lr=lr).items() if v is not None})
    device = _device(device)
    train = load_dataset(dataset_name, split="train", limit=limit)
    test = load_dataset(dataset_name, split="test")

    config = ClassifierConfig(img_channels=train.sample_shape[0], num_classes=train.num_classes,
                              img_size=train.sample_shape[-1], dataset=dataset_name, classes=train.classes)
    with torch.random.fork_rng(devices=[]):  # seeds the init without touching the caller's RNG
        torch.manual_seed(seed)
        model = Classifier(config).to(device)
    g = torch.Generator().manual_seed(seed)  # batch order

    steps_per_epoch = -(-len(train) // settings["batch_size"])  # ceil
    opt = torch.optim.Adam(model.parameters(), lr=settings["lr"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=settings["epochs"] * steps_per_epoch)
    for epoch in range(settings["epochs"]):
        model.train()
        start = time.perf_counter()
        for idx in torch.randperm(len(train), generator=g).split(settings["batch_size"]):
            x, y = train.x[idx].to(device), train.y[idx].to(device)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        if verbose:
            print(f"epoch {epoch + 1}/{settings['epochs']}: last batch loss {loss.item():.3f} "
                  f"({time.perf_counter() - start:.1f} s)")
    model.eval()
    model.train_settings = settings
    return model, accuracy(model, test.x, test.y)


def save_classifier(model: Classifier, path: str | os.PathLike, test_accuracy: float) -> None:
    """Write weights + config + test accuracy + training settings (tensors and plain Python
    values only, so ``torch.load(weights_only=True)`` reads it). The write is atomic."""
    checkpoint = {
        "config": dataclasses.asdict(model.config),
        "state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
        "test_accuracy": float(test_accuracy),
        "train_settings": dict(getattr(model, "train_settings", {})),
        "gan_course_version": __version__,
        "torch_version": str(torch.__version__),  # TorchVersion is not a plain str for weights_only
    }
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(checkpoint, tmp)
    os.replace(tmp, path)  # a crash mid-save never leaves a half-written weights file


def weights_path(dataset_name: str, seed: int = 0) -> Path:
    """Where the shipped weights of the classifier trained with `seed` live."""
    return WEIGHTS_DIR / (f"{dataset_name}_classifier.pt" if seed == 0 else f"{dataset_name}_classifier_seed{seed}.pt")


def load_classifier(dataset_name: str, device: str = "cpu", *, path: str | os.PathLike | None = None,
                    img_size: int | None = None, fit: str = "resize", seed: int = 0) -> Classifier:
    """Load the trained classifier for ``dataset_name`` (shipped: digits, fashion-mnist), in eval mode.

    ``img_size``: the side of the images you will give it, when it is not the classifier's own
    (e.g. 32 for Fashion-MNIST padded to 32x32). Without it, images of another size are an error.
    ``fit``: how those images were made, as given to ``data.load_dataset`` (same default): "pad" crops
    the centre (the exact inverse of the padding: a padded image gives the features of the original),
    "resize" resizes them to the native side (antialiased). Generated images are treated the same way,
    so with "pad" a generator's border pixels are not scored.
    ``seed``: which shipped classifier: 0 (the course's) or 1 (same network and data, another training
    seed), to see how much a classifier-feature FID depends on the classifier.
    ``path`` reads another weights file instead of ``gan_course/weights/<name>_classifier.pt``.
    The returned model carries ``test_accuracy`` and ``train_settings`` from the file.
    """
    _check_name(dataset_name)
    if path is None and seed not in SHIPPED_SEEDS:
        raise ValueError(f"classifiers ship for seeds {SHIPPED_SEEDS}, got seed={seed!r}; train another with "
                         f"`python -m gan_course.classifier {dataset_name} --seed {seed} --out FILE` and pass path=FILE")
    path = Path(path) if path is not None else weights_path(dataset_name, seed)
    if not path.is_file():
        raise FileNotFoundError(f"no classifier weights at {path}; train them with "
                                f"`python -m gan_course.classifier {dataset_name}` "
                                f"(weights ship for: {', '.join(SHIPPED)})")
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(checkpoint, dict) or not {"config", "state_dict"} <= checkpoint.keys():
        raise ValueError(f"{path} is not a classifier checkpoint (it has no 'config' and 'state_dict')")
    config = ClassifierConfig(**{**checkpoint["config"], "classes": tuple(checkpoint["config"]["classes"])})
    if config.dataset != dataset_name:
        raise ValueError(f"{path} holds a classifier for {config.dataset!r}, not {dataset_name!r}")
    if img_size is not None and (isinstance(img_size, bool) or not isinstance(img_size, int) or not 4 <= img_size <= 1024):
        raise ValueError(f"img_size must be an int in [4, 1024] (the side of the images you will classify), got {img_size!r}")
    model = Classifier(config, input_size=img_size, input_fit=fit)
    model.load_state_dict(checkpoint["state_dict"])
    model.test_accuracy = checkpoint.get("test_accuracy")
    model.train_settings = checkpoint.get("train_settings", {})
    return model.to(_device(device)).eval()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m gan_course.classifier",
        description="Train the metrics classifier on a dataset and write its weights file.")
    parser.add_argument("dataset", choices=IMAGE_DATASETS)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, help="weights file (default: gan_course/weights/<dataset>_classifier[_seedN].pt)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    model, test_accuracy = train_classifier(args.dataset, epochs=args.epochs, batch_size=args.batch_size,
                                            lr=args.lr, seed=args.seed, device=args.device, verbose=True)
    minutes = (time.perf_counter() - start) / 60
    out = args.out or weights_path(args.dataset, args.seed)
    save_classifier(model, out, test_accuracy)
    print(f"{args.dataset}: test accuracy {test_accuracy:.4f} after {minutes:.1f} min; wrote {out}")


if __name__ == "__main__":
    main()
