"""Chapter 10 exercises: the nearest-code lookup, the EMA codebook update, and codebook perplexity."""
import torch

from .. import metrics
from ..models import vqvae
from . import Exercise, register


def _vectors_and_codebook(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    n, d, k = (int(torch.randint(lo, hi, (1,), generator=gen)) for lo, hi in ((1, 60), (1, 9), (2, 20)))
    # codes of very different norms: a dot product alone (no ||e||^2) then picks the wrong one
    codebook = torch.randn(k, d, generator=gen) * torch.rand(k, 1, generator=gen) * 3
    return torch.randn(n, d, generator=gen) + torch.randn(1, d, generator=gen), codebook


register(Exercise(
    name="ch10.nearest_code",
    title="Nearest code nearest_code(z, codebook): z [N, D], codebook [K, D] -> indices [N]",
    reference=vqvae.nearest_code,
    make_inputs=_vectors_and_codebook,
    trials=10,
    hint="distances [N, K] = ||z||^2 - 2 z e^T + ||e||^2: z.pow(2).sum(1, keepdim=True) - 2 * z @ codebook.T + "
         "codebook.pow(2).sum(1); then the argmin over the codes (dim=1). The largest dot product is not the "
         "nearest code unless every code has the same norm.",
))


def _ema_inputs(gen: torch.Generator):
    k, d, n = (int(torch.randint(lo, hi, (1,), generator=gen)) for lo, hi in ((3, 12), (1, 6), (4, 40)))
    ema_count = torch.rand(k, generator=gen) * 5
    ema_count[0] = 0.0                                       # a dead code, never used again: the Laplace smoothing
    ema_sum = torch.randn(k, d, generator=gen) * ema_count[:, None]
    indices = torch.randint(1, k, (n,), generator=gen)       # ... keeps its division finite
    decay = float(torch.rand(1, generator=gen) * 0.5 + 0.45)  # in [0.45, 0.95]: a swapped decay shows
    return ema_count, ema_sum, torch.randn(n, d, generator=gen), indices, decay


register(Exercise(
    name="ch10.ema_update",
    title="EMA codebook step ema_update(ema_count, ema_sum, z, indices, decay) -> (ema_count, ema_sum, codebook)",
    reference=lambda ema_count, ema_sum, z, indices, decay: vqvae.ema_codebook_update(ema_count, ema_sum, z, indices, decay),
    reveals=(vqvae.ema_codebook_update,),
    make_inputs=_ema_inputs,
    hint="one_hot = F.one_hot(indices, K).float() [N, K]; counts n_k = one_hot.sum(0), sums = one_hot.T @ z; "
         "N <- decay N + (1 - decay) n_k, m <- decay m + (1 - decay) sums; then Laplace smoothing with eps = 1e-5: "
         "n = N.sum(), N~ = (N + eps) / (n + K eps) * n, and the codebook is m / N~[:, None].",
))


def _assignments(gen: torch.Generator) -> tuple[torch.Tensor, int]:
    k = int(torch.randint(2, 40, (1,), generator=gen))
    used = int(torch.randint(1, k + 1, (1,), generator=gen))       # often fewer codes in use than K
    weights = torch.rand(used, generator=gen) ** 3                  # unequal usage
    n, h = int(torch.randint(2, 12, (1,), generator=gen)), int(torch.randint(1, 5, (1,), generator=gen))
    picks = torch.multinomial(weights, n * h * h, replacement=True, generator=gen)
    codes = torch.randperm(k, generator=gen)[:used][picks]          # which codes are used: any of the K
    return codes.view(n, h, h), k


register(Exercise(
    name="ch10.perplexity",
    title="Codebook perplexity perplexity(indices, codebook_size) -> a 0-dim float64 tensor exp(-sum_k p_k log p_k)",
    reference=lambda indices, codebook_size: torch.tensor(metrics.codebook_perplexity(indices, codebook_size),
                                                          dtype=torch.float64),
    reveals=(metrics.codebook_perplexity, metrics._code_counts),
    make_inputs=_assignments,
    hint="count every code over ALL the indices (flatten them: a whole pass, not one image), "
         "p = torch.bincount(indices.flatten(), minlength=codebook_size).double() / indices.numel() (float64); "
         "leave out the codes with p = 0 (0 log 0 = 0, but 0 * log(0) is nan in floating point); "
         "return torch.exp(-(p * p.log()).sum()).",
))
