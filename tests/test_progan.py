"""ProGAN (chapter 05): shapes at every stage and alpha, the fade-in at its two ends, gradients only
into the layers in use, the paper's gains, pixel norm in G only, minibatch stddev in D's last block,
the growth schedule, determinism, exact resume across a fade boundary, and clear errors."""
import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_course import layers, models, runtime, training
from gan_course.models import progan
from gan_course.models.progan import Discriminator, Generator, GrowthSchedule, ProGANConfig


def small(img_size=16, img_channels=1, **kw):
    return ProGANConfig(**{"img_size": img_size, "img_channels": img_channels, "z_dim": 8, "fmap_base": 128,
                           "fmap_max": 16, **kw})


def build(seed=0, **kw):
    runtime.seed_everything(seed)
    cfg = small(**kw)
    return Generator(cfg), Discriminator(cfg)


def grow(stage, alpha, *nets):
    for net in nets:
        net.set_growth(stage, alpha)


# --- Shapes, and the fade-in --------------------------------------------------------------------------------
@pytest.mark.parametrize("img_size,img_channels", list(itertools.product((8, 16, 32), (1, 3))))
def test_shapes_at_every_stage_and_alpha(img_size, img_channels):
    G, D = build(img_size=img_size, img_channels=img_channels)
    cfg = G.cfg
    assert cfg.resolutions == tuple(4 * 2**s for s in range(cfg.n_stages)) and cfg.resolutions[-1] == img_size
    assert (G.stage, G.alpha) == (cfg.n_stages - 1, 1.0)  # built fully grown
    for stage, alpha in itertools.product(range(cfg.n_stages), (0.0, 0.4, 1.0)):
        grow(stage, alpha, G, D)
        x = G(torch.randn(4, 8))
        r = 4 * 2**stage
        assert x.shape == (4, img_channels, r, r) and G.resolution == D.resolution == r
        assert D(x).shape == (4,)


def test_alpha_zero_is_the_previous_stage_upsampled_and_alpha_one_the_new_block_alone():
    G, D = build(img_size=32)
    z = torch.randn(8, 8)
    for stage in range(1, G.n_stages):
        x = torch.randn(8, 1, 4 * 2**stage, 4 * 2**stage)
        grow(stage - 1, 1.0, G, D)
        previous, previous_logits = G(z), D(F.avg_pool2d(x, 2))
        grow(stage, 0.0, G, D)
        faded_out = G(z)
        assert torch.equal(faded_out, previous.repeat_interleave(2, 2).repeat_interleave(2, 3))  # exactly
        assert torch.equal(D(x), previous_logits)  # D mirrors G: the old path on the 2x-downsampled image
        grow(stage, 1.0, G, D)
        h = G.blocks[0](z)
        for s in range(1, stage + 1):
            h = G.blocks[s](h)
        assert torch.equal(G(z), G.to_rgb[stage](h))  # the new block and its toRGB alone
        grow(stage, 0.3, G, D)  # in between: the features do not depend on alpha, so the output is the blend
        assert torch.allclose(G(z), 0.7 * faded_out + 0.3 * G.to_rgb[stage](h), atol=1e-6)


def test_fade_in_and_the_real_images_fade_by_hand():
    old = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])          # [1, 1, 2, 2]
    new = torch.arange(16.0).view(1, 1, 4, 4)
    up = torch.tensor([[1.0, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    assert torch.equal(progan.fade_in(old, new, 0.25)[0, 0], 0.75 * up + 0.25 * new[0, 0])
    # the real images' fade: 2x2 box means, upsampled back, blended with the sharp image
    blurred = torch.tensor([[2.5, 2.5, 4.5, 4.5], [2.5, 2.5, 4.5, 4.5], [10.5, 10.5, 12.5, 12.5],
                            [10.5, 10.5, 12.5, 12.5]])
    assert torch.allclose(progan.fade_images(new, 0.25)[0, 0], 0.75 * blurred + 0.25 * new[0, 0])
    # stored at the final resolution, pooled to the stage's
    x = torch.randn(3, 1, 32, 32)
    assert torch.equal(progan.real_images_at(x, 3, 1.0), x)
    assert torch.allclose(progan.real_images_at(x, 1, 1.0), F.avg_pool2d(x, 4))
    assert torch.allclose(progan.real_images_at(x, 2, 0.0), progan.upsample(progan.real_images_at(x, 1, 1.0)),
                          atol=1e-6)
    assert torch.allclose(progan.real_images_at(x, 2, 0.6),
                          0.4 * progan.upsample(F.avg_pool2d(x, 4)) + 0.6 * F.avg_pool2d(x, 2), atol=1e-6)


# --- Gradients, gains, the tricks -------------------------------------------------------------------------------
def in_use(stage, alpha, prefix):
    """The parameter-name prefixes of the layers G (prefix "G") or D ("D") uses at (stage, alpha)."""
    rgb = "to_rgb" if prefix == "G" else "from_rgb"
    used = [f"blocks.{s}." for s in range(stage + 1)] + [f"{rgb}.{stage}."]
    if stage > 0 and alpha < 1:
        used.append(f"{rgb}.{stage - 1}.")
    return used


@pytest.mark.parametrize("stage,alpha", [(0, 1.0), (1, 0.5), (1, 1.0), (2, 0.25), (2, 1.0)])
def test_gradients_reach_only_the_layers_in_use(stage, alpha):
    G, D = build(img_size=16)
    grow(stage, alpha, G, D)
    D(G(torch.randn(8, 8))).sum().backward()
    for prefix, net in (("G", G), ("D", D)):
        used = in_use(stage, alpha, prefix)
        for name, p in net.named_parameters():
            if any(name.startswith(u) for u in used):
                assert p.grad is not None and p.grad.abs().sum() > 0, f"{prefix}.{name} is in use but got no gradient"
            else:
                assert p.grad is None, f"{prefix}.{name} is not in use at stage {stage} but got a gradient"


def test_the_papers_gains():
    G, D = build(img_size=16)
    c4 = G.cfg.channels(4)
    assert G.blocks[0].dense.scale == pytest.approx(math.sqrt(2) / 4 / math.sqrt(8))  # the authors' first layer
    assert G.blocks[1].conv0.scale == pytest.approx(math.sqrt(2) / math.sqrt(G.cfg.channels(4) * 9))
    for r, rgb in zip(G.cfg.resolutions, G.to_rgb):
        assert rgb.scale == pytest.approx(1 / math.sqrt(G.cfg.channels(r)))  # toRGB: gain 1, linear
    for r, rgb in zip(D.cfg.resolutions, D.from_rgb):
        assert rgb.conv.scale == pytest.approx(math.sqrt(2))  # fromRGB: 1 input channel, gain sqrt(2)
    epilogue = D.blocks[0]
    assert epilogue.out.scale == pytest.approx(1 / math.sqrt(c4))  # D's last layer: gain 1
    assert epilogue.dense.scale == pytest.approx(math.sqrt(2) / math.sqrt(c4 * 16))
    assert epilogue.conv.scale == pytest.approx(math.sqrt(2) / math.sqrt((c4 + 1) * 9))  # + the stddev map
    weights = torch.cat([p.flatten() for n, p in G.named_parameters() if n.endswith("weight")])
    assert abs(weights.std().item() - 1) < 0.05  # stored N(0, 1): the scale is applied at run time


def test_no_tanh_the_output_is_linear():
    G, _ = build(img_size=16)
    assert not any(isinstance(m, nn.Tanh) for m in G.modules())
    z = torch.randn(16, 8)
    with torch.no_grad():
        G.to_rgb[-1].weight.mul_(50)
        G.to_rgb[-1].bias.fill_(3.0)
    assert G(z).abs().max() > 1.5  # nothing squashes the output into [-1, 1]


def test_pixel_norm_after_every_conv_of_G_and_nowhere_in_D():
    G, D = build(img_size=16)
    # every layer of G reads pixel-normed input: z (dense), the 4x4 map (first conv), every conv's output
    # (each GBlock's conv1 and the next block's conv0), and toRGB: unit mean square over channels, per pixel
    inputs = []
    layers_of_G = [m for m in G.modules() if isinstance(m, (layers.EqualizedConv2d, layers.EqualizedLinear))]
    hooks = [m.register_forward_hook(lambda m, i, o: inputs.append((m, i[0]))) for m in layers_of_G]
    for stage in range(G.n_stages):
        G.set_growth(stage, 0.5 if stage else 1.0)  # during a fade both toRGBs read normed features
        G(torch.randn(4, 8) * 7)
    for h in hooks:
        h.remove()
    assert {id(m) for m, _ in inputs} == {id(m) for m in layers_of_G}   # every layer was reached
    for m, x in inputs:
        ms = x.square().mean(dim=1)
        assert torch.allclose(ms, torch.ones_like(ms), atol=1e-4), m
    outputs = []
    hooks = [b.register_forward_hook(lambda m, i, o: outputs.append(o)) for b in G.blocks]
    G(torch.randn(4, 8) * 7)
    for h in hooks:
        h.remove()
    assert len(outputs) == 3
    for out in outputs:  # every block ends with pixel norm: unit mean square over channels, per pixel
        assert torch.allclose(out.square().mean(dim=1), torch.ones(out.shape[0], *out.shape[2:]), atol=1e-4)
    d_out = []
    hooks = [b.register_forward_hook(lambda m, i, o: d_out.append(o)) for b in D.blocks[1:]]
    D(torch.randn(4, 1, 16, 16))
    for h in hooks:
        h.remove()
    assert not any(torch.allclose(o.square().mean(dim=1), torch.ones_like(o[:, 0]), atol=1e-2) for o in d_out)


def test_minibatch_stddev_sits_in_Ds_last_block_and_sees_the_batch():
    _, D = build(img_size=16)
    assert isinstance(D.blocks[0].mbstd, layers.MinibatchStdDev) and D.blocks[0].mbstd.group_size == 4
    assert sum(isinstance(m, layers.MinibatchStdDev) for m in D.modules()) == 1
    x = torch.randn(8, 1, 16, 16)
    scores = D(x)
    x2 = x.clone()
    x2[4:] = torch.randn(4, 1, 16, 16)  # change samples 4..7: every strided group {i, i+2, i+4, i+6} changes
    assert not torch.allclose(D(x2)[:4], scores[:4])  # the other samples' scores depend on them
    with pytest.raises(ValueError, match="must be divisible by 4, got 6"):
        D(torch.randn(6, 1, 16, 16))
    _, D0 = build(img_size=16, mbstd_group_size=0)
    assert D0.blocks[0].mbstd is None and D0.blocks[0].conv.weight.shape[1] == D0.cfg.channels(4)
    assert torch.allclose(D0(x2)[:4], D0(x)[:4])  # without it, each score depends on its own sample only
    assert D0(torch.randn(6, 1, 16, 16)).shape == (6,)


def test_discriminator_epilogue_on_its_own():
    epilogue = progan.DiscriminatorEpilogue(channels=12, group_size=2)
    assert epilogue(torch.randn(6, 12, 4, 4)).shape == (6,)
    assert progan.DiscriminatorEpilogue(12, 4, resolution=8)(torch.randn(4, 12, 8, 8)).shape == (4,)


def test_without_equalized_lr_the_same_function_but_plain_weights():
    G, D = build(seed=3, img_size=16)
    G_plain, D_plain = build(seed=3, img_size=16, equalized_lr=False)
    z = torch.randn(8, 8)
    assert torch.allclose(G(z), G_plain(z), atol=1e-5) and torch.allclose(D(G(z)), D_plain(G(z)), atol=1e-4)
    eq = [m for m in G_plain.modules() if isinstance(m, (layers.EqualizedConv2d, layers.EqualizedLinear))]
    assert eq and all(m.scale == 1.0 for m in eq)
    conv = G_plain.blocks[1].conv0
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / (G.cfg.channels(4) * 9)), rel=0.1)  # He init


def test_determinism():
    G1, D1 = build(seed=7)
    G2, D2 = build(seed=7)
    z = torch.randn(4, 8)
    for stage, alpha in ((0, 1.0), (2, 0.5)):
        grow(stage, alpha, G1, D1, G2, D2)
        assert torch.equal(G1(z), G2(z)) and torch.equal(D1(G1(z)), D2(G2(z)))


def test_registered_in_models():
    G, D = models.build("progan", img_size=8, z_dim=4, fmap_base=64, fmap_max=8)
    assert isinstance(G, Generator) and isinstance(D, Discriminator) and G.z_dim == 4


# --- The growth schedule ------------------------------------------------------------------------------------------
def test_growth_schedule_by_hand():
    s = GrowthSchedule(stabilise_steps=3, fade_steps=2, n_stages=3)
    expected = [(0, 1.0)] * 3 + [(1, 0.0), (1, 0.5)] + [(1, 1.0)] * 3 + [(2, 0.0), (2, 0.5)] + [(2, 1.0)] * 5
    assert [s.stage_and_alpha(step) for step in range(15)] == expected
    assert s.total_steps == 13 and s.fade_starts == (3, 8)
    assert GrowthSchedule(10, 5, 1).stage_and_alpha(100) == (0, 1.0)


def test_growth_callback_sets_all_networks_and_the_real_images():
    G, D = build(img_size=16)
    G_ema = Generator(G.cfg)

    class FakeRun:
        step, transform_real = 4, None
    run = FakeRun()
    run.G, run.D, run.G_ema = G, D, G_ema
    progan.growth_callback(GrowthSchedule(3, 2, 3))(run)
    assert all((net.stage, net.alpha) == (1, 0.5) for net in (G, D, G_ema))
    x = torch.randn(4, 1, 16, 16)
    assert torch.equal(run.transform_real(x), progan.real_images_at(x, 1, 0.5))
    with pytest.raises(ValueError, match="the growth schedule has 2 stages but the networks have 3"):
        progan.growth_callback(GrowthSchedule(3, 2, 2))(run)


# --- Training through the shared loop, and exact resume across a fade boundary ---------------------------------------
def train_config(steps):
    return training.TrainConfig(steps=steps, batch_size=8, loss="wasserstein", gp_lambda=10, drift=0.001,
                                betas=(0.0, 0.99), lr_g=1e-3, lr_d=1e-3, ema_decay=0.9, n_snapshot=4)


def data():
    return torch.rand(64, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1


def weights(run):
    return torch.cat([p.detach().flatten() for m in run.modules.values() for p in m.state_dict().values()])


def test_training_grows_through_every_stage():
    schedule = GrowthSchedule(2, 2, 3)
    seen = []
    run = training.train_gan(*build(), data(), train_config(schedule.total_steps), progress=False,
                             before_step=[progan.growth_callback(schedule), lambda run: seen.append(run.D.resolution)])
    assert seen == [4, 4, 8, 8, 8, 8, 16, 16, 16, 16]
    assert all(math.isfinite(v) for v in run.history["d_loss"]) and "drift" in run.history.logs
    assert (run.G_ema.stage, run.G_ema.alpha) == (2, 1.0)
    assert [x.shape[-1] for _, x in run.history.snapshots][0] == 4  # step 1's snapshot: a 4x4 G_ema


@pytest.mark.parametrize("stop", [4, 5])  # a checkpoint before a fade starts (step 4), and one inside it (5)
def test_exact_resume_across_a_fade_boundary(tmp_path, stop):
    schedule = GrowthSchedule(stabilise_steps=4, fade_steps=3, n_stages=3)  # fades at steps 4-6 and 11-13
    steps = 13
    straight = training.train_gan(*build(), data(), train_config(steps), progress=False,
                                  before_step=[progan.growth_callback(schedule)])
    ckpt = tmp_path / "run.pt"
    training.train_gan(*build(), data(), train_config(stop), progress=False,
                       before_step=[progan.growth_callback(schedule)], checkpoint_path=ckpt, checkpoint_every=stop)
    resumed = training.train_gan(*build(seed=5), data(), train_config(steps), progress=False,
                                 before_step=[progan.growth_callback(schedule)], checkpoint_path=ckpt, resume=True)
    assert resumed.step == straight.step == steps
    assert torch.equal(weights(resumed), weights(straight))
    assert resumed.history["d_loss"] == straight.history["d_loss"]


# --- Clear errors ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [4, 12, 24, 33, 0, "32", 32.0, True])
def test_final_size_must_be_a_power_of_two_at_least_8(bad):
    with pytest.raises(ValueError, match="img_size must be a power of two >= 8"):
        ProGANConfig(img_size=bad)


@pytest.mark.parametrize("kw,match", [({"img_channels": 2}, "img_channels"),
                                      ({"mbstd_group_size": -1}, "mbstd_group_size"),
                                      ({"equalized_lr": 1}, "equalized_lr must be True or False"),
                                      ({"fmap_base": 16}, "no channels at 32x32")])
def test_bad_config(kw, match):
    with pytest.raises(ValueError, match=match):
        ProGANConfig(img_size=32, **kw)


@pytest.mark.parametrize("stage,alpha,match", [(-1, 1.0, "stage"), (3, 1.0, r"stage .* <= 2"), (1.0, 1.0, "stage"),
                                               (1, -0.1, r"alpha .* in \[0, 1\]"), (1, 1.5, "alpha"),
                                               (1, float("nan"), "alpha")])
def test_bad_stage_or_alpha(stage, alpha, match):
    G, D = build(img_size=16)
    for net in (G, D):
        with pytest.raises(ValueError, match=match):
            net.set_growth(stage, alpha)


def test_wrong_inputs_say_what_is_expected():
    G, D = build(img_size=16)
    grow(1, 1.0, G, D)
    with pytest.raises(ValueError, match=r"D.*stage 1 expects images \[B, 1, 8, 8\], got \[4, 1, 16, 16\]"):
        D(torch.randn(4, 1, 16, 16))
    with pytest.raises(ValueError, match=r"z of shape \[B, 8\]"):
        G(torch.randn(4, 9))
    with pytest.raises(ValueError, match="fade_steps must be an int >= 1"):
        GrowthSchedule(10, 0, 3)
