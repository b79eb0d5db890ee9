"""VQ-VAE: van den Oord, Vinyals & Kavukcuoglu, "Neural Discrete Representation Learning"
(arXiv:1711.00937). Chapter 10, with two later fixes and one adversarial variant:

- EMA codebook (the paper's appendix A.1; DeepMind's `VectorQuantizerEMA` in Sonnet): the codes follow
  exponential moving averages of the encoder outputs assigned to them, with Laplace smoothing of the counts;
- dead-code restarts (Dhariwal et al., "Jukebox", arXiv:2005.00341, section 3.3): a code whose running
  usage falls below a threshold is moved onto a random encoder output of the current batch;
- VQ-VAE + GAN (Esser, Rombach & Ommer, "Taming Transformers", VQGAN, arXiv:2012.09841): the same
  autoencoder with a patch discriminator (Isola et al., pix2pix, arXiv:1611.07004) and a feature loss.

The pieces, bottom-up (the paper's section 3):
    encoder      x [B, C, S, S] -> z_e [B, D, S/4, S/4]     two stride-2 convs, residual blocks
    quantiser    z_e -> nearest codebook vector e_k per position: z_q, indices k [B, S/4, S/4]
    decoder      z_q -> x_hat [B, C, S, S]                  residual blocks, two stride-2 transposed convs
    loss         ||x - x_hat||^2 + ||sg[z_e] - e||^2 + beta ||z_e - sg[e]||^2      (eq. 3, beta = 0.25)
The gradient skips the non-differentiable lookup: z_q = z_e + sg[e - z_e] (the straight-through estimator).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import checks
from .srgan import check_pixels  # one set of image checks for the models of chapters 09 and 10

QUANTIZERS = ("loss", "ema")   # how the codebook learns: the paper's codebook loss, or moving averages
LAPLACE_EPS = 1e-5             # Laplace smoothing of the EMA counts (Sonnet's epsilon)


# --- The quantiser ---------------------------------------------------------------------------------
def nearest_code(z: Tensor, codebook: Tensor) -> Tensor:
    """Index of the nearest code for each row: z [N, D], codebook [K, D] -> [N] (int64).

    ||z - e||^2 = ||z||^2 - 2 z.e + ||e||^2: one matrix product instead of an [N, K, D] difference.
    """
    if not isinstance(z, Tensor) or not isinstance(codebook, Tensor) or z.dim() != 2 or codebook.dim() != 2:
        shapes = [list(t.shape) if isinstance(t, Tensor) else type(t).__name__ for t in (z, codebook)]
        raise ValueError(f"nearest_code takes z [N, D] and codebook [K, D], got z {shapes[0]} and codebook {shapes[1]}")
    if z.shape[1] != codebook.shape[1]:
        raise ValueError(f"z's vectors have D = {z.shape[1]} numbers but the codes D = {codebook.shape[1]}: "
                         f"z [N, D] and codebook [K, D] must share D (code_dim)")
    distances = z.pow(2).sum(1, keepdim=True) - 2 * z @ codebook.T + codebook.pow(2).sum(1)  # [N, K]
    return distances.argmin(1)


def ema_codebook_update(ema_count: Tensor, ema_sum: Tensor, z: Tensor, indices: Tensor, decay: float,
                        eps: float = LAPLACE_EPS) -> tuple[Tensor, Tensor, Tensor]:
    """One EMA step of the codebook (VQ-VAE appendix A.1); returns (ema_count, ema_sum, codebook).

    ema_count [K]: running number of encoder outputs per code; ema_sum [K, D]: their running sum;
    z [N, D] this batch's encoder outputs, indices [N] their codes.
        N_k <- decay N_k + (1 - decay) n_k          n_k = #{i: indices_i = k}
        m_k <- decay m_k + (1 - decay) sum_{i: indices_i = k} z_i
        e_k  = m_k / N~_k,   N~_k = (N_k + eps) / (n + K eps) * n,  n = sum_k N_k   (Laplace smoothing:
    a code with N_k = 0 divides by a small positive number, not by zero; the counts still sum to n).
    """
    k = len(ema_count)
    if ema_count.dim() != 1 or ema_sum.shape != (k, z.shape[-1]) or z.dim() != 2 or indices.shape != (len(z),):
        raise ValueError(f"ema_codebook_update takes ema_count [K], ema_sum [K, D], z [N, D] and indices [N], got "
                         f"{list(ema_count.shape)}, {list(ema_sum.shape)}, {list(z.shape)} and {list(indices.shape)}")
    if indices.dtype.is_floating_point or indices.dtype == torch.bool:
        raise ValueError(f"indices must be integer codes, got {indices.dtype}")
    if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= k):
        raise ValueError(f"indices must be codes in [0, {k - 1}] (K = {k} codes), got values from "
                         f"{int(indices.min())} to {int(indices.max())}")
    one_hot = F.one_hot(indices, len(ema_count)).to(z.dtype)        # [N, K]
    ema_count = decay * ema_count + (1 - decay) * one_hot.sum(0)     # [K]
    ema_sum = decay * ema_sum + (1 - decay) * one_hot.T @ z          # [K, D]
    n = ema_count.sum()
    smoothed = (ema_count + eps) / (n + len(ema_count) * eps) * n
    return ema_count, ema_sum, ema_sum / smoothed[:, None]


class VQOutput(NamedTuple):
    z_q: Tensor       # [B, D, h, w] quantised, with the straight-through gradient to z_e
    loss: Tensor      # codebook + beta * commitment (EMA: beta * commitment only)
    indices: Tensor   # [B, h, w] code of each position (int64)


class VectorQuantizer(nn.Module):
    """z_e [B, D, h, w] -> nearest codes; the codebook learns from a loss ("loss") or moving averages ("ema").

    `restart_threshold` > 0 restarts dead codes: during training, every code whose running usage
    `ema_count` (an EMA, with `decay`, of the encoder outputs it receives per step) is below the threshold
    is moved onto a random encoder output of the batch (drawn from torch's global RNG, which checkpoints
    save) and its statistics start again as at construction. Everything the quantiser learns outside the
    optimiser lives in buffers (`ema_count`, `ema_sum`, and the codebook of the EMA variant), so it is
    saved with the weights and a resumed run continues exactly.

    The counts start at 1, which is the default threshold: after the first training step every code that the
    first batch missed (0.99 * 1 < 1) is restarted at once, so restarts also act as a data-dependent
    initialisation of the codebook at step 1 (Jukebox's code does the same with k_elem = 1 and threshold 1,
    after initialising every code from encoder outputs: openai/jukebox jukebox/vqvae/bottleneck.py, init_k
    and update_k). `vqvae_loss` logs the running total, so a notebook can tell step 1's restarts from later ones.
    """

    def __init__(self, codebook_size: int, code_dim: int, beta: float = 0.25, ema: bool = False,
                 decay: float = 0.99, restart_threshold: float = 0.0):
        super().__init__()
        checks.integer("codebook_size", codebook_size, minimum=2, why="a codebook of one code carries no information")
        checks.integer("code_dim", code_dim)
        self.codebook_size, self.code_dim, self.ema = codebook_size, code_dim, bool(ema)
        self.beta = checks.number("beta (commitment weight)", beta, minimum=0)
        self.decay = checks.number("decay", decay, minimum=0, below=1)
        self.restart_threshold = checks.number("restart_threshold (0 = no restarts)", restart_threshold, minimum=0)
        # U(-1/K, 1/K), as zalandoresearch/pytorch-vq-vae: small codes near the origin, which is why they die
        codebook = torch.empty(codebook_size, code_dim).uniform_(-1 / codebook_size, 1 / codebook_size)
        if self.ema:  # learned by moving averages, not by the optimiser
            self.register_buffer("codebook", codebook)
        else:
            self.codebook = nn.Parameter(codebook)
        # Each code starts as the average of one vector, itself: N_k = 1, m_k = e_k, so m_k / N_k = e_k.
        self.register_buffer("ema_count", torch.ones(codebook_size))
        self.register_buffer("ema_sum", codebook.clone())
        self.register_buffer("restarts", torch.zeros((), dtype=torch.long))  # codes restarted so far

    def indices(self, z_e: Tensor) -> Tensor:
        """[B, D, h, w] -> [B, h, w]: the nearest code of every position (no gradient, no update)."""
        self._check(z_e)
        b, _, h, w = z_e.shape
        with torch.no_grad():
            return nearest_code(_flat(z_e), self.codebook).view(b, h, w)

    def embed(self, indices: Tensor) -> Tensor:
        """Codes [B, h, w] -> their vectors [B, D, h, w]."""
        return self.codebook[indices].permute(0, 3, 1, 2)

    def forward(self, z_e: Tensor) -> VQOutput:
        self._check(z_e)
        b, _, h, w = z_e.shape
        z = _flat(z_e)                                          # [N, D], N = B h w
        with torch.no_grad():
            idx = nearest_code(z, self.codebook)                # [N]
        e = self.codebook[idx]                                  # [N, D]; the gradient reaches the codebook
        commitment = F.mse_loss(z, e.detach())                  # ||z_e - sg[e]||^2: moves the encoder
        if self.ema:
            loss = self.beta * commitment                       # the moving averages replace the codebook term
        else:
            loss = F.mse_loss(e, z.detach()) + self.beta * commitment  # ||sg[z_e] - e||^2 moves the codes
        z_q = z + (e - z).detach()                              # straight-through: value e, gradient 1 to z
        if self.training:
            self._learn(z.detach(), idx)
        return VQOutput(z_q.view(b, h, w, -1).permute(0, 3, 1, 2), loss, idx.view(b, h, w))

    @torch.no_grad()
    def _learn(self, z: Tensor, idx: Tensor) -> None:
        """After the lookup: the moving averages (and the EMA codebook), then restarts of dead codes."""
        count, total, codebook = ema_codebook_update(self.ema_count, self.ema_sum, z, idx, self.decay)
        self.ema_count.copy_(count)
        self.ema_sum.copy_(total)
        if self.ema:
            self.codebook.copy_(codebook)
        if self.restart_threshold > 0:
            dead = self.ema_count < self.restart_threshold      # [K]
            n_dead = int(dead.sum())
            if n_dead:
                new = z[torch.randint(len(z), (n_dead,), device=z.device)]  # random encoder outputs
                self.codebook[dead] = new
                self.ema_sum[dead], self.ema_count[dead] = new, 1.0  # as at construction: N_k = 1, m_k = e_k
                self.restarts += n_dead

    def _check(self, z_e: Tensor) -> None:
        if z_e.dim() != 4 or z_e.shape[1] != self.code_dim:
            raise ValueError(f"VectorQuantizer expects z_e of shape [B, code_dim={self.code_dim}, h, w], "
                             f"got {list(z_e.shape)}")
        if z_e.shape[0] == 0:
            raise ValueError(f"VectorQuantizer got an empty batch {list(z_e.shape)}: give it at least one image")


def _flat(z_e: Tensor) -> Tensor:
    return z_e.permute(0, 2, 3, 1).reshape(-1, z_e.shape[1])  # [B, D, h, w] -> [B h w, D]


def check_codes(codes: Tensor, grid_size: int, codebook_size: int, who: str) -> None:
    """A clear error for code grids of the wrong type, shape or range (nn.Embedding's own is cryptic)."""
    g, k = grid_size, codebook_size
    if not isinstance(codes, Tensor) or codes.dtype.is_floating_point or codes.dtype == torch.bool:
        raise ValueError(f"{who} expects codes as an integer tensor [B, {g}, {g}], got "
                         f"{codes.dtype if isinstance(codes, Tensor) else type(codes).__name__}")
    if codes.dim() != 3 or tuple(codes.shape[1:]) != (g, g):
        raise ValueError(f"{who} was built for {g}x{g} code grids [B, {g}, {g}], got {list(codes.shape)}")
    if codes.numel() and (codes.min() < 0 or codes.max() >= k):
        raise ValueError(f"codes must lie in [0, {k - 1}] (codebook_size={k}), got values from "
                         f"{int(codes.min())} to {int(codes.max())}")


# --- Encoder and decoder ---------------------------------------------------------------------------
class ResidualBlock(nn.Module):
    """x + conv1x1(relu(conv3x3(relu(x)))): the paper's residual block, the width unchanged."""

    def __init__(self, channels: int):
        super().__init__()
        self.block = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(),
                                   nn.Conv2d(channels, channels, 1))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.block(x)


def residual_stack(channels: int, n: int) -> nn.Sequential:
    return nn.Sequential(*[ResidualBlock(channels) for _ in range(n)], nn.ReLU())


@dataclass
class VQVAEConfig:
    img_size: int = 28            # divisible by 4: the code grid is img_size // 4 (28 -> 7x7)
    img_channels: int = 1
    hidden: int = 64              # width of the encoder, decoder and patch discriminator (the paper: 256)
    n_res: int = 2                # residual blocks in the encoder and in the decoder (the paper: 2)
    code_dim: int = 16            # D: size of a code vector
    codebook_size: int = 128      # K: number of codes (the paper: 512)
    quantizer: str = "ema"        # "loss" (the paper's codebook loss) or "ema" (moving averages)
    restart_threshold: float = 1.0  # restart a code used by fewer encoder outputs per step (EMA); 0 = never
    beta: float = 0.25            # commitment weight (the paper: 0.25)
    decay: float = 0.99           # of the moving averages (the paper: 0.99)

    def __post_init__(self):
        checks.integer("img_size", self.img_size, minimum=4, maximum=1024)
        if self.img_size % 4:
            raise ValueError(f"img_size must be divisible by 4 (two stride-2 layers make the code grid img_size // 4), "
                             f"got {self.img_size}; resize the data, e.g. data.load_dataset(name, img_size=28)")
        checks.integer("img_channels", self.img_channels, maximum=4)
        for name in ("hidden", "code_dim"):
            checks.integer(name, getattr(self, name), maximum=4096)
        checks.integer("n_res", self.n_res, minimum=0, maximum=64)
        checks.integer("codebook_size", self.codebook_size, minimum=2, maximum=2**20,
                       why="a codebook of one code carries no information")
        checks.choice("quantizer", self.quantizer, QUANTIZERS)
        checks.number("restart_threshold (0 = no restarts)", self.restart_threshold, minimum=0)
        checks.number("beta (commitment weight)", self.beta, minimum=0)
        checks.number("decay", self.decay, minimum=0, below=1)

    @property
    def grid_size(self) -> int:
        return self.img_size // 4


class VQVAE(nn.Module):
    """images [B, C, S, S] in [-1, 1] -> (reconstruction [B, C, S, S], VQ loss), through codes [B, S/4, S/4].

    Returning (image, aux_loss) makes it a paired generator for the shared adversarial step: G(source).
    """

    def __init__(self, cfg: VQVAEConfig):
        super().__init__()
        self.cfg = cfg
        c, h = cfg.img_channels, cfg.hidden
        self.encoder = nn.Sequential(
            nn.Conv2d(c, h // 2, 4, 2, 1), nn.ReLU(),        # [B, h/2, S/2, S/2]
            nn.Conv2d(h // 2, h, 4, 2, 1), nn.ReLU(),        # [B, h, S/4, S/4]
            nn.Conv2d(h, h, 3, 1, 1), residual_stack(h, cfg.n_res),
            nn.Conv2d(h, cfg.code_dim, 1))                   # z_e [B, D, S/4, S/4]
        self.quantizer = VectorQuantizer(cfg.codebook_size, cfg.code_dim, cfg.beta, ema=cfg.quantizer == "ema",
                                         decay=cfg.decay, restart_threshold=cfg.restart_threshold)
        self.decoder = nn.Sequential(
            nn.Conv2d(cfg.code_dim, h, 3, 1, 1), residual_stack(h, cfg.n_res),
            nn.ConvTranspose2d(h, h // 2, 4, 2, 1), nn.ReLU(),  # [B, h/2, S/2, S/2]
            nn.ConvTranspose2d(h // 2, c, 4, 2, 1), nn.Tanh())  # [B, C, S, S] in [-1, 1], like the data

    def autoencode(self, x: Tensor) -> tuple[Tensor, VQOutput]:
        """x -> (reconstruction, the quantiser's output: z_q, loss, indices)."""
        q = self.quantizer(self.encoder(self._check_images(x)))
        return self.decoder(q.z_q), q

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x_hat, q = self.autoencode(x)
        return x_hat, q.loss

    def encode(self, x: Tensor) -> Tensor:
        """Images -> codes [B, S/4, S/4] (int64); never updates the codebook."""
        return self.quantizer.indices(self.encoder(self._check_images(x)))

    def decode(self, indices: Tensor) -> Tensor:
        """Codes [B, S/4, S/4] (ints in [0, K)) -> images [B, C, S, S]."""
        check_codes(indices, self.cfg.grid_size, self.cfg.codebook_size, "VQVAE.decode")
        return self.decoder(self.quantizer.embed(indices.long()))

    def _check_images(self, x: Tensor) -> Tensor:
        c, s = self.cfg.img_channels, self.cfg.img_size
        if not isinstance(x, Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != (c, s, s):
            shape = list(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"VQVAE was built for images of shape [B, {c}, {s}, {s}], got {shape}; build it with "
                             f"VQVAEConfig(img_size=..., img_channels=...) matching the data, or resize the data")
        return check_pixels("VQVAE", x, self)


def vqvae_loss(model: VQVAE, x: Tensor, y: Tensor | None = None) -> tuple[Tensor, dict[str, float]]:
    """The paper's loss for `training.train_model`: MSE reconstruction + the quantiser's terms.

    Logs the reconstruction MSE, the VQ terms, the batch's perplexity (one batch: a noisy view of usage) and
    the number of codes restarted so far. Unlike zalandoresearch/pytorch-vq-vae, the MSE is not divided by the
    data's variance: with pixels in [-1, 1] that only rescales the reconstruction term against beta's.
    """
    from ..metrics import codebook_perplexity

    x_hat, q = model.autoencode(x)
    recon = F.mse_loss(x_hat, x)
    return recon + q.loss, {"recon": recon.item(), "vq": q.loss.item(),
                            "perplexity": codebook_perplexity(q.indices, model.cfg.codebook_size),
                            "restarts": float(model.quantizer.restarts)}


def _in_batches(model: nn.Module, fn, x: Tensor, batch_size: int) -> Tensor:
    """fn(chunk on the model's device) over x in batches, in eval mode, without gradients; on the CPU."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        out = torch.cat([fn(chunk.to(device)).cpu() for chunk in x.split(batch_size)])
    model.train(was_training)
    return out


def code_indices(model: VQVAE, x: Tensor, batch_size: int = 500) -> Tensor:
    """The codes of every image in x [N, C, S, S] -> [N, S/4, S/4]: one whole pass, in eval mode (no updates)."""
    return _in_batches(model, model.encode, x, batch_size)


def reconstruct(model: VQVAE, x: Tensor, batch_size: int = 500) -> Tensor:
    """decode(encode(x)) for every image of x, in eval mode: [N, C, S, S] on the CPU."""
    return _in_batches(model, lambda chunk: model(chunk)[0], x, batch_size)


def decode_codes(model: VQVAE, codes: Tensor, batch_size: int = 500) -> Tensor:
    """Images [N, C, S, S] on the CPU from code grids [N, S/4, S/4] (e.g. sampled from a prior), in eval mode."""
    return _in_batches(model, model.decode, codes, batch_size)


# --- The patch discriminator (VQ-VAE + GAN) ----------------------------------------------------------
class PatchDiscriminator(nn.Module):
    """images [B, C, S, S] -> logits [B, 1, S/4, S/4]: one real/fake verdict per overlapping 18x18 patch.

    pix2pix's PatchGAN, shortened for 28 px: a verdict per patch judges texture and sharpness, which
    is what an MSE loss gives up; the loss functions average over the map.
    """

    def __init__(self, cfg: VQVAEConfig):
        super().__init__()
        self.cfg = cfg
        c, h = cfg.img_channels, cfg.hidden
        self.net = nn.Sequential(
            nn.Conv2d(c, h // 2, 4, 2, 1), nn.LeakyReLU(0.2),                         # no BN at D's input
            nn.Conv2d(h // 2, h, 4, 2, 1), nn.BatchNorm2d(h), nn.LeakyReLU(0.2),       # [B, h, S/4, S/4]
            nn.Conv2d(h, 1, 3, 1, 1))                                                  # a logit per position

    def forward(self, x: Tensor) -> Tensor:
        c, s = self.cfg.img_channels, self.cfg.img_size
        if x.dim() != 4 or tuple(x.shape[1:]) != (c, s, s):
            raise ValueError(f"PatchDiscriminator was built for images of shape [B, {c}, {s}, {s}], got {list(x.shape)}")
        return self.net(check_pixels("PatchDiscriminator", x, self, pixel_range=False))
