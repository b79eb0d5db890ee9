"""Chapters 05 (ProGAN) and 06 (BigGAN): the fixes of ERRATA items 19-29, 47 and 48, each shown by a test.

Every test here fails on the code before its fix (commit b443c04) unless it says that it pins a corrected
comment or docstring (a statement that was false in prose, true in code)."""
import math
import time

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_course import layers, losses, models, presets, runtime, training
from gan_course.models import biggan, progan
from gan_course.training import TrainConfig


def progan_nets(seed=0, img_size=16, **kw):
    runtime.seed_everything(seed)
    return models.build("progan", **{"img_size": img_size, "z_dim": 8, "fmap_base": 128, "fmap_max": 16, **kw})


def biggan_nets(seed=0, **kw):
    runtime.seed_everything(seed)
    kw = {"img_size": 16, "num_classes": 4, "z_dim": 12, "shared_dim": 6, "g_width": 16, "d_width": 16,
          "attention": 8, **kw}
    return models.build("biggan", **kw)


# --- ERRATA 19: the channel widths against the authors' nf() ------------------------------------------------
def test_progan_widths_are_half_the_authors_nf_so_the_papers_widths_need_fmap_base_16384():
    """Pins the corrected comment of ProGANConfig.fmap_base: the authors' width at resolution r is
    nf(log2 r - 1) = min(fmap_max, fmap_base / 2^(log2 r - 1)) = min(fmap_max, 2 fmap_base / r)."""
    def authors_nf(stage, fmap_base=8192, fmap_max=512):   # networks.py, G_paper / D_paper
        return min(int(fmap_base / (2.0 ** stage)), fmap_max)

    cfg = progan.ProGANConfig(img_size=1024, fmap_base=16384, fmap_max=512)
    paper = {4: 512, 8: 512, 16: 512, 32: 512, 64: 256, 128: 128, 256: 64, 512: 32, 1024: 16}  # the paper's table 2
    assert {r: cfg.channels(r) for r in cfg.resolutions} == paper
    assert all(cfg.channels(r) == authors_nf(int(math.log2(r)) - 1) for r in cfg.resolutions)
    assert progan.ProGANConfig(img_size=1024, fmap_base=8192, fmap_max=512).channels(64) == 128  # not the paper's


# --- ERRATA 20: G's first dense layer has one bias per channel -----------------------------------------------
def test_progan_first_dense_layer_has_one_bias_per_channel_as_the_authors_apply_bias():
    G, _ = progan_nets()
    first = G.blocks[0]
    channels = G.cfg.channels(4)
    assert first.dense.bias is None and first.bias.shape == (channels,)
    z = torch.randn(3, 8)
    seen = []
    hook = first.conv.register_forward_hook(lambda m, i, o: seen.append(i[0]))
    with torch.no_grad():
        first.bias.copy_(torch.arange(channels, dtype=torch.float32))
        first(z)
    hook.remove()
    dense = first.dense(layers.pixel_norm(z)).view(3, channels, 4, 4)
    per_channel = torch.arange(channels, dtype=torch.float32).view(1, -1, 1, 1)   # constant over the 4x4 pixels
    expected = layers.pixel_norm(F.leaky_relu(dense + per_channel, 0.2))
    assert torch.allclose(seen[0], expected, atol=1e-6)


# --- ERRATA 23: CBN's gamma(c) at initialisation --------------------------------------------------------------
@pytest.mark.parametrize("preset", ["tiny", "small", "full"])
def test_cbn_gain_at_initialisation_is_one_plus_a_standard_normal_not_close_to_one(preset):
    """With orthonormal rows (item 25) and c = [e(y), z_l] ~ N(0, I), every gamma_k(c) is N(0, 1):
    1 + gamma is negative for P(N(0, 1) < -1) = 15.9 % of the gains. Not "small"."""
    P = presets.get_preset("06_biggan", preset)
    runtime.seed_everything(0)
    G, _ = models.build("biggan", **vars(P.model))
    z, y = torch.randn(512, P.model.z_dim), torch.randint(P.model.num_classes, (512,))
    _, conditions = biggan.hierarchical_inputs(z, G.embed(y), P.model.num_chunks)
    with torch.no_grad():
        gammas = torch.cat([block.bn1.gain(c).flatten() for block, c in zip(G.blocks, conditions)])
    assert 0.85 < gammas.std().item() < 1.15
    assert 0.10 < (1 + gammas < 0).float().mean().item() < 0.22


# --- ERRATA 24: a conv's operator norm is not its reshaped kernel's sigma ---------------------------------------
def conv_operator_norm(weight, side, iterations=200):
    """||conv||_2 on side x side maps (padding 1), by power iteration started where it already reaches the
    reshaped kernel's sigma (a single output pixel in the middle, in the top left singular direction)."""
    u = torch.linalg.svd(weight.flatten(1))[0][:, 0]
    y = torch.zeros(1, weight.shape[0], side, side)
    y[0, :, side // 2, side // 2] = u
    x = F.conv_transpose2d(y, weight, padding=1)
    for _ in range(iterations):
        x = F.normalize(x.flatten(), dim=0).view_as(x)
        x = F.conv_transpose2d(F.conv2d(x, weight, padding=1), weight, padding=1)
    x = F.normalize(x.flatten(), dim=0).view_as(x)
    return F.conv2d(x, weight, padding=1).norm().item()


def test_spectral_norm_of_a_reshaped_kernel_does_not_bound_the_convolution():
    _, D = biggan_nets()
    for _ in range(20):
        D(torch.rand(4, 1, 16, 16) * 2 - 1, torch.tensor([0, 1, 2, 3]))
    D.eval()
    with torch.no_grad():
        norms = []
        for block in D.blocks:
            for conv in (block.conv1, block.conv2):
                w = conv.weight                                   # normalised: reshaped sigma ~ 1
                assert torch.linalg.matrix_norm(w.flatten(1), ord=2).item() == pytest.approx(1, abs=0.03)
                norms.append(conv_operator_norm(w, 8))
    assert min(norms) >= 0.97               # at least the reshaped sigma (a middle pixel sees every kernel tap)
    assert max(norms) > 1.3                 # and more: the layer is not 1-Lipschitz
    assert max(norms) <= 3 * 1.03           # at most k = 3 times it


# --- ERRATA 25: orthogonal initialisation of every tensor the authors initialise so -------------------------------
def raw_weight(m):
    return m.parametrizations.weight.original if hasattr(m, "parametrizations") else m.weight


def orthogonal(w):
    w = w.detach().flatten(1)
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    return torch.allclose(gram, torch.eye(len(gram)), atol=1e-5)


@pytest.mark.parametrize("d_spectral", [True, False])
def test_every_conv_linear_and_embedding_is_orthogonal_at_init_but_gs_shared_embedding(d_spectral):
    """BigGAN.py init_weights: orthogonal_ on every nn.Conv2d, nn.Linear and nn.Embedding of G and D, which
    includes CBN's gain and bias maps and the attention convs. The course keeps G.embed ~ N(0, I) (stated)."""
    G, D = biggan_nets(d_spectral=d_spectral)
    for net in (G, D):
        for name, m in net.named_modules():
            if isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding)) and m is not G.embed:
                assert orthogonal(raw_weight(m)), name
    cbn_and_attention = [G.blocks[0].bn1.gain, G.blocks[0].bn1.bias, G.attention.q, G.attention.o, D.attention.v]
    assert all(orthogonal(raw_weight(m)) for m in cbn_and_attention)
    assert not orthogonal(G.embed.weight)   # the stated deviation


# --- ERRATA 27: the orthogonal penalty is the paper's eq. 3, twice the authors' code's strength ---------------
def test_orthogonal_penalty_gradient_is_twice_the_authors_code():
    torch.manual_seed(0)
    lin = nn.Linear(6, 4, bias=False)
    beta = 1e-4
    losses.orthogonal_penalty(lin, beta).backward()
    w = lin.weight.detach()
    off = (w @ w.T) * (1 - torch.eye(4))
    authors = 2 * beta * off @ w            # BigGAN-PyTorch utils.ortho: param.grad += strength * 2 (W W^T * (1-I)) W
    assert torch.allclose(lin.weight.grad, 2 * authors, atol=1e-10)


# --- ERRATA 47, 48: bad input ------------------------------------------------------------------------------------
def test_truncated_noise_refuses_a_threshold_too_small_to_sample_and_is_fast_at_the_smallest_valid_one():
    with pytest.raises(ValueError, match=r"threshold must be >= 0.001, got 1e-12.*draws"):
        biggan.truncated_noise(4, 8, 1e-12)
    start = time.perf_counter()
    z = biggan.truncated_noise(4, 8, biggan.MIN_THRESHOLD, seed=0)
    assert z.abs().max() <= biggan.MIN_THRESHOLD and time.perf_counter() - start < 30  # ~0.2 s on one idle core


def test_truncated_noise_keeps_its_random_stream():
    """Redrawing only the values still outside gives the same numbers as the notebook's z[outside] = randn(...)."""
    def by_mask(n, z_dim, t, seed):
        gen = torch.Generator().manual_seed(seed)
        z = torch.randn(n, z_dim, generator=gen)
        while (z.abs() > t).any():
            outside = z.abs() > t
            z[outside] = torch.randn(int(outside.sum()), generator=gen)
        return z

    for t in (0.1, 0.5, 2.0):
        assert torch.equal(biggan.truncated_noise(50, 8, t, seed=3), by_mask(50, 8, t, 3))


def test_progan_generator_refuses_nan_float64_and_empty_z():
    G, _ = progan_nets()
    with pytest.raises(ValueError, match=r"ProGAN Generator's z got NaN or inf values; it expects finite"):
        G(torch.full((2, 8), float("nan")))
    with pytest.raises(TypeError, match=r"torch.float64 tensor but its weights are torch.float32"):
        G(torch.randn(2, 8, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"empty batch \(shape \[0, 8\]\)"):
        G(torch.empty(0, 8))


def test_progan_discriminator_refuses_0_255_images_nan_float64_uint8_and_empty_batches():
    G, D = progan_nets()
    images = torch.rand(4, 1, 16, 16) * 255
    with pytest.raises(ValueError, match=r"values in \[.*\]; it expects images in \[-1, 1\].*127.5"):
        D(images)
    with pytest.raises(ValueError, match=r"NaN or inf values; it expects images in \[-1, 1\]"):
        D(torch.full((4, 1, 16, 16), float("nan")))
    with pytest.raises(TypeError, match=r"torch.float64 tensor but its weights are torch.float32"):
        D(torch.rand(4, 1, 16, 16, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"torch.uint8 tensor.*127.5"):
        D(images.to(torch.uint8))
    with pytest.raises(ValueError, match="empty batch"):
        D(torch.empty(0, 1, 16, 16))
    assert D(G(torch.randn(4, 8))).shape == (4,)          # G's raw, unclamped output passes
    assert D(torch.rand(4, 1, 16, 16) * 2 - 1).shape == (4,)


def test_biggan_refuses_float64_and_empty_batches():
    G, D = biggan_nets()
    labels = torch.tensor([0, 1])
    with pytest.raises(TypeError, match=r"BigGAN Discriminator got a torch.float64 tensor"):
        D(torch.rand(2, 1, 16, 16, dtype=torch.float64), labels)
    with pytest.raises(ValueError, match="BigGAN Discriminator got an empty batch"):
        D(torch.empty(0, 1, 16, 16), labels[:0])
    with pytest.raises(TypeError, match=r"BigGAN Generator's z got a torch.float64 tensor"):
        G(torch.randn(2, 12, dtype=torch.float64), labels)
    with pytest.raises(ValueError, match="BigGAN Generator's z got an empty batch"):
        G(torch.empty(0, 12), labels[:0])
    with pytest.raises(ValueError, match=r"batch norm.*2 or more samples.*G.eval\(\)"):
        G.train()(torch.randn(1, 12), labels[:1])
    assert G.eval()(torch.randn(1, 12), labels[:1]).shape == (1, 1, 16, 16)


@pytest.mark.parametrize("group_size", [0, -1, 2.5])
def test_minibatch_stddev_refuses_a_group_size_below_one(group_size):
    with pytest.raises(ValueError, match=r"group_size .* must be an int >= 1"):
        layers.minibatch_stddev(torch.randn(4, 2, 4, 4), group_size)


def test_minibatch_stddev_refuses_an_empty_batch():
    with pytest.raises(ValueError, match=r"non-empty batch"):
        layers.minibatch_stddev(torch.empty(0, 2, 4, 4), 4)


def test_fade_images_refuses_an_odd_side():
    with pytest.raises(ValueError, match=r"even H and W.*\[2, 1, 7, 7\]"):
        progan.fade_images(torch.rand(2, 1, 7, 7), 0.5)
    with pytest.raises(ValueError, match=r"fade_in blends old \[B, C, H, W\] with new \[B, C, 2H, 2W\]"):
        progan.fade_in(torch.rand(2, 1, 4, 4), torch.rand(2, 1, 6, 6), 0.5)


def test_growth_callback_on_a_non_progan_run_says_so():
    G, D = models.build("dcgan", img_size=16, z_dim=8)
    schedule = progan.GrowthSchedule(stabilise_steps=2, fade_steps=2, n_stages=3)
    with pytest.raises(ValueError, match=r"growth_callback drives ProGAN's growing networks.*this run's G is a Generator"):
        training.train_gan(G, D, torch.rand(16, 1, 16, 16) * 2 - 1, TrainConfig(steps=1, batch_size=4),
                           before_step=[progan.growth_callback(schedule)], progress=False)


# --- Widgets: out-of-range values are errors, not silent clamps ----------------------------------------------------
def test_alpha_slider_refuses_out_of_range_seed_and_bad_n_samples():
    from gan_course.widgets import progan as progan_widgets

    G, _ = progan_nets()
    assert progan_widgets.alpha_slider(G, seed=5000, n_samples=2).controls["seed"].value == 5000  # shown, not clamped
    with pytest.raises(ValueError, match=r"seed must be an int >= 0"):
        progan_widgets.alpha_slider(G, seed=-1)
    for bad in (0, -3):
        with pytest.raises(ValueError, match=rf"n_samples must be an int >= 1.*got {bad}"):
            progan_widgets.alpha_slider(G, n_samples=bad)
    view = progan_widgets.alpha_slider(G, seed=999, n_samples=2)
    assert view.controls["seed"].value == 999


def test_truncation_explorer_refuses_what_it_would_clamp_and_bad_counts():
    from gan_course.widgets import biggan as biggan_widgets

    G, _ = biggan_nets()
    G.eval()
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0.05, 2.0\]"):
        biggan_widgets.truncation_explorer(G, threshold=2.5)
    with pytest.raises(ValueError, match=r"seed \(the noise seed\) must be an int <= 2147483647"):
        biggan_widgets.truncation_explorer(G, seed=2**31)
    for bad in (0, -1):
        with pytest.raises(ValueError, match=r"n_samples must be an int >= 1"):
            biggan_widgets.truncation_explorer(G, n_samples=bad)
    with pytest.raises(ValueError, match=r"nrow must be an int >= 1"):
        biggan_widgets.truncation_explorer(G, nrow=0)
