"""Conditional G and D: ask the generator for a class. Chapter 02.

Papers:
- Mirza & Osindero, "Conditional Generative Adversarial Nets" (arXiv:1411.1784): feed the label y
  to both networks by concatenation, G(z, y) and D(x, y).
- Miyato & Koyama, "cGANs with Projection Discriminator" (arXiv:1802.05637): D scores the label
  with an inner product, D(x, y) = psi(phi(x)) + <embed(y), phi(x)>, instead of concatenating it.

Both networks are MLPs, as in Mirza & Osindero's MNIST experiment; images are flattened exactly as
in `models/mlp.py`. G always concatenates a learned class embedding c = embed(y) to z; D does either
("concat" or "projection", chosen by `ConditionalConfig.discriminator`) so the chapter can compare them.
A generator declares `num_classes > 0`, so the shared loop calls it as G(z, labels) and D as D(x, labels).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from .. import checks
from .mlp import MLPConfig, _mlp, check_dtype

DISCRIMINATORS = ("concat", "projection")


@dataclass
class ConditionalConfig(MLPConfig):
    """MLPConfig (sample_shape, z_dim, hidden, n_layers) plus what conditioning adds."""

    sample_shape: tuple[int, ...] = (1, 16, 16)  # (C, H, W) for images, (D,) for vectors
    z_dim: int = 32
    hidden: int = 256
    num_classes: int = 10
    embed_dim: int = 16                 # size of the class embedding c = embed(y) that G (and a concat D) receives
    discriminator: str = "projection"   # "concat" (Mirza & Osindero) or "projection" (Miyato & Koyama)
    dropout: float = 0.5                # in D's hidden layers, as Mirza & Osindero: makes memorising small datasets harder

    def __post_init__(self):
        super().__post_init__()  # sample_shape, z_dim, hidden, n_layers
        checks.integer("num_classes", self.num_classes, minimum=2, why="a conditional GAN needs classes to choose from")
        checks.integer("embed_dim", self.embed_dim, maximum=4096)
        checks.number("dropout", self.dropout, minimum=0, below=1)
        checks.choice("discriminator", self.discriminator, DISCRIMINATORS)


def check_labels(labels: Tensor, batch: int, num_classes: int, who: str) -> None:
    """A clear error for labels of the wrong type, shape or range (nn.Embedding's own is cryptic)."""
    if not isinstance(labels, Tensor) or labels.dtype.is_floating_point or labels.dtype == torch.bool:
        kind = labels.dtype if isinstance(labels, Tensor) else type(labels).__name__
        raise ValueError(f"{who} expects labels as an integer tensor of shape [B] (class indices), got {kind}")
    if labels.shape != (batch,):
        raise ValueError(f"{who} expects labels of shape [B] = [{batch}] (one class index per sample), "
                         f"got {list(labels.shape)}")
    if batch and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"{who} was built for num_classes={num_classes}: labels must lie in [0, {num_classes - 1}], "
                         f"got values from {int(labels.min())} to {int(labels.max())}. "
                         f"Build the model with the dataset's number of classes (dataset.num_classes).")


def class_grid_inputs(z: Tensor, num_classes: int) -> tuple[Tensor, Tensor]:
    """Inputs for a grid with one row per class and the same noise in every column.

    z [n_cols, z_dim] -> (z repeated for each class [num_classes * n_cols, z_dim],
                          labels 0,0,..,0, 1,1,..,1, ... [num_classes * n_cols]).
    Row k of the grid is class k; column j always uses z[j], so what changes down a column is the
    class alone, and what changes along a row is the noise alone.
    """
    n_cols = z.shape[0]
    labels = torch.arange(num_classes, device=z.device).repeat_interleave(n_cols)  # [K * n]: row-major
    return z.repeat(num_classes, 1), labels  # z.repeat: z[0..n-1], z[0..n-1], ... one copy per row


def projection_logits(phi_x: Tensor, psi_weight: Tensor, psi_bias: Tensor, embed_weight: Tensor,
                      labels: Tensor) -> Tensor:
    """Miyato & Koyama's projection: D(x, y) = psi(phi(x)) + <V[y], phi(x)>, one logit per sample.

    phi_x [B, H] are D's features; psi (weight [H], bias []) is the unconditional linear head; V =
    embed_weight [num_classes, H] holds one vector per class. The inner product is the log-ratio
    log p(y|x)/q(y|x) of two softmax-linear class models written out; psi scores log p(x)/q(x).
    """
    unconditional = phi_x @ psi_weight + psi_bias                   # psi(phi(x)): [B]
    class_term = (embed_weight[labels] * phi_x).sum(dim=1)          # <V[y], phi(x)>: [B]
    return unconditional + class_term


def _d_body(n_in: int, cfg: ConditionalConfig) -> list[nn.Module]:
    """D's hidden layers: Linear -> LeakyReLU(0.2) -> Dropout, n_layers times: [B, n_in] -> [B, hidden]."""
    layers: list[nn.Module] = []
    for n in [n_in] + [cfg.hidden] * (cfg.n_layers - 1):
        # LeakyReLU keeps a gradient for every input, so G always hears something back
        layers += [nn.Linear(n, cfg.hidden), nn.LeakyReLU(0.2), nn.Dropout(cfg.dropout)]
    return layers


class ConditionalGenerator(nn.Module):
    """(z [B, z_dim], labels [B]) -> sample [B, *sample_shape]; input = [z, embed(y)] (Mirza & Osindero)."""

    def __init__(self, cfg: ConditionalConfig):
        super().__init__()
        self.cfg, self.z_dim, self.num_classes = cfg, cfg.z_dim, cfg.num_classes
        # embed(y) = one_hot(y) @ E: a learned vector per class, the same as a linear layer on one-hot y.
        self.embed = nn.Embedding(cfg.num_classes, cfg.embed_dim)
        # LeakyReLU, not ReLU: dead ReLU units take z's influence with them, and G learns to ignore its noise
        body = _mlp([cfg.z_dim + cfg.embed_dim] + [cfg.hidden] * cfg.n_layers, nn.LeakyReLU(0.2))
        head = [nn.Linear(cfg.hidden, cfg.sample_dim)] + ([nn.Tanh()] if cfg.is_image else [])  # pixels in [-1, 1]
        self.net = nn.Sequential(*body, *head)

    def forward(self, z: Tensor, labels: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"ConditionalGenerator expects z of shape [B, {self.z_dim}], got {list(z.shape)}")
        check_dtype(z, self, "z", "ConditionalGenerator")
        check_labels(labels, z.shape[0], self.num_classes, "ConditionalGenerator")
        return self.generate(z, self.embed(labels))

    def generate(self, z: Tensor, c: Tensor) -> Tensor:
        """G's body from a class embedding c [B, embed_dim] directly: lets us blend two classes' c."""
        if c.dim() != 2 or c.shape != (z.shape[0], self.cfg.embed_dim):
            raise ValueError(f"class embedding c must be [B, embed_dim] = [{z.shape[0]}, {self.cfg.embed_dim}], "
                             f"got {list(c.shape)}")
        h = torch.cat([z, c], dim=1)  # [B, z_dim + embed_dim]: noise and class side by side
        return self.net(h).view(-1, *self.cfg.sample_shape)


class ConditionalDiscriminator(nn.Module):
    """(x [B, *sample_shape], labels [B]) -> logit [B]; "concat" or "projection" conditioning.

    concat:     D(x, y) = MLP([flatten(x), embed(y)])                      (Mirza & Osindero)
    projection: D(x, y) = psi(phi(x)) + <embed(y), phi(x)>, phi an MLP of x  (Miyato & Koyama)
    """

    def __init__(self, cfg: ConditionalConfig):
        super().__init__()
        self.cfg, self.num_classes, self.variant = cfg, cfg.num_classes, cfg.discriminator
        if self.variant == "concat":
            self.embed = nn.Embedding(cfg.num_classes, cfg.embed_dim)
            self.net = nn.Sequential(*_d_body(cfg.sample_dim + cfg.embed_dim, cfg), nn.Linear(cfg.hidden, 1))
        else:
            self.phi = nn.Sequential(*_d_body(cfg.sample_dim, cfg))  # features phi(x) [B, hidden]
            self.psi = nn.Linear(cfg.hidden, 1)                       # unconditional score psi(phi(x))
            self.embed = nn.Embedding(cfg.num_classes, cfg.hidden)    # V: one vector per class, in phi's space
            # V starts small, like a linear layer's weights (the authors' code: Glorot-uniform); nn.Embedding's
            # N(0, 1) rows would make the class term dominate the logit at step 0 (|<V[y], phi>| ~ |phi|).
            nn.init.uniform_(self.embed.weight, -1 / math.sqrt(cfg.hidden), 1 / math.sqrt(cfg.hidden))

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        if tuple(x.shape[1:]) != self.cfg.sample_shape:
            raise ValueError(
                f"ConditionalDiscriminator was built for samples of shape {self.cfg.sample_shape}, got "
                f"{tuple(x.shape[1:])}; build it with ConditionalConfig(sample_shape={tuple(x.shape[1:])}) or resize the data")
        check_dtype(x, self, "samples x", "ConditionalDiscriminator")
        check_labels(labels, x.shape[0], self.num_classes, "ConditionalDiscriminator")
        x = x.flatten(1)  # [B, C*H*W]
        if self.variant == "concat":
            return self.net(torch.cat([x, self.embed(labels)], dim=1)).squeeze(1)  # label as extra input
        return projection_logits(self.phi(x), self.psi.weight[0], self.psi.bias[0], self.embed.weight, labels)
