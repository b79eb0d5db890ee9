"""SRResNet / SRGAN (chapter 09): the paper's layout, shapes for x2 and x4, gradients, determinism, the
offline content loss (frozen backbone, zero on identical images), paired training through the shared
loop (pre-training and the adversarial phase, exact resume), and clear errors for bad input."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_course import models, runtime, training
from gan_course.models import srgan
from gan_course.models.srgan import ContentLoss, Discriminator, RandomFeatures, SRGANConfig, SRResNet


def small(**kw):
    return SRGANConfig(**{"n_channels": 8, "n_blocks": 2, "ndf": 8, "d_blocks": 4, "fc_size": 16, "hr_size": 16,
                          **kw})


@pytest.mark.parametrize("scale", [2, 4])
def test_shapes_and_range(scale):
    cfg = small(scale=scale)
    G, D = SRResNet(cfg), Discriminator(cfg)
    lr = torch.rand(3, 3, 16 // scale, 16 // scale) * 2 - 1
    sr = G(lr)
    assert sr.shape == (3, 3, 16, 16) and sr.abs().max() <= 1  # tanh output
    assert D(sr).shape == (3,)
    assert G(torch.zeros(1, 3, 5, 7)).shape == (1, 3, 5 * scale, 7 * scale)  # fully convolutional: any LR size
    assert not hasattr(G, "z_dim") and G.scale == scale


@pytest.mark.parametrize("scale,shuffles", [(2, 1), (4, 2)])
def test_upsampling_is_pixel_shuffle_by_2_log2_scale_times(scale, shuffles):
    G = SRResNet(small(scale=scale))
    found = [m for m in G.modules() if isinstance(m, nn.PixelShuffle)]
    assert len(found) == shuffles and all(m.upscale_factor == 2 for m in found)
    for block in G.upsample:  # conv to 4C channels at the low resolution, shuffle, PReLU
        assert block[0].out_channels == 4 * block[0].in_channels and isinstance(block[2], nn.PReLU)
    assert not any(isinstance(m, (nn.ConvTranspose2d, nn.Upsample)) for m in G.modules())


def test_icnr_makes_a_fresh_upsampler_a_nearest_neighbour_upsampling():
    block = srgan.SubPixelUpsample(3)
    x = torch.randn(2, 3, 4, 5)
    out = block[1](block[0](x))  # before the PReLU: [2, 3, 8, 10]
    assert torch.equal(out, F.interpolate(out[:, :, ::2, ::2], scale_factor=2, mode="nearest"))
    assert not torch.equal(block[0].weight[0], block[0].weight[4])  # channels of different groups differ


def test_generator_layout_follows_the_paper():
    G = SRResNet(SRGANConfig())  # the paper's B = 16 blocks of 64 channels
    assert G.head[0].kernel_size == (9, 9) and isinstance(G.head[1], nn.PReLU)
    assert G.tail[0].kernel_size == (9, 9) and isinstance(G.tail[1], nn.Tanh)
    blocks = [m for m in G.blocks if isinstance(m, srgan.ResidualBlock)]
    assert len(blocks) == 16
    kinds = [type(m) for m in blocks[0].body]
    assert kinds == [nn.Conv2d, nn.BatchNorm2d, nn.PReLU, nn.Conv2d, nn.BatchNorm2d]
    assert isinstance(G.blocks[-2], nn.Conv2d) and isinstance(G.blocks[-1], nn.BatchNorm2d)  # conv-BN before the skip


def test_residual_block_and_global_skip_are_identities_when_their_branch_is_zero():
    block = srgan.ResidualBlock(4)
    nn.init.zeros_(block.body[-1].weight)  # last BN's gamma = 0 and beta = 0: the branch outputs 0
    x = torch.randn(2, 4, 5, 5)
    assert torch.equal(block(x), x)
    G = SRResNet(small()).eval()
    nn.init.zeros_(G.blocks[-1].weight)  # zero the whole body: only the global skip carries the head's features
    lr = torch.rand(2, 3, 4, 4) * 2 - 1  # images in [-1, 1]
    assert torch.allclose(G(lr), G.tail(G.upsample(G.head(lr))))


def test_discriminator_layout_follows_the_paper():
    D = Discriminator(SRGANConfig())
    convs = [m for m in D.features if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [c.stride[0] for c in convs] == [1, 2] * 4
    assert not isinstance(D.features[1], nn.BatchNorm2d)  # no BN after the first conv
    assert sum(isinstance(m, nn.BatchNorm2d) for m in D.features) == 7
    assert all(m.negative_slope == 0.2 for m in D.modules() if isinstance(m, nn.LeakyReLU))
    assert D.classifier[1].in_features == 512 * 6 * 6 and D.classifier[1].out_features == 1024  # 96 / 16 = 6


@pytest.mark.parametrize("scale", [2, 4])
def test_gradients_reach_every_parameter(scale):
    runtime.seed_everything(0)
    G, D = models.build("srgan", **vars(small(scale=scale)))
    D(G(torch.rand(4, 3, 16 // scale, 16 // scale) * 2 - 1)).sum().backward()
    for name, p in [*G.named_parameters(), *D.named_parameters()]:
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_determinism():
    lr = torch.rand(2, 3, 4, 4) * 2 - 1
    outs = []
    for _ in range(2):
        runtime.seed_everything(5)
        G, D = models.build("srgan", **vars(small()))
        outs.append((G(lr), D(G(lr))))
    assert torch.equal(outs[0][0], outs[1][0]) and torch.equal(outs[0][1], outs[1][1])


def test_super_resolve_takes_images_of_any_size_and_restores_the_mode():
    G = SRResNet(small()).train()
    lrs = [torch.rand(3, 4, 6) * 2 - 1, torch.rand(3, 5, 3) * 2 - 1]
    out = srgan.super_resolve(G, lrs)
    assert [tuple(o.shape) for o in out] == [(3, 16, 24), (3, 20, 12)] and G.training
    G.eval()
    with torch.no_grad():
        assert torch.equal(out[0], G(lrs[0][None])[0])  # eval mode: BN's running statistics


# --- Bad input --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [3, 8, 1, "4", True])
def test_scale_must_be_2_or_4(scale):
    with pytest.raises(ValueError, match=r"scale must be one of \(2, 4\)"):
        SRGANConfig(scale=scale)


def test_bad_configs_and_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="d_blocks must be even"):
        SRGANConfig(d_blocks=5)
    with pytest.raises(ValueError, match="hr_size must be a multiple of 16"):
        SRGANConfig(hr_size=40)
    G, D = SRResNet(small()), Discriminator(small())
    with pytest.raises(ValueError, match=r"takes LR images \[B, 3, h, w\], got \[2, 1, 4, 4\] \(a grey image\?"):
        G(torch.zeros(2, 1, 4, 4))
    with pytest.raises(ValueError, match=r"takes LR images"):
        G(torch.zeros(3, 4, 4))
    with pytest.raises(ValueError, match=r"built for crops \[B, 3, 16, 16\], got \[2, 3, 32, 32\]"):
        D(torch.zeros(2, 3, 32, 32))


# --- The content loss and its backbones -----------------------------------------------------------------
def test_random_features_shape_seed_and_frozen_weights():
    phi = RandomFeatures(widths=(8, 16), seed=1)
    x = torch.rand(2, 3, 20, 24, requires_grad=True)
    f = phi(x)
    assert f.shape == (2, 16, 10, 12) and (f >= 0).all()  # after a ReLU, one max-pool
    assert not any(p.requires_grad for p in phi.parameters())
    phi.train()
    assert not phi.training  # stays in eval mode
    f.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0  # gradients pass through to the image
    assert all(p.grad is None for p in phi.parameters())
    same, other = RandomFeatures(widths=(8, 16), seed=1), RandomFeatures(widths=(8, 16), seed=2)
    assert torch.equal(phi(x), same(x)) and not torch.equal(phi(x), other(x))
    state = torch.random.get_rng_state()
    RandomFeatures(seed=3)
    assert torch.equal(state, torch.random.get_rng_state())  # its own generator: global randomness untouched


def test_random_features_use_he_initialisation():
    phi = RandomFeatures(widths=(64, 128), seed=0)
    for layer in (m for m in phi.modules() if isinstance(m, nn.Conv2d)):
        fan_in = layer.in_channels * 9
        assert layer.weight.std().item() == pytest.approx(math.sqrt(2 / fan_in), rel=0.1)
        assert torch.all(layer.bias == 0)


def test_content_loss_is_feature_mse_zero_on_identical_images():
    phi = RandomFeatures(widths=(8,), seed=0)
    loss = ContentLoss(phi, weight=0.5)
    real = torch.rand(2, 3, 12, 12) * 2 - 1
    fake = (real + 0.3 * torch.randn_like(real)).requires_grad_(True)
    assert loss(real, real).item() == 0
    value = loss(fake, real)
    assert value.item() == pytest.approx(0.5 * F.mse_loss(phi(fake), phi(real)).item())
    value.backward()
    assert fake.grad.abs().sum() > 0 and all(p.grad is None for p in phi.parameters())
    G = SRResNet(small())
    loss(G(real[:, :, ::4, ::4]), real).backward()
    assert all(p.grad is not None for p in G.parameters())  # the loss trains G, and only G


def test_feature_extractor_names_and_the_vgg_cache(tmp_path, monkeypatch):
    assert isinstance(srgan.feature_extractor("random"), RandomFeatures)
    with pytest.raises(ValueError, match="unknown backbone 'alexnet'; valid: random, vgg19"):
        srgan.feature_extractor("alexnet")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))  # an empty cache: nothing is downloaded
    assert srgan.vgg19_path() == tmp_path / "checkpoints" / srgan.VGG19_FILE
    with pytest.raises(FileNotFoundError, match="never downloads them"):
        srgan.feature_extractor("vgg19")


def test_truncate_vgg_counts_convs_after_pools():
    def vgg_like():  # VGG's pattern: [conv, relu] x n, pool, ...
        layers = []
        for n in (2, 2, 4):
            layers += [m for _ in range(n) for m in (nn.Conv2d(3, 3, 3, padding=1), nn.ReLU())] + [nn.MaxPool2d(2)]
        return nn.Sequential(*layers)

    features = vgg_like()
    cut = srgan.truncate_vgg(features, 2, 2)  # conv 2 after pool 1, with its ReLU
    assert len(cut) == 9 and isinstance(cut[-1], nn.ReLU) and isinstance(cut[-2], nn.Conv2d)
    assert len(srgan.truncate_vgg(features, 3, 4)) == 18
    with pytest.raises(ValueError, match=r"no phi_\{3,5\}"):
        srgan.truncate_vgg(features, 3, 5)
    x = torch.rand(1, 3, 8, 8) * 2 - 1
    norm = srgan.ImageNetNormalize()
    assert torch.allclose(norm(x)[0, 0], ((x[0, 0] + 1) / 2 - 0.485) / 0.229)


# --- Training through the shared loop -----------------------------------------------------------------
def pairs(n=32, hr=16, scale=4):
    from gan_course import data

    g = torch.Generator().manual_seed(0)
    x = F.interpolate(torch.rand(n, 3, hr // 4, hr // 4, generator=g) * 2 - 1, size=hr, mode="bilinear")
    return x, data.bicubic_downscale(x, scale)


def test_pretraining_on_pixel_mse_lowers_the_loss():
    runtime.seed_everything(0)
    G = SRResNet(small())
    hr, lr = pairs()
    run = training.train_model(G, lambda model, x, y: F.mse_loss(model(y), x), hr,
                               training.FitConfig(steps=30, batch_size=8, lr=1e-3), y=lr, progress=False)
    first, last = sum(run.history["loss"][:5]) / 5, sum(run.history["loss"][-5:]) / 5
    assert last < 0.75 * first


def srgan_run(steps, seed=0, **kw):
    runtime.seed_everything(seed)
    G, D = models.build("srgan", **vars(small()))
    hr, lr = pairs()
    cfg = training.TrainConfig(steps=steps, batch_size=8, paired=True, adv_weight=1e-3, lr_g=1e-4, lr_d=1e-4,
                               betas=(0.9, 0.999), n_snapshot=4)
    return training.train_gan(G, D, hr, cfg, y=lr, content_loss=ContentLoss(RandomFeatures(widths=(8,))),
                              progress=False, **kw)


def test_srgan_trains_with_content_and_adversarial_loss_and_logs_d():
    run = srgan_run(3)
    logs = run.history.logs
    assert {"d_loss", "g_loss", "content", "d_real", "d_fake"} <= set(logs) and len(logs["d_real"]) == 3
    assert run.history.snapshots[0][1].shape == (4, 3, 16, 16)  # G(first sources)


def test_srgan_run_resumes_exactly(tmp_path):
    straight = srgan_run(4)
    half = srgan_run(2, checkpoint_path=tmp_path / "half.pt", checkpoint_every=2)
    resumed = srgan_run(4, seed=9, checkpoint_path=tmp_path / "half.pt", resume=True)
    weights = lambda run: torch.cat([t.flatten().float() for m in (run.G, run.D) for t in m.state_dict().values()])  # noqa: E731
    assert half.step == 2 and torch.equal(weights(straight), weights(resumed))
    assert straight.history["d_real"] == resumed.history["d_real"]


@pytest.mark.parametrize("name", ["tiny", "small", "full"])
def test_chapter_09_presets_build_and_run_one_batch(name):
    from gan_course import presets

    P = presets.get_preset("09_srgan", name)
    G, D = models.build("srgan", **vars(P.model))
    lr = torch.rand(2, 3, P.model.hr_size // P.model.scale, P.model.hr_size // P.model.scale) * 2 - 1
    assert D(G(lr)).shape == (2,)
    assert P.model.scale == 4 and P.train.paired and P.train.adv_weight == 1e-3 and P.crop == P.model.hr_size
    assert P.backbone in srgan.BACKBONES and P.eval_every <= P.pretrain.steps
    assert P.gan_eval_every <= P.train.steps and P.content_weight > 0


def test_srgan_logs_are_the_values_of_the_first_step():
    """The log's numbers, recomputed: with the whole data set as one batch (any order gives the same means and
    batch-norm statistics), step 1's d_real, d_fake, d_loss, content and g_loss from copies of G and D."""
    import copy

    from gan_course.losses import get_loss

    runtime.seed_everything(0)
    G, D = models.build("srgan", **vars(small()))
    hr, lr = pairs(n=8)
    G0, D0 = copy.deepcopy(G), copy.deepcopy(D)
    content = ContentLoss(RandomFeatures(widths=(8,)), weight=3.0)
    cfg = training.TrainConfig(steps=1, batch_size=8, paired=True, adv_weight=1e-3, lr_g=1e-4, lr_d=1e-4,
                               betas=(0.9, 0.999), n_snapshot=4)
    run = training.train_gan(G, D, hr, cfg, y=lr, content_loss=content, progress=False)
    logs = {k: v[0] for k, v in run.history.logs.items()}
    with torch.no_grad():
        fake = G0.train()(lr)
        real_logits, fake_logits = D0.train()(hr), D0(fake)
        d_loss = get_loss("nonsaturating").d_loss(real_logits, fake_logits)
        g_loss = get_loss("nonsaturating").g_loss(run.D.train()(fake))  # G's step faces the D after its step
    expected = {"d_real": real_logits.mean(), "d_fake": fake_logits.mean(), "d_loss": d_loss,
                "content": content(fake, hr), "g_loss": g_loss}
    for key, value in expected.items():
        assert logs[key] == pytest.approx(value.item(), rel=1e-4, abs=1e-6), key
