"""DCGAN (chapter 04): shapes for every size and channel count, the paper's init, BN placement,
gradient flow, determinism, and clear errors for unsupported sizes and wrong inputs."""
import itertools

import pytest
import torch
from torch import nn

from gan_course import models, runtime
from gan_course.models import dcgan
from gan_course.models.dcgan import DCGANConfig, Discriminator, Generator

SIZES = list(itertools.product(dcgan.SUPPORTED_SIZES, dcgan.SUPPORTED_CHANNELS))


def small(img_size, img_channels, **kw):
    return DCGANConfig(img_size=img_size, img_channels=img_channels, z_dim=12, ngf=8, ndf=8, **kw)


@pytest.mark.parametrize("img_size,img_channels", SIZES)
def test_shapes_and_range(img_size, img_channels):
    cfg = small(img_size, img_channels)
    G, D = Generator(cfg), Discriminator(cfg)
    x = G(torch.randn(3, 12))
    assert x.shape == (3, img_channels, img_size, img_size)
    assert x.abs().max() <= 1  # tanh output
    assert D(x).shape == (3,)
    assert G.z_dim == 12 and not hasattr(G, "num_classes")  # unconditional for the training loop


@pytest.mark.parametrize("img_size,expected", [(16, (4, 8, 16)), (28, (7, 14, 28)), (32, (4, 8, 16, 32)),
                                               (64, (4, 8, 16, 32, 64))])
def test_resolutions_and_feature_map_sides(img_size, expected):
    cfg = small(img_size, 1)
    assert cfg.resolutions == expected
    G = Generator(cfg)
    sides = []
    hooks = [m.register_forward_hook(lambda m, i, o: sides.append(o.shape[-1]))
             for m in [G.project, *G.blocks, G.to_image]]
    G(torch.randn(2, 12))
    for h in hooks:
        h.remove()
    assert tuple(sides) == expected


def test_paper_width_at_64():
    """At 64x64 with ngf = 128 the first map is 1024 x 4 x 4, as in the paper's figure 1."""
    G = Generator(DCGANConfig(img_size=64, img_channels=3, ngf=128))
    assert G.project[0].out_channels == 1024 and G.project[0].kernel_size == (4, 4)
    assert [b[0].out_channels for b in G.blocks] == [512, 256, 128]


def test_transposed_conv_size_matches_pytorch():
    for h, k, s, p in [(1, 4, 1, 0), (1, 7, 1, 0), (4, 4, 2, 1), (7, 4, 2, 1), (5, 3, 2, 0), (6, 5, 3, 2)]:
        out = nn.ConvTranspose2d(1, 1, k, s, p)(torch.zeros(1, 1, h, h))
        assert dcgan.transposed_conv_size(h, k, s, p) == out.shape[-1]


def test_init_statistics():
    runtime.seed_everything(0)
    cfg = DCGANConfig(img_size=64, img_channels=3, ngf=64, ndf=64)
    for net in (Generator(cfg), Discriminator(cfg)):
        convs = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
        w = torch.cat([m.weight.flatten() for m in convs])
        assert abs(w.mean()) < 1e-3 and abs(w.std() - 0.02) < 1e-3
        for m in convs:
            assert m.bias is None or torch.all(m.bias == 0)
        bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
        gamma = torch.cat([m.weight for m in bns])
        assert abs(gamma.mean() - 1) < 5e-3 and abs(gamma.std() - 0.02) < 5e-3
        assert all(torch.all(m.bias == 0) for m in bns)


def test_architecture_rules():
    cfg = small(32, 3)
    G, D = Generator(cfg), Discriminator(cfg)
    modules = [*G.modules(), *D.modules()]
    assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d, nn.Linear)) for m in modules)  # no pooling, no FC
    g_layers = [m for m in G.modules() if not isinstance(m, nn.Sequential) and m is not G]
    assert isinstance(g_layers[-1], nn.Tanh) and isinstance(g_layers[-2], nn.ConvTranspose2d)  # no BN at output
    assert any(isinstance(m, nn.ReLU) for m in G.modules())
    assert not any(isinstance(m, nn.LeakyReLU) for m in G.modules())
    first = D.blocks[0]
    assert isinstance(first[0], nn.Conv2d) and not any(isinstance(m, nn.BatchNorm2d) for m in first)  # no BN at input
    assert all(isinstance(b[1], nn.BatchNorm2d) for b in D.blocks[1:])
    leaky = [m for m in D.modules() if isinstance(m, nn.LeakyReLU)]
    assert leaky and all(m.negative_slope == 0.2 for m in leaky)
    assert all(m.stride == (2, 2) for m in D.modules() if isinstance(m, nn.Conv2d) and m is not D.to_logit)


@pytest.mark.parametrize("img_size,img_channels", SIZES)
def test_gradients_reach_every_parameter(img_size, img_channels):
    G, D = models.build("dcgan", img_size=img_size, img_channels=img_channels, z_dim=12, ngf=8, ndf=8)
    D(G(torch.randn(4, 12))).sum().backward()
    for name, p in [*G.named_parameters(), *D.named_parameters()]:
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_determinism():
    runtime.seed_everything(3)
    G1, D1 = models.build("dcgan", img_size=16, z_dim=8, ngf=8, ndf=8)
    runtime.seed_everything(3)
    G2, D2 = models.build("dcgan", img_size=16, z_dim=8, ngf=8, ndf=8)
    z = torch.randn(4, 8)
    assert torch.equal(G1(z), G2(z))
    assert torch.equal(D1(G1(z)), D2(G2(z)))


@pytest.mark.parametrize("bad", [8, 24, 48, 128, "32", 32.0])
def test_unsupported_size_names_the_supported_ones(bad):
    with pytest.raises(ValueError, match=r"img_size in \(16, 28, 32, 64\)"):
        DCGANConfig(img_size=bad)


@pytest.mark.parametrize("bad", [0, 2, 4])
def test_unsupported_channels_names_the_supported_ones(bad):
    with pytest.raises(ValueError, match=r"img_channels in \(1, 3\)"):
        DCGANConfig(img_size=32, img_channels=bad)


def test_bad_widths():
    with pytest.raises(ValueError, match="ngf must be an int >= 1"):
        DCGANConfig(ngf=0)
    with pytest.raises(ValueError, match="z_dim"):
        DCGANConfig(z_dim=-3)


def test_wrong_inputs_are_clear_errors():
    G, D = models.build("dcgan", img_size=28, img_channels=1, z_dim=10, ngf=8, ndf=8)
    with pytest.raises(ValueError, match=r"built for images of shape \[B, 1, 28, 28\], got \[2, 1, 32, 32\]"):
        D(torch.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"got \[2, 3, 28, 28\]"):
        D(torch.zeros(2, 3, 28, 28))
    with pytest.raises(ValueError, match=r"z of shape \[B, 10\]"):
        G(torch.zeros(2, 11))


@pytest.mark.parametrize("name", ["tiny", "small", "full"])
def test_chapter_04_presets_build_and_run_one_batch(name):
    from gan_course import presets

    P = presets.get_preset("04_dcgan", name)
    G, D = models.build("dcgan", **vars(P.model))
    x = G(torch.randn(2, P.model.z_dim))
    assert x.shape == (2, 1, P.model.img_size, P.model.img_size) and D(x).shape == (2,)
    assert P.dataset in ("digits", "fashion-mnist") and P.train.betas == (0.5, 0.999)  # the paper's Adam
    assert P.fid_every <= P.train.steps and P.throughput_runs >= 3
