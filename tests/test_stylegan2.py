"""StyleGAN2 (chapter 08): shapes and chapter 07's generator protocol, modulated/demodulated layers (toRGB not
demodulated), the skip generator's image as a sum of toRGB outputs, the residual D, gradients, determinism,
lazy regularisation through the shared loop, projection into W and W+, the peak-to-mean statistic, and clear
errors for bad input."""
import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from gan_course import layers, metrics, models, projection, runtime, training
from gan_course.models import stylegan, stylegan2
from gan_course.models.stylegan2 import Discriminator, Generator, StyleGAN2Config
from gan_course.training import TrainConfig


def small(img_size=16, img_channels=1, **kw):
    return StyleGAN2Config(**{"img_size": img_size, "img_channels": img_channels, "z_dim": 8, "w_dim": 8,
                              "mapping_layers": 2, "fmap_base": 128, "fmap_max": 16, **kw})


def build(seed=0, **kw):
    runtime.seed_everything(seed)
    cfg = small(**kw)
    return Generator(cfg), Discriminator(cfg)


# --- Shapes and the protocol ---------------------------------------------------------------------------------
@pytest.mark.parametrize("img_size,img_channels", list(itertools.product((8, 16, 32), (1, 3))))
def test_shapes_and_the_style_generator_protocol(img_size, img_channels):
    G, D = build(img_size=img_size, img_channels=img_channels)
    n_res = {8: 2, 16: 3, 32: 4}[img_size]
    assert G.num_ws == 2 * n_res - 1 == len(G.synthesis.noise_sizes)      # one style and one noise per conv
    assert G.synthesis.noise_sizes == (4,) + tuple(4 * 2**k for k in range(1, n_res) for _ in range(2))
    z = torch.randn(4, 8)
    ws = stylegan.broadcast(G.mapping(z), G.num_ws)
    x = G.synthesis(ws)
    assert x.shape == (4, img_channels, img_size, img_size) == G(z).shape
    assert D(x).shape == (4,)
    assert G.w_avg is G.mapping.w_avg and isinstance(G.mapping, stylegan.MappingNetwork)  # chapter 07's
    noise = stylegan.noise_inputs(G.synthesis.noise_sizes, 1, seed=0)
    assert G.synthesis(ws, noise=noise).shape == x.shape
    assert stylegan2.modulated_layer_shapes(G.cfg) == [(l.conv.weight.shape[1], l.conv.weight.shape[0], s) for l, s in
                                                       zip([m for m in G.synthesis.modules()
                                                            if isinstance(m, stylegan2.SynthesisLayer)],
                                                           G.synthesis.noise_sizes)]


def test_registered_in_models():
    G, D = models.build("stylegan2", img_size=8, z_dim=4, w_dim=4, fmap_base=64, fmap_max=8)
    assert isinstance(G, Generator) and isinstance(D, Discriminator)


# --- The layers ---------------------------------------------------------------------------------------------------
def test_every_conv_is_modulated_and_demodulated_but_to_rgb_is_not():
    G, _ = build()
    convs = [m for m in G.synthesis.modules() if isinstance(m, layers.ModulatedConv2d)]
    to_rgb = [b.to_rgb.conv for b in G.synthesis.blocks]
    assert len(convs) == G.num_ws + len(G.synthesis.blocks)
    assert all(c.demodulate == (c not in to_rgb) for c in convs)
    assert all(c.weight.shape[-1] == 1 for c in to_rgb)
    w = torch.randn(3, 8)
    for c in convs:                                                       # the style affine's bias starts at 1
        assert torch.allclose(c.affine.bias * c.affine.lr_mul, torch.ones_like(c.affine.bias))
    no_noise = [m.noise.weight for m in G.synthesis.modules() if isinstance(m, stylegan2.SynthesisLayer)]
    assert all(torch.equal(n, torch.zeros_like(n)) for n in no_noise)      # noise starts switched off
    assert torch.equal(G.synthesis(stylegan.broadcast(w, G.num_ws)), G.synthesis(stylegan.broadcast(w, G.num_ws)))


def test_synthesis_layer_formula():
    torch.manual_seed(0)
    layer = stylegan2.SynthesisLayer(4, 3, 5)
    with torch.no_grad():
        layer.bias.normal_()
        layer.noise.weight.normal_()
    x, w, noise = torch.randn(2, 4, 6, 6), torch.randn(2, 5), torch.randn(2, 1, 6, 6)
    s = layer.conv.affine(w)
    by_hand = layers.modulated_conv2d_grouped(x, layer.conv.weight * layer.conv.scale, s, demodulate=True, padding=1)
    by_hand = by_hand + layer.noise.weight * noise + layer.bias.view(1, -1, 1, 1)
    by_hand = F.leaky_relu(by_hand, 0.2) * math.sqrt(2)
    assert torch.allclose(layer(x, w, noise), by_hand, atol=1e-5)


def test_skip_generator_image_is_the_sum_of_upsampled_to_rgb_outputs():
    G, _ = build(img_size=16)
    G.eval()
    ws = stylegan.broadcast(G.mapping(torch.randn(2, 8)), G.num_ws)
    img, features = G.synthesis(ws, noise="none", return_features=True)
    total, k = 0, -1
    for block, x in zip(G.synthesis.blocks, features):
        k += len(block.layers)
        rgb = block.to_rgb(x, ws[:, k])                                   # the block's last style
        total = rgb if isinstance(total, int) else rgb + F.interpolate(total, scale_factor=2, mode="bilinear",
                                                                        align_corners=False)
    assert torch.allclose(img, total, atol=1e-5)


def test_residual_d_block_formula():
    torch.manual_seed(0)
    block = stylegan2.DBlock(3, 5)
    x = torch.randn(2, 3, 8, 8)
    lrelu = lambda t: F.leaky_relu(t, 0.2)
    main = F.avg_pool2d(lrelu(block.conv1(lrelu(block.conv0(x)))), 2)
    skip = F.conv2d(F.avg_pool2d(x, 2), block.skip.weight * block.skip.scale)
    assert torch.allclose(block(x), (main + skip) / math.sqrt(2), atol=1e-6)
    assert block.skip.bias is None


# --- Gradients and determinism ------------------------------------------------------------------------------------
def test_gradients_reach_g_and_d_parameters_and_nothing_else():
    G, D = build()
    G.train()
    fake = G(torch.randn(4, 8))
    F.softplus(-D(fake)).mean().backward()
    missing = [n for n, p in list(G.named_parameters()) + list(D.named_parameters()) if p.grad is None]
    assert missing == []                                                  # noise weights at 0 included

    G.zero_grad(set_to_none=True)
    D.zero_grad(set_to_none=True)
    D.requires_grad_(False)
    x = torch.randn(4, 1, 16, 16, requires_grad=True)
    D(x).sum().backward()
    assert x.grad is not None and all(p.grad is None for p in G.parameters())


def test_same_seed_same_networks_and_outputs():
    (G1, D1), (G2, D2) = build(seed=3), build(seed=3)
    z = torch.randn(4, 8)
    G1.eval(), G2.eval()
    assert torch.equal(G1(z, noise="none"), G2(z, noise="none"))
    x = torch.randn(4, 1, 16, 16)
    assert torch.equal(D1(x), D2(x))
    G3, _ = build(seed=4)
    G3.eval()
    assert not torch.equal(G1(z, noise="none"), G3(z, noise="none"))


# --- Training through the shared loop (lazy R1, lazy path length) ---------------------------------------------------
def test_trains_through_the_shared_loop_with_lazy_regularisation():
    G, D = build(img_size=8, fmap_base=32, fmap_max=8)
    x = torch.rand(64, 1, 8, 8) * 2 - 1
    cfg = TrainConfig(steps=8, batch_size=8, r1_gamma=0.01, r1_every=4, pl_weight=2.0, pl_every=4,
                      betas=(0.0, 0.99), lr_g=2e-3, lr_d=2e-3)
    run = training.train_gan(G, D, x, cfg, progress=False)
    assert len(run.history["r1"]) == 2 and len(run.history["pl"]) == 2 and run.state["pl_mean"] > 0
    assert run.optimizers["D"].defaults["lr"] == pytest.approx(2e-3 * 4 / 5)
    assert run.optimizers["G"].defaults["betas"] == pytest.approx((0.0, 0.99 ** (4 / 5)))


def test_lazy_adam_settings_and_bad_intervals():
    lr, betas = training.lazy_adam(0.002, (0.0, 0.99), 16)
    assert lr == pytest.approx(0.002 * 16 / 17) and betas == pytest.approx((0.0, 0.99 ** (16 / 17)))
    assert training.lazy_adam(0.002, (0.5, 0.99), 1) == (0.002, (0.5, 0.99))        # every step: no own step
    # (lr c)(k + 1) = lr k per k minibatches, and beta^c applied k + 1 times = beta^k
    assert (0.99 ** (16 / 17)) ** 17 == pytest.approx(0.99 ** 16)
    with pytest.raises(ValueError, match="lazy regularisation interval"):
        training.lazy_adam(0.002, (0.0, 0.99), 0)
    for field in ("r1_every", "pl_every"):
        with pytest.raises(ValueError, match=f"{field}.*lazy regularisation interval"):
            TrainConfig(**{field: 0})


def test_batch_not_divisible_by_the_stddev_group_is_a_clear_error():
    _, D = build()
    with pytest.raises(ValueError, match="must be divisible by 4"):
        D(torch.randn(6, 1, 16, 16))
    _, D_off = build(mbstd_group_size=0)
    assert D_off(torch.randn(6, 1, 16, 16)).shape == (6,)


def test_bad_config_and_input():
    with pytest.raises(ValueError, match="img_size"):
        StyleGAN2Config(img_size=12)
    with pytest.raises(ValueError, match="img_channels"):
        StyleGAN2Config(img_channels=2)
    G, D = build()
    with pytest.raises(ValueError, match=r"Discriminator expects images \[B, 1, 16, 16\]"):
        D(torch.randn(4, 1, 8, 8))
    with pytest.raises(ValueError, match="num_ws=5"):
        G.synthesis(torch.randn(2, 4, 8))
    with pytest.raises(ValueError, match="noise"):
        G.synthesis(torch.randn(2, 5, 8), noise=[None] * 4)


# --- Projection into W and W+ -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained_looking_G():
    G, _ = build(img_size=8, fmap_base=64, fmap_max=16)
    with torch.no_grad():
        G.mapping.w_avg.copy_(G.mapping(torch.randn(256, 8), update_w_avg=False).mean(0))
    return G.eval()


@pytest.mark.parametrize("space", ["w", "w+"])
def test_projection_reconstructs_an_image_of_g_better_than_the_start(trained_looking_G, space):
    G = trained_looking_G
    torch.manual_seed(1)
    with torch.no_grad():
        target = G.synthesis(stylegan.broadcast(G.mapping(torch.randn(2, 8)), G.num_ws), noise="none").clamp(-1, 1)
        start = G.synthesis(stylegan.broadcast(G.w_avg[None], G.num_ws), noise="none").expand_as(target)
    before = {n: p.clone() for n, p in G.named_parameters()}
    result = projection.project(G, target, space=space, steps=60, lr=0.05)
    err_start = projection.reconstruction_error(start, target)
    err_end = projection.reconstruction_error(result.images, target)
    assert (err_end < 0.5 * err_start).all()
    assert result.losses[-1] < result.losses[0] and len(result.losses) == 60
    assert result.ws.shape == (2, G.num_ws, 8) and result.snapshots[0][0] == 0 and result.snapshots[-1][0] == 60
    if space == "w":
        assert torch.equal(result.ws[:, 0], result.ws[:, -1])            # one w for every layer
    assert all(torch.equal(p, before[n]) and p.grad is None for n, p in G.named_parameters())  # G untouched
    assert not G.training
    again = projection.project(G, target, space=space, steps=60, lr=0.05)
    assert torch.equal(again.ws, result.ws)                                # deterministic


def test_projection_with_features_and_its_loss_by_hand(trained_looking_G):
    images, target = torch.rand(2, 1, 4, 4), torch.rand(2, 1, 4, 4)
    feats = lambda x: x.flatten(1)[:, :3] + 1
    by_hand = (images - target).square().mean(dim=(1, 2, 3)) + 2 * (F.normalize(feats(images)) - F.normalize(feats(target))).square().sum(1)
    assert torch.allclose(projection.projection_loss(images, target, feats, 2.0), by_hand)
    G = trained_looking_G
    target = torch.zeros(1, 1, 8, 8)
    res = projection.project(G, target, steps=5, features=lambda x: x.flatten(1) + 2, feature_weight=0.5)
    assert res.images.shape == (1, 1, 8, 8)


def test_projection_bad_input(trained_looking_G):
    G = trained_looking_G
    with pytest.raises(ValueError, match=r"target must be images \[B, 1, 8, 8\]"):
        projection.project(G, torch.zeros(1, 1, 16, 16))
    with pytest.raises(ValueError, match=r"target must be images"):
        projection.project(G, torch.zeros(1, 8, 8))
    with pytest.raises(ValueError, match="space"):
        projection.project(G, torch.zeros(1, 1, 8, 8), space="z")
    with pytest.raises(ValueError, match="steps"):
        projection.project(G, torch.zeros(1, 1, 8, 8), steps=0)
    dcgan_G, _ = models.build("dcgan", img_size=16, z_dim=8, ngf=8, ndf=8)
    with pytest.raises(ValueError, match="style generator"):
        projection.project(dcgan_G, torch.zeros(1, 1, 16, 16))


# --- Feature statistics ------------------------------------------------------------------------------------------------
def test_peak_to_mean_by_hand():
    x = torch.zeros(1, 2, 2, 2)
    x[0, 0] = torch.tensor([[1.0, 1.0], [1.0, 1.0]])                     # even: 1
    x[0, 1] = torch.tensor([[4.0, 0.0], [0.0, 0.0]])                     # one spike: H * W = 4
    assert torch.allclose(metrics.peak_to_mean(x), torch.tensor([[1.0, 4.0]], dtype=torch.float64))
    with pytest.raises(ValueError, match=r"\[B, C, H, W\]"):
        metrics.peak_to_mean(torch.zeros(2, 3))


def test_layer_features_of_both_chapters_generators():
    G2, _ = build()
    ws = stylegan.broadcast(G2.mapping(torch.randn(2, 8)), G2.num_ws)
    feats = stylegan2.layer_features(G2, ws)
    assert len(feats) == G2.num_ws and [f.shape[-1] for f in feats] == list(G2.synthesis.noise_sizes)
    runtime.seed_everything(0)
    G1, _ = models.build("stylegan", img_size=16, z_dim=8, w_dim=8, mapping_layers=2, fmap_base=128, fmap_max=16)
    feats1 = stylegan2.layer_features(G1, stylegan.broadcast(G1.mapping(torch.randn(2, 8)), G1.num_ws))
    assert len(feats1) == G1.num_ws and [f.shape[-1] for f in feats1] == list(G1.synthesis.noise_sizes)
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in G1.modules())     # hooks removed
    dcgan_G, _ = models.build("dcgan", img_size=16, z_dim=8, ngf=8, ndf=8)
    dcgan_G.synthesis = dcgan_G
    with pytest.raises(ValueError, match="neither AdaIN"):
        stylegan2.layer_features(dcgan_G, ws)
