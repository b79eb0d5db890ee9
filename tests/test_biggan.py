"""BigGAN (chapter 06): shapes, hierarchical latents with the shared embedding, spectral norm everywhere
but G's embedding, D's sum pooling and projection, the truncation trick, the hinge pair, orthogonal
regularisation in the shared loop, gradients, determinism, and clear errors for bad input."""
import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import _SpectralNorm

from gan_course import layers, losses, models, runtime, training, widgets
from gan_course.models import biggan, conditional
from gan_course.models.biggan import BigGANConfig, Discriminator, Generator, truncated_noise


def small(img_size=16, img_channels=1, **kw):
    kw = {"num_classes": 4, "z_dim": 12, "shared_dim": 6, "g_width": 16, "d_width": 16, "attention": 8, **kw}
    return BigGANConfig(img_size=img_size, img_channels=img_channels, **kw)


def build(seed=0, **kw):
    runtime.seed_everything(seed)
    cfg = small(**kw)
    return Generator(cfg), Discriminator(cfg)


LABELS = torch.tensor([0, 1, 2, 3, 1, 0])


# --- Shapes, layouts ------------------------------------------------------------------------------
SIZES = list(itertools.product(biggan.SUPPORTED_SIZES, biggan.SUPPORTED_CHANNELS))


@pytest.mark.parametrize("img_size,img_channels", SIZES)
def test_shapes_and_range(img_size, img_channels):
    z_dim = 3 * BigGANConfig(img_size=img_size, z_dim=math.prod(range(1, 6)) * 2).num_chunks  # divisible
    G, D = build(img_size=img_size, img_channels=img_channels, z_dim=z_dim, attention=16)
    x = G(torch.randn(6, z_dim), LABELS)
    assert x.shape == (6, img_channels, img_size, img_size) and x.abs().max() <= 1  # tanh
    assert D(x, LABELS).shape == (6,)
    assert G.z_dim == z_dim and G.num_classes == D.num_classes == 4 and training.is_conditional(G)


@pytest.mark.parametrize("img_size,blocks", [(16, 2), (32, 3), (64, 4)])
def test_layout_one_z_chunk_per_block_plus_one_and_widths_halving_with_the_side(img_size, blocks):
    cfg = small(img_size=img_size, z_dim=6 * (blocks + 1), attention=0)
    G, D = Generator(cfg), Discriminator(cfg)
    assert len(G.blocks) == blocks and cfg.num_chunks == blocks + 1 and cfg.chunk_size == 6
    sides, hooks = [], [b.register_forward_hook(lambda m, i, o: sides.append((o.shape[1], o.shape[-1])))
                        for b in [*G.blocks, *D.blocks]]
    D(G(torch.randn(2, cfg.z_dim), LABELS[:2]), LABELS[:2])
    for h in hooks:
        h.remove()
    g_sides = [4 * 2**(i + 1) for i in range(blocks)]
    d_sides = [max(8, img_size // 2**(i + 1)) for i in range(len(D.blocks))]
    assert sides == [(cfg.width(16, s), s) for s in g_sides] + [(cfg.width(16, s), s) for s in d_sides]
    assert d_sides[-2:] == [8, 8]  # D: down to 8x8, then two blocks at 8x8 (the authors' 32x32 D)
    assert [cfg.width(64, s) for s in (4, 8, 16, 32, 64)] == [64, 64, 32, 16, 8]


def test_registered_in_models():
    G, D = models.build("biggan", img_size=16, num_classes=3, z_dim=9, g_width=16, d_width=16, attention=8)
    assert isinstance(G, Generator) and isinstance(D, Discriminator)


# --- Hierarchical latents and the shared embedding ---------------------------------------------------
def test_each_block_gets_the_shared_embedding_and_its_own_z_chunk():
    G, _ = build()
    z = torch.randn(6, 12)
    seen = {}
    G.linear.register_forward_hook(lambda m, i, o: seen.__setitem__("linear", i[0]))  # a hook returning None
    for k, block in enumerate(G.blocks):
        for name in ("bn1", "bn2"):
            getattr(block, name).register_forward_hook(lambda m, i, o, k=k, n=name: seen.__setitem__((k, n), i[1]))
    G(z, LABELS)
    chunks = z.split(4, dim=1)                       # 12 = 3 chunks of 4: input layer, block 0, block 1
    assert torch.equal(seen["linear"], chunks[0])
    e = G.embed(LABELS)                              # ONE embedding table for every block
    for k in range(len(G.blocks)):
        expected = torch.cat([e, chunks[k + 1]], dim=1)  # c_k = [e(y), z_k]
        assert torch.equal(seen[(k, "bn1")], expected) and torch.equal(seen[(k, "bn2")], expected)
    assert isinstance(G.blocks[0].bn1, layers.ConditionalBatchNorm2d)
    assert [m for m in G.modules() if isinstance(m, nn.Embedding)] == [G.embed]  # no per-layer class tables


def test_a_z_chunk_reaches_the_image_and_the_class_changes_it():
    G, _ = build()
    G.eval()
    z = torch.randn(4, 12)
    with torch.no_grad():
        base = G(z, LABELS[:4])
        for k in range(3):  # changing any one chunk changes the image
            other = z.clone()
            other[:, 4 * k:4 * (k + 1)] += 1
            assert (G(other, LABELS[:4]) - base).abs().amax() > 1e-4
        assert (G(z, (LABELS[:4] + 1) % 4) - base).flatten(1).abs().amax(1).min() > 1e-4


def test_generate_from_the_embedding_equals_forward_and_class_blend_works():
    G, _ = build()
    G.eval()
    z = torch.randn(6, 12)
    with torch.no_grad():
        assert torch.equal(G.generate(z, G.embed(LABELS)), G(z, LABELS))
    a = training.sample(G, 3, z=z[:3], labels=torch.full((3,), 1))
    assert torch.allclose(widgets.class_blend(G, 1, 2, 0.0, z[:3]), a, atol=1e-6)  # chapter 02's blend, unchanged
    with pytest.raises(ValueError, match=r"class embedding c must be \[B, shared_dim\] = \[6, 6\]"):
        G.generate(z, torch.zeros(6, 5))


# --- Spectral norm, init, attention, D ------------------------------------------------------------------
def spectral(module):
    return (parametrize.is_parametrized(module, "weight")
            and isinstance(module.parametrizations.weight[0], _SpectralNorm))


def weighted(net):
    return [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding))]


def test_spectral_norm_everywhere_but_gs_shared_embedding():
    G, D = build()
    assert not spectral(G.embed) and not parametrize.is_parametrized(G.embed)
    assert all(spectral(m) for m in weighted(G) if m is not G.embed)
    assert all(spectral(m) for m in weighted(D)) and spectral(D.embed) and spectral(D.psi)
    G_sn, D_plain = build(d_spectral=False)
    assert not any(parametrize.is_parametrized(m) for m in D_plain.modules())  # the ablation's D
    assert all(spectral(m) for m in weighted(G_sn) if m is not G_sn.embed)    # G keeps it


def test_spectral_norm_keeps_every_weight_matrix_of_d_at_sigma_1():
    # sigma of each weight *as a matrix* (a conv's kernel reshaped to [c_out, c_in k^2]): not a bound on D's
    # Lipschitz constant. A 3x3 conv's operator norm can be up to 3x that sigma (test_ch0506_errata), and a
    # residual sum h + F(h) is bounded by 1 + Lip(F), not by 1.
    _, D = build()
    for _ in range(30):  # power iterations, one per forward in training mode
        D(torch.randn(4, 1, 16, 16), LABELS[:4])
    for m in weighted(D):
        w = m.weight.flatten(1) if not isinstance(m, nn.Embedding) else m.weight
        assert torch.linalg.matrix_norm(w, ord=2).item() == pytest.approx(1.0, abs=2e-2)


def test_orthogonal_init_of_convs_and_linears():
    G, D = build(d_spectral=False)
    for m in [G.linear, G.blocks[0].conv1, D.blocks[1].conv2, D.psi]:
        w = (m.parametrizations.weight.original if parametrize.is_parametrized(m) else m.weight).flatten(1)
        gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        assert torch.allclose(gram, torch.eye(len(gram)), atol=1e-5)
        assert m.bias is None or torch.all(m.bias == 0)


def test_self_attention_after_the_block_at_its_side_starting_as_the_identity():
    G, D = build(img_size=32, z_dim=16, attention=16)
    assert G.attention_after == 1 and D.attention_after == 0      # G: 8 -> [16] -> 32; D: 32 -> [16] -> 8 ...
    assert G.attention.gamma.item() == 0 and D.attention.gamma.item() == 0
    seen = []
    G.attention.register_forward_hook(lambda m, i, o: seen.append(i[0].shape[-1]))
    D.attention.register_forward_hook(lambda m, i, o: seen.append(i[0].shape[-1]))
    D(G(torch.randn(2, 16), LABELS[:2]), LABELS[:2])
    assert seen == [16, 16]
    G_none, D_none = build(attention=0)
    assert G_none.attention is None and D_none.attention is None


def test_d_is_sum_pooling_then_chapter_02s_projection():
    assert biggan.projection_logits is conditional.projection_logits  # imported, not copied
    _, D = build()
    D.eval()
    x = torch.randn(6, 1, 16, 16)
    h = x
    for i, block in enumerate(D.blocks):
        h = block(h)
        if i == D.attention_after:
            h = D.attention(h)
    phi = F.relu(h).sum(dim=(2, 3))                                              # sum, not mean
    by_hand = phi @ D.psi.weight[0] + D.psi.bias[0] + (D.embed.weight[LABELS] * phi).sum(1)
    assert torch.allclose(D(x, LABELS), by_hand, atol=1e-5)


# --- Gradients, determinism -----------------------------------------------------------------------------
def test_gradients_reach_every_parameter_of_g_and_d():
    G, D = build()
    for att in (G.attention, D.attention):
        nn.init.constant_(att.gamma, 0.5)  # at gamma = 0 q, k, v, o get no gradient (by design)
    D(G(torch.randn(6, 12), LABELS), LABELS).sum().backward()
    named = [*(("G." + n, p) for n, p in G.named_parameters()), *(("D." + n, p) for n, p in D.named_parameters())]
    for name, p in named:
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    used = G.embed.weight.grad.abs().sum(1) > 0
    assert used.tolist() == [True, True, True, True]


def test_ds_loss_on_a_detached_fake_leaves_g_alone_and_only_used_classes_move():
    G, D = build()
    labels = torch.tensor([0, 0, 2, 2])
    fake = G(torch.randn(4, 12), labels)
    D(fake.detach(), labels).sum().backward()
    assert all(p.grad is None for p in G.parameters())
    fake2 = G(torch.randn(4, 12), labels)
    D(fake2, labels).sum().backward()
    assert G.embed.weight.grad[[1, 3]].abs().sum() == 0 and G.embed.weight.grad[[0, 2]].abs().sum() > 0


def test_determinism():
    G1, D1 = build(seed=3)
    G2, D2 = build(seed=3)
    z = torch.randn(6, 12)
    assert torch.equal(G1(z, LABELS), G2(z, LABELS))
    assert torch.equal(D1(G1(z, LABELS), LABELS), D2(G2(z, LABELS), LABELS))
    G1.eval()
    assert torch.equal(training.sample(G1, 6, labels=LABELS, seed=1), training.sample(G1, 6, labels=LABELS, seed=1))


# --- The truncation trick ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [0.1, 0.5, 1.0, 2.0])
def test_truncated_noise_lies_in_the_interval_and_is_a_truncated_normal(t):
    from scipy import stats

    z = truncated_noise(2000, 10, t, seed=0)
    assert z.shape == (2000, 10) and z.abs().max() <= t
    # the values are N(0, 1) conditioned on |z| <= t: a Kolmogorov-Smirnov test against scipy's truncnorm
    assert stats.kstest(z.flatten().numpy(), stats.truncnorm(-t, t).cdf).pvalue > 1e-3
    # and not z scaled (a scaled normal is another distribution, which the same test rejects)
    assert stats.kstest((torch.randn(20000) * t / 3).numpy(), stats.truncnorm(-t, t).cdf).pvalue < 1e-6
    assert abs(z.mean()) < 0.02 * t + 0.01 and z.std().item() == pytest.approx(stats.truncnorm(-t, t).std(), rel=0.05)


def test_truncated_noise_seeded_and_untouched_where_nothing_is_outside():
    assert torch.equal(truncated_noise(5, 4, 0.5, seed=1), truncated_noise(5, 4, 0.5, seed=1))
    assert not torch.equal(truncated_noise(5, 4, 0.5, seed=1), truncated_noise(5, 4, 0.5, seed=2))
    plain = torch.randn(5, 4, generator=torch.Generator().manual_seed(7))
    assert torch.equal(truncated_noise(5, 4, 100.0, seed=7), plain)  # a huge threshold redraws nothing
    kept = plain.abs() <= 1.0
    assert torch.equal(truncated_noise(5, 4, 1.0, seed=7)[kept], plain[kept])  # only values outside are redrawn
    assert truncated_noise(0, 4, 1.0).shape == (0, 4)


@pytest.mark.parametrize("bad", [0, -1.0, 0.0, float("nan"), float("inf"), True, "1"])
def test_truncated_noise_threshold_must_be_positive(bad):
    with pytest.raises(ValueError, match="threshold must be a finite number > 0"):
        truncated_noise(4, 8, bad)


# --- Losses and regularisers in the shared loop -------------------------------------------------------------------
def test_hinge_pair_by_hand():
    hinge = losses.get_loss("hinge")
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-3.0, 0.0, 0.5])
    # D: mean(relu(1 - real)) + mean(relu(1 + fake)) = (0 + 0.5 + 2) / 3 + (0 + 1 + 1.5) / 3
    assert hinge.d_loss(real, fake).item() == pytest.approx(5.0 / 3)
    assert hinge.g_loss(fake).item() == pytest.approx(2.5 / 3)       # G: -mean(D(G(z)))
    r, f = real.clone().requires_grad_(True), fake.clone().requires_grad_(True)
    hinge.d_loss(r, f).backward()
    assert r.grad.tolist() == pytest.approx([0.0, -1 / 3, -1 / 3])   # past the margin (D(x) > 1): no push
    assert f.grad.tolist() == pytest.approx([0.0, 1 / 3, 1 / 3])     # D(G(z)) < -1: no push


def test_orthogonal_penalty_of_g_skips_the_shared_embedding():
    G, _ = build()
    by_hand = 0.0
    for name, p in G.named_parameters():
        if p.dim() >= 2 and not name.startswith("embed"):
            w = p.flatten(1)
            by_hand += ((w @ w.T) * (1 - torch.eye(len(w)))).square().sum().item()
    assert losses.orthogonal_penalty(G, 1e-4).item() == pytest.approx(1e-4 * by_hand, rel=1e-4)


def test_training_through_the_shared_loop_with_biggans_recipe():
    G, D = build()
    x, y = torch.rand(32, 1, 16, 16) * 2 - 1, torch.randint(4, (32,))
    cfg = training.TrainConfig(steps=3, batch_size=8, loss="hinge", n_critic=2, betas=(0.0, 0.999), ortho_beta=1e-4,
                               ema_decay=0.9, n_snapshot=4)
    run = training.train_gan(G, D, x, cfg, y=y)
    assert len(run.history["d_loss"]) == 3 and all(math.isfinite(v) for v in run.history["g_loss"])
    # G_ema carries G's BN running statistics; its spectral norm's power-iteration vectors u, v are its own (they
    # must estimate sigma of G_ema's averaged weights, not of G's: ERRATA 26, tests/test_infra_training.py)
    for (name, b_ema), (_, b) in zip(run.G_ema.named_buffers(), run.G.named_buffers()):
        if not name.endswith(("_u", "_v")):
            assert torch.equal(b_ema, b), name
    assert any("_u" in name for name, _ in run.G_ema.named_buffers())
    assert not run.G_ema.training
    assert torch.equal(training.sample(run.G_ema, 4, seed=0), training.sample(run.G_ema, 4, seed=0))


def test_the_first_steps_of_a_longer_run_are_a_shorter_run():
    """The notebook's ablation reads its SN arm off the main run's first steps: that must be exact."""
    x, y = torch.rand(48, 1, 16, 16) * 2 - 1, torch.randint(4, (48,))

    def run(steps):
        G, D = build(seed=3)
        cfg = training.TrainConfig(steps=steps, batch_size=8, loss="hinge", n_critic=2, betas=(0.0, 0.999),
                                   ortho_beta=1e-4, ema_decay=0.9)
        fid_like = training.metric_callback(2, "fake_mean", lambda r: training.sample(r.G_ema, 4, seed=1).mean())
        return training.train_gan(G, D, x, cfg, y=y, callbacks=[fid_like])

    short, long = run(4), run(7)
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert short.history[key] == long.history[key][:4], key
    step_and_value = lambda rows: [(step, value) for step, _, value in rows if step <= 4]   # seconds differ
    assert step_and_value(short.history.metrics["fake_mean"]) == step_and_value(long.history.metrics["fake_mean"])
    assert len(step_and_value(short.history.metrics["fake_mean"])) == 2


# --- Bad input ----------------------------------------------------------------------------------------------------
def test_z_dim_must_split_into_chunks():
    with pytest.raises(ValueError, match=r"z_dim=10 must split into 3 equal chunks .* multiple of 3, e.g. 9"):
        small(z_dim=10)
    with pytest.raises(ValueError, match=r"z_dim=130 must split into 4 equal chunks"):
        BigGANConfig(img_size=32, z_dim=130)


def test_labels_out_of_range_and_wrong_inputs():
    G, D = build()
    with pytest.raises(ValueError, match=r"num_classes=4: labels must lie in \[0, 3\], got values from 0 to 4"):
        G(torch.randn(2, 12), torch.tensor([0, 4]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\]"):
        D(torch.zeros(2, 1, 16, 16), torch.tensor([-1, 2]))
    with pytest.raises(ValueError, match="integer tensor"):
        G(torch.randn(2, 12), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"z of shape \[B, 12\], got \[2, 8\]"):
        G(torch.randn(2, 8), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"images of shape \[B, 1, 16, 16\], got \[2, 1, 32, 32\]"):
        D(torch.zeros(2, 1, 32, 32), torch.tensor([0, 1]))


@pytest.mark.parametrize("kw,message", [
    ({"img_size": 28}, r"img_size in \(16, 32, 64\)"),
    ({"img_channels": 2}, r"img_channels in \(1, 3\)"),
    ({"num_classes": 1}, "num_classes must be an int >= 2"),
    ({"attention": 12}, r"attention must be 0 \(none\) or the side of one of G's block outputs \(8, 16\)"),
    ({"attention": 16.0}, "attention .* must be an int"),
    ({"attention": 16, "g_width": 8}, "g_width=8 leaves 4 channels at 16x16"),
    ({"d_spectral": 1}, "d_spectral must be True or False"),
    ({"shared_dim": 0}, "shared_dim must be an int >= 1"),
])
def test_bad_configs_are_clear_errors(kw, message):
    with pytest.raises(ValueError, match=message):
        small(**kw)


@pytest.mark.parametrize("name", ["tiny", "small", "full"])
def test_chapter_06_presets_build_and_run_one_batch(name):
    from gan_course import presets

    P = presets.get_preset("06_biggan", name)
    G, D = models.build("biggan", **vars(P.model))
    labels = torch.tensor([0, 1])
    x = G(torch.randn(2, P.model.z_dim), labels)
    assert x.shape == (2, 1, P.model.img_size, P.model.img_size) and D(x, labels).shape == (2,)
    t = P.train
    assert t.loss == "hinge" and t.n_critic == 2 and t.betas[0] == 0.0 and t.ema_decay > 0  # BigGAN's recipe
    # The EMA's horizon: G_ema = the EMA start's weights * decay^n + G's recent weights, after n averaged steps.
    # decay^n <= 5 % (n * (1 - decay) >~ 3) leaves little of the start in G_ema at the end (ERRATA 22: 0.9999 over
    # 20,000 steps from step 0 leaves 13.5 %). An EMA start (TrainConfig.ema_start) shortens n.
    averaged = t.steps - getattr(t, "ema_start", 0)
    assert t.ema_decay ** averaged <= 0.05, f"{name}: G_ema still holds {t.ema_decay ** averaged:.0%} of its start"
    assert P.thresholds[0] == 0.1 and P.thresholds[-1] == 2.0 and list(P.thresholds) == sorted(P.thresholds)
    assert P.ablation_steps <= t.steps and P.ablation_steps % P.fid_every == 0   # the ablation reads the main run
    assert P.standing_batches >= 1 and P.standing_batch_size >= 2


def test_chapter_06_preset_refuses_an_ablation_it_cannot_read_off_the_main_run():
    import dataclasses

    from gan_course import presets

    P = presets.get_preset("06_biggan", "tiny")
    for bad in ({"ablation_steps": P.train.steps + 1}, {"fid_every": P.ablation_steps + 1}):
        with pytest.raises(ValueError, match="ablation_steps"):
            dataclasses.replace(P, **bad)


# --- Standing statistics ------------------------------------------------------------------------
def _trained_a_little(seed=0):
    """A G whose BN running statistics are those of training batches (not of its current weights)."""
    G, _ = build(seed)
    G.train()
    with torch.no_grad():
        for _ in range(3):
            G(torch.randn(8, G.z_dim), torch.randint(4, (8,)))
            for p in G.parameters():
                p.add_(0.05 * torch.randn_like(p))
    return G


def _spectral_buffers(G):
    return {k: v.clone() for k, v in G.state_dict().items() if k.endswith("_u") or k.endswith("_v")}


@pytest.mark.parametrize("threshold", [None, 0.5])
def test_standing_stats_are_the_mean_of_the_batch_statistics_it_saw(threshold):
    G = _trained_a_little()
    seen = {}                                       # BN -> list of its input batches

    def record(m, inp, out):
        seen.setdefault(m, []).append(inp[0].detach().clone())

    hooks = [m.register_forward_hook(record) for m in G.modules() if isinstance(m, nn.BatchNorm2d)]
    spectral, momenta = _spectral_buffers(G), [m.momentum for m in G.modules() if isinstance(m, nn.BatchNorm2d)]
    biggan.standing_stats(G, n_batches=3, batch_size=10, threshold=threshold, seed=1)
    for h in hooks:
        h.remove()
    assert len(seen) == 2 * len(G.blocks) + 1 and all(len(batches) == 3 for batches in seen.values())
    for m, batches in seen.items():
        means = torch.stack([b.mean(dim=(0, 2, 3)) for b in batches])
        variances = torch.stack([b.transpose(0, 1).flatten(1).var(dim=1) for b in batches])  # unbiased, as BN keeps
        assert torch.allclose(m.running_mean, means.mean(0), atol=1e-5)
        assert torch.allclose(m.running_var, variances.mean(0), rtol=1e-4, atol=1e-5)
        assert m.num_batches_tracked.item() == 3
    assert not G.training and not any(m.training for m in G.modules())
    assert [m.momentum for m in G.modules() if isinstance(m, nn.BatchNorm2d)] == momenta   # put back
    assert all(torch.equal(v, _spectral_buffers(G)[k]) for k, v in spectral.items())      # SN's u, v untouched


def test_standing_stats_change_eval_outputs_and_are_deterministic():
    z, y = torch.randn(6, 12), LABELS
    G = _trained_a_little()
    before = training.sample(G, 6, z=z, labels=y)
    a = training.sample(biggan.standing_stats(G, n_batches=4, batch_size=16, seed=3), 6, z=z, labels=y)
    assert not torch.allclose(before, a, atol=1e-3)
    b = training.sample(biggan.standing_stats(_trained_a_little(), n_batches=4, batch_size=16, seed=3), 6, z=z, labels=y)
    assert torch.equal(a, b)                        # same seed: same statistics, same samples
    c = training.sample(biggan.standing_stats(G, n_batches=4, batch_size=16, seed=4), 6, z=z, labels=y)
    assert not torch.equal(a, c)
    params = {k: p.clone() for k, p in G.named_parameters()}
    biggan.standing_stats(G, n_batches=2, batch_size=8, threshold=0.3)
    assert all(torch.equal(p, params[k]) for k, p in G.named_parameters())   # the weights stay


def test_standing_stats_of_a_truncated_z_follow_its_smaller_spread():
    G, _ = build()       # the first BN normalises the 4x4 map made from z_0 alone: a linear map of z_0 (zero bias)
    wide = biggan.standing_stats(G, n_batches=4, batch_size=32, seed=0).blocks[0].bn1.bn.running_var.clone()
    narrow = biggan.standing_stats(G, n_batches=4, batch_size=32, threshold=0.2, seed=0).blocks[0].bn1.bn.running_var
    ratio = (narrow / wide).mean().item()
    truncated_var = 1 - 2 * 0.2 * math.exp(-0.02) / math.sqrt(2 * math.pi) / math.erf(0.2 / math.sqrt(2))
    assert ratio == pytest.approx(truncated_var, rel=0.3)    # Var(z_i | |z_i| <= 0.2) ~ 0.0133 of N(0, 1)'s


@pytest.mark.parametrize("kw,message", [({"n_batches": 0}, "n_batches"), ({"batch_size": 1}, "two or more"),
                                        ({"threshold": 0.0}, "threshold")])
def test_standing_stats_bad_input(kw, message):
    G, _ = build()
    with pytest.raises(ValueError, match=message):
        biggan.standing_stats(G, **kw)
    with pytest.raises(ValueError, match="no batch-norm"):
        biggan.standing_stats(nn.Linear(2, 2))
