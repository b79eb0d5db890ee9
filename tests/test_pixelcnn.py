"""Chapter 10's prior: the masks are causal (an output never depends on a later position, nor on its own
code) and leave no blind spot, the prior trains through the shared `fit` on integer codes, sampling
follows the seed and the temperature, and bad codes get a clear error."""
import pytest
import torch

from gan_course import runtime, training
from gan_course.models import pixelcnn
from gan_course.models.pixelcnn import PixelCNN, PixelCNNConfig
from gan_course.training import FitConfig


def prior(seed=0, **kw):
    runtime.seed_everything(seed)
    return PixelCNN(PixelCNNConfig(**{"codebook_size": 6, "grid_size": 4, "embed_dim": 4, "channels": 8, "n_layers": 2, **kw})).eval()


def test_masks_by_hand():
    assert pixelcnn.causal_mask(3, "A").tolist() == [[1, 1, 1], [1, 0, 0], [0, 0, 0]]
    assert pixelcnn.causal_mask(3, "B").tolist() == [[1, 1, 1], [1, 1, 0], [0, 0, 0]]
    assert pixelcnn.causal_mask(5, "A").sum() == 12  # two full rows above + two to the left


@pytest.mark.parametrize("grid", [3, 4, 7])
def test_an_output_never_depends_on_a_later_position(grid):
    model = prior(grid_size=grid)
    g = torch.Generator().manual_seed(0)
    codes = torch.randint(0, 6, (1, grid, grid), generator=g)
    base = model(codes)
    for q in range(grid * grid):  # change the code at position q (raster order)
        changed = codes.clone()
        changed.view(-1)[q] = (changed.view(-1)[q] + 1) % 6
        moved = (model(changed) - base).abs().amax(1).view(-1)   # [g*g]: how much each position's logits moved
        assert (moved[:q + 1] == 0).all(), f"position q={q} leaks into an output at or before it"
        assert q == grid * grid - 1 or moved[q + 1:].sum() > 0      # ... and does reach later ones


@pytest.mark.parametrize("grid", [3, 4, 7])
def test_the_first_layer_sees_every_earlier_position_no_blind_spot(grid):
    """The grid-wide mask-A convolution: the gradient of each output reaches exactly the earlier positions."""
    model = prior(grid_size=grid)
    h = torch.randn(1, 4, grid, grid, requires_grad=True)
    out = model.first(h).view(1, 8, -1)                           # [1, C, g*g]
    for p in range(grid * grid):
        (grad,) = torch.autograd.grad(out[0, :, p].sum(), h, retain_graph=True)
        influence = grad.abs().sum(1).view(-1)                    # [g*g]
        assert (influence[p:] == 0).all() and (influence[:p] > 0).all(), p


def test_the_whole_prior_is_causal_by_its_gradient():
    model = prior(grid_size=4)
    h = model.embed(torch.randint(0, 6, (1, 4, 4))).permute(0, 3, 1, 2).detach().requires_grad_(True)
    logits = model.head(model.blocks(model.first(h))).view(1, 6, 16)
    for p in range(16):
        (grad,) = torch.autograd.grad(logits[0, :, p].sum(), h, retain_graph=True)
        assert (grad.abs().sum(1).view(-1)[p:] == 0).all()


def test_masks_survive_training():
    model = prior().train()
    codes = torch.randint(0, 6, (64, 4, 4), generator=torch.Generator().manual_seed(1))
    training.train_model(model, pixelcnn.prior_loss, codes, FitConfig(steps=10, batch_size=16, lr=1e-2), progress=False)
    model.eval()
    changed = codes[:1].clone()
    changed[0, 3, 3] = (changed[0, 3, 3] + 1) % 6            # the last position influences nothing
    assert torch.equal(model(changed), model(codes[:1]))


def test_the_prior_learns_a_pattern_through_fit():
    """Codes k, k+1, k+2, ... in raster order: after the first, each is predictable from its left neighbour."""
    start = torch.randint(0, 6, (256, 1, 1), generator=torch.Generator().manual_seed(2))
    codes = (start + torch.arange(16).view(1, 4, 4)) % 6
    model = prior().train()
    run = training.train_model(model, pixelcnn.prior_loss, codes, FitConfig(steps=150, batch_size=32, lr=1e-2),
                               progress=False)
    assert run.history["loss"][0] > 1.5 and run.history["loss"][-1] < 0.3  # log 6 = 1.79 -> ~log(6) / 16
    sample = model.sample(8, temperature=0.5, seed=0)
    assert ((sample.view(8, -1).diff(dim=1) % 6) == 1).float().mean() > 0.9


def test_sampling_is_seeded_and_the_temperature_matters():
    model = prior()
    a, b, c = model.sample(20, seed=0), model.sample(20, seed=0), model.sample(20, seed=1)
    assert a.shape == (20, 4, 4) and a.dtype == torch.long and 0 <= a.min() and a.max() < 6
    assert torch.equal(a, b) and not torch.equal(a, c)
    state = torch.get_rng_state()
    model.sample(2, seed=3)
    assert torch.equal(state, torch.get_rng_state())           # a seeded sample leaves the global RNG alone
    cold, hot = model.sample(200, temperature=0.05, seed=0), model.sample(200, temperature=5.0, seed=0)
    distinct = lambda s: len({tuple(r) for r in s.view(len(s), -1).tolist()})
    assert distinct(cold) < distinct(hot)


def test_bad_input_gets_a_clear_error():
    model = prior()
    with pytest.raises(ValueError, match=r"codes must lie in \[0, 5\] \(codebook_size=6\), got values from 0 to 6"):
        model(torch.tensor([[[0, 1, 2, 6]] * 4]))
    with pytest.raises(ValueError, match=r"built for 4x4 code grids \[B, 4, 4\], got \[2, 7, 7\]"):
        model(torch.zeros(2, 7, 7, dtype=torch.long))
    with pytest.raises(ValueError, match="integer tensor"):
        model(torch.zeros(2, 4, 4))
    with pytest.raises(ValueError, match="temperature must be in"):
        model.sample(2, temperature=0.0)
    with pytest.raises(ValueError, match="codebook_size must be an int >= 2"):
        PixelCNNConfig(codebook_size=1)
    with pytest.raises(ValueError, match="odd kernel"):
        pixelcnn.MaskedConv2d(1, 1, 4, "A")
    with pytest.raises(ValueError, match="unknown mask_type 'C'; valid: A, B"):
        pixelcnn.causal_mask(3, "C")
    with pytest.raises(ValueError, match=r"x must hold N >= 1 samples"):
        training.train_model(model, pixelcnn.prior_loss, torch.zeros(5, dtype=torch.long), FitConfig(steps=1, batch_size=1))


def test_rows_below_do_not_change_the_logits_above():
    """What `sample` relies on to skip the rows not drawn yet."""
    model = prior(grid_size=5)
    codes = torch.randint(0, 6, (3, 5, 5), generator=torch.Generator().manual_seed(3))
    full = model(codes)
    for i in range(5):
        assert torch.allclose(model._logits(codes[:, :i + 1]), full[:, :, :i + 1], atol=1e-6)


def test_shapes_gradients_reach_every_parameter_and_same_seed_same_prior():
    model = prior().train()
    codes = torch.randint(0, 6, (5, 4, 4), generator=torch.Generator().manual_seed(0))
    logits = model(codes)
    assert logits.shape == (5, 6, 4, 4)
    pixelcnn.prior_loss(model, codes).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    a, b, c = prior(0), prior(0), prior(1)
    with torch.no_grad():
        assert torch.equal(a(codes), b(codes)) and not torch.equal(a(codes), c(codes))


@pytest.mark.parametrize("name", ["tiny", "small", "full"])
def test_the_chapter_10_priors_have_no_blind_spot_and_no_leak(name):
    """Notebook 10 asserts both on the untrained prior of its preset: changing the code at position q moves
    every later position's logits and none at or before q. Here for all three presets' priors."""
    from gan_course import presets

    cfg = presets.get_preset("10_vqvae", name).prior
    runtime.seed_everything(0)
    model = PixelCNN(cfg).eval()
    g, n = cfg.grid_size, cfg.grid_size ** 2
    probe = torch.randint(0, cfg.codebook_size, (1, g, g), generator=torch.Generator().manual_seed(0))
    changed = probe.repeat(n, 1, 1).view(n, n)
    changed[torch.arange(n), torch.arange(n)] = (changed.diagonal() + 1) % cfg.codebook_size  # row q: code q changed
    with torch.no_grad():
        base = model(probe.repeat(n, 1, 1))  # the same batch size: the same kernels, bit for bit
        moved = (model(changed.view(n, g, g)) - base).abs().amax(1).view(n, n) > 0  # [q, position]
    later = torch.ones(n, n, dtype=torch.bool).triu(1)  # positions after q
    assert torch.equal(moved, later)
