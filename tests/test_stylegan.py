"""StyleGAN (chapter 07): shapes, the mapping network (pixel norm, depth, lr multiplier, running average
of w), the constant input, noise after the conv and before AdaIN, style mixing in training mode only,
truncation in W, D = chapter 05's D at its final resolution, gradients, determinism, training through
the shared loop with exact resume, and clear errors."""
import itertools

import pytest
import torch
from torch import nn

from gan_course import layers, models, runtime, training
from gan_course.models import progan, stylegan
from gan_course.models.stylegan import Discriminator, Generator, StyleGANConfig


def small(img_size=16, img_channels=1, **kw):
    return StyleGANConfig(**{"img_size": img_size, "img_channels": img_channels, "z_dim": 8, "w_dim": 8,
                             "mapping_layers": 3, "fmap_base": 128, "fmap_max": 16, **kw})


def build(seed=0, **kw):
    runtime.seed_everything(seed)
    cfg = small(**kw)
    return Generator(cfg), Discriminator(cfg)


# --- Shapes and the protocol ---------------------------------------------------------------------------------
@pytest.mark.parametrize("img_size,img_channels", list(itertools.product((8, 16, 32), (1, 3))))
def test_shapes(img_size, img_channels):
    G, D = build(img_size=img_size, img_channels=img_channels)
    n_res = {8: 2, 16: 3, 32: 4}[img_size]
    assert G.num_ws == 2 * n_res and (G.z_dim, G.w_dim) == (8, 8)
    assert G.synthesis.noise_sizes == tuple(4 * 2**k for k in range(n_res) for _ in range(2))
    z = torch.randn(4, 8)
    w = G.mapping(z)
    assert w.shape == (4, 8)
    ws = stylegan.broadcast(w, G.num_ws)
    assert ws.shape == (4, G.num_ws, 8) and torch.equal(ws[:, -1], w)
    x = G.synthesis(ws)
    assert x.shape == (4, img_channels, img_size, img_size) == G(z).shape
    assert D(x).shape == (4,)
    assert G.w_avg is G.mapping.w_avg and G.w_avg.shape == (8,)


def test_registered_in_models():
    G, D = models.build("stylegan", img_size=8, z_dim=4, w_dim=4, fmap_base=64, fmap_max=8)
    assert isinstance(G, Generator) and isinstance(D, Discriminator) and G.cfg.mapping_layers == 8


# --- The mapping network ----------------------------------------------------------------------------------------
def test_mapping_normalises_z_and_its_depth_is_a_config_field():
    G, _ = build(mapping_layers=5)
    linears = [m for m in G.mapping.modules() if isinstance(m, layers.EqualizedLinear)]
    assert len(linears) == 5 and all(m.lr_mul == 0.01 for m in linears)
    G.eval()
    z = torch.randn(3, 8)
    assert torch.allclose(G.mapping(z), G.mapping(7 * z), atol=1e-5)  # pixel norm first: only z's direction counts
    by_hand = layers.pixel_norm(z)
    for lin in linears:
        by_hand = torch.nn.functional.leaky_relu(lin(by_hand), 0.2)
    assert torch.allclose(G.mapping(z), by_hand, atol=1e-6)


def test_the_lr_multiplier_is_on_the_mapping_network_only():
    G, _ = build()
    synthesis = [m for m in G.synthesis.modules() if isinstance(m, (layers.EqualizedLinear, layers.EqualizedConv2d))]
    assert synthesis and all(m.lr_mul == 1.0 for m in synthesis)


def test_the_mapping_lr_multiplier_is_a_config_field():
    G, _ = build(mapping_lr_mul=0.1)
    assert all(m.lr_mul == 0.1 for m in G.mapping.layers)
    assert all(m.lr_mul == 1.0 for m in G.synthesis.modules() if isinstance(m, layers.EqualizedLinear))


def test_no_mapping_network_gives_the_pixel_normed_z():
    G, _ = build(mapping_layers=0)
    z = torch.randn(3, 8)
    assert torch.allclose(G.eval().mapping(z), layers.pixel_norm(z))
    with pytest.raises(ValueError, match="w_dim must equal z_dim"):
        small(mapping_layers=0, w_dim=16)


def test_w_avg_tracks_the_mean_w_with_beta_0995_in_training_mode_only():
    G, _ = build(style_mixing_prob=1.0)  # mixing maps a second z: it must not count
    assert torch.equal(G.w_avg, torch.zeros(8))
    z = torch.randn(16, 8)
    G.eval()
    G(z)
    assert torch.equal(G.w_avg, torch.zeros(8))  # eval mode: untouched
    expected = 0.005 * G.mapping(z).mean(0)
    G.train()
    G(z)
    assert torch.allclose(G.w_avg, expected, atol=1e-7)
    z2 = torch.randn(16, 8)
    G.eval()
    expected = 0.995 * expected + 0.005 * G.mapping(z2).mean(0)
    G.train()
    G(z2)
    assert torch.allclose(G.w_avg, expected, atol=1e-7)


# --- The synthesis network -------------------------------------------------------------------------------------
def test_the_input_is_a_learned_constant_of_ones():
    G, _ = build()
    assert isinstance(G.synthesis.const, nn.Parameter) and G.synthesis.const.shape == (1, 16, 4, 4)
    assert torch.equal(G.synthesis.const.data, torch.ones(1, 16, 4, 4))
    ws = stylegan.broadcast(torch.randn(1, 8), G.num_ws).repeat(3, 1, 1)
    x = G.synthesis(ws, noise="none")  # the same styles, no noise: the same image, whatever the batch
    assert torch.equal(x[0], x[1]) and torch.equal(x[0], x[2])


def test_noise_is_added_after_the_conv_and_before_adain():
    torch.manual_seed(0)
    epilogue = stylegan.LayerEpilogue(4, 3)
    with torch.no_grad():
        epilogue.noise.weight.copy_(torch.tensor([0.0, 1.0, 2.0, 3.0]))
        epilogue.bias.copy_(torch.tensor([0.5, -0.5, 0.0, 1.0]))
    x, w, noise = torch.randn(2, 4, 5, 5), torch.randn(2, 3), torch.randn(2, 1, 5, 5)
    with_noise = x + torch.tensor([0.0, 1.0, 2.0, 3.0]).view(1, 4, 1, 1) * noise  # one map, per-channel weights
    by_hand = epilogue.adain(torch.nn.functional.leaky_relu(with_noise + epilogue.bias.view(1, 4, 1, 1), 0.2), w)
    assert torch.allclose(epilogue(x, w, noise), by_hand, atol=1e-6)
    assert torch.allclose(epilogue(x, w, None), epilogue.adain(torch.nn.functional.leaky_relu(
        x + epilogue.bias.view(1, 4, 1, 1), 0.2), w), atol=1e-6)


def test_noise_does_nothing_at_initialisation():
    G, _ = build()
    ws = stylegan.broadcast(torch.randn(3, 8), G.num_ws)
    assert all(torch.equal(m.weight, torch.zeros_like(m.weight))
               for m in G.modules() if isinstance(m, layers.NoiseInjection))
    assert torch.equal(G.synthesis(ws, noise="random"), G.synthesis(ws, noise="none"))


def noisy(G):
    with torch.no_grad():
        for m in G.modules():
            if isinstance(m, layers.NoiseInjection):
                m.weight.fill_(0.5)
    return G


def test_noise_options():
    G, _ = build()
    noisy(G)
    ws = stylegan.broadcast(torch.randn(3, 8), G.num_ws)
    assert not torch.equal(G.synthesis(ws), G.synthesis(ws))                      # "random": fresh every call
    assert torch.equal(G.synthesis(ws, noise="none"), G.synthesis(ws, noise="none"))
    fixed = stylegan.noise_inputs(G.synthesis.noise_sizes, 1, seed=3)
    assert torch.equal(fixed[2], stylegan.noise_inputs(G.synthesis.noise_sizes, 1, seed=3)[2])
    shared = G.synthesis(ws, noise=fixed)                                          # a batch of 1: shared
    assert torch.equal(shared, G.synthesis(ws, noise=[n.repeat(3, 1, 1, 1) for n in fixed]))
    off = [None] * len(fixed)
    assert torch.equal(G.synthesis(ws, noise=off), G.synthesis(ws, noise="none"))
    only_last = off[:-1] + fixed[-1:]
    changed = (G.synthesis(ws, noise=only_last) - G.synthesis(ws, noise="none")).abs()
    assert changed.max() > 0


# --- Style mixing and truncation --------------------------------------------------------------------------
def test_style_mix_takes_the_layers_below_the_crossover_from_a():
    a, b = torch.randn(2, 6, 4), torch.randn(2, 6, 4)
    for crossover in range(7):
        mixed = stylegan.style_mix(a, b, crossover)
        assert torch.equal(mixed[:, :crossover], a[:, :crossover]) and torch.equal(mixed[:, crossover:], b[:, crossover:])
    assert torch.equal(stylegan.style_mix(a, b, 0), b) and torch.equal(stylegan.style_mix(a, b, 6), a)


def test_mixing_crossover_statistics():
    torch.manual_seed(0)
    draws = torch.tensor([stylegan.mixing_crossover(8, 0.9) for _ in range(4000)])
    assert draws.min() >= 1 and draws.max() <= 8
    assert abs((draws == 8).float().mean().item() - 0.1) < 0.02                      # no mixing 10% of the time
    counts = torch.bincount(draws, minlength=9)[1:8].float()
    assert counts.min() > 0.8 * counts.mean()                                         # uniform over 1..7
    assert all(stylegan.mixing_crossover(8, 0.0) == 8 for _ in range(20))


def test_training_mode_mixes_two_ws_and_eval_mode_does_not():
    G, _ = build(style_mixing_prob=1.0)
    z = torch.randn(4, 8)
    torch.manual_seed(7)
    out = G.train()(z, noise="none")
    torch.manual_seed(7)                                       # replay the forward pass's random draws by hand
    G.eval()
    crossover = stylegan.mixing_crossover(G.num_ws, 1.0)
    z2 = torch.randn_like(z)
    ws = stylegan.style_mix(stylegan.broadcast(G.mapping(z), G.num_ws), stylegan.broadcast(G.mapping(z2), G.num_ws),
                            crossover)
    assert 1 <= crossover < G.num_ws
    assert torch.allclose(out, G.synthesis(ws, noise="none"), atol=1e-6)
    plain = G.synthesis(stylegan.broadcast(G.mapping(z), G.num_ws), noise="none")
    assert torch.allclose(G(z, noise="none"), plain, atol=1e-6)
    assert not torch.allclose(out, plain, atol=1e-4)


def test_truncation_by_hand():
    ws, w_avg = torch.randn(3, 6, 4), torch.randn(4)
    assert torch.equal(stylegan.truncate(ws, w_avg, 1.0), ws)
    assert torch.allclose(stylegan.truncate(ws, w_avg, 0.0), w_avg.expand(3, 6, 4))
    out = stylegan.truncate(ws, w_avg, 0.7, cutoff=2)
    assert torch.allclose(out[:, :2], w_avg + 0.7 * (ws[:, :2] - w_avg)) and torch.equal(out[:, 2:], ws[:, 2:])
    assert torch.equal(stylegan.truncate(ws, w_avg, 0.3, cutoff=0), ws)


def test_truncated_sample_at_psi_zero_is_the_average_image():
    G, _ = build()
    noisy(G)
    with torch.no_grad():
        G.w_avg.copy_(torch.randn(8))
    G.train()
    x = stylegan.truncated_sample(G, torch.randn(4, 8), psi=0.0, noise="none")
    assert torch.allclose(x, x[:1].expand_as(x), atol=1e-6) and G.training  # G's mode restored
    varied = stylegan.truncated_sample(G, torch.randn(4, 8), psi=0.0, cutoff=G.num_ws - 2, noise="none")
    assert (varied - varied[:1]).abs().max() > 0  # the two finest layers keep their own styles


# --- D is chapter 05's ----------------------------------------------------------------------------------------
def test_discriminator_is_chapter_05s_at_its_final_resolution():
    _, D = build(img_size=16, img_channels=3)
    cfg = D.cfg
    theirs = progan.Discriminator(progan.ProGANConfig(img_size=16, img_channels=3, fmap_base=cfg.fmap_base,
                                                      fmap_max=cfg.fmap_max))
    last = theirs.n_stages - 1
    theirs.from_rgb[last].load_state_dict(D.from_rgb.state_dict())
    for i, block in enumerate(D.blocks):
        theirs.blocks[last - i].load_state_dict(block.state_dict())
    theirs.blocks[0].load_state_dict(D.epilogue.state_dict())
    x = torch.randn(8, 3, 16, 16)
    assert torch.allclose(D(x), theirs(x), atol=1e-5)
    assert isinstance(D.epilogue.mbstd, layers.MinibatchStdDev)


def test_equalized_layers_everywhere():
    G, D = build()
    plain = [m for net in (G, D) for m in net.modules() if type(m) in (nn.Linear, nn.Conv2d)]
    assert plain == []
    assert G.synthesis.to_rgb.scale == pytest.approx(1 / G.cfg.channels(16) ** 0.5)  # toRGB: gain 1
    assert not any(isinstance(m, nn.Tanh) for m in G.modules())


# --- Gradients and determinism -----------------------------------------------------------------------------------
def test_gradients_reach_every_parameter_of_G_and_none_of_D():
    G, D = build(style_mixing_prob=1.0)
    D(G(torch.randn(4, 8))).sum().backward()
    missing = [name for name, p in G.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert missing == []
    G.zero_grad(set_to_none=True)
    D.zero_grad(set_to_none=True)
    D(G(torch.randn(4, 8)).detach()).sum().backward()
    assert all(p.grad is None for p in G.parameters()) and all(p.grad is not None for p in D.parameters())


def test_without_noise_the_noise_weights_get_no_gradient():
    G, _ = build()
    G(torch.randn(2, 8), noise="none").sum().backward()
    assert all(m.weight.grad is None for m in G.modules() if isinstance(m, layers.NoiseInjection))


def test_determinism():
    (G1, D1), (G2, D2) = build(seed=3), build(seed=3)
    z = torch.randn(4, 8)
    torch.manual_seed(0)
    a = G1(z)
    torch.manual_seed(0)
    b = G2(z)
    assert torch.equal(a, b) and torch.equal(D1(a), D2(b))
    G3, _ = build(seed=4)
    assert not torch.equal(G3.eval()(z, noise="none"), G1.eval()(z, noise="none"))


# --- Training through the shared loop -------------------------------------------------------------------------
def data(n=32, size=16):
    return torch.rand(n, 1, size, size, generator=torch.Generator().manual_seed(1)) * 2 - 1


def train_config(steps, **kw):
    return training.TrainConfig(**{"steps": steps, "batch_size": 8, "loss": "nonsaturating", "r1_gamma": 1.0,
                                   "lr_g": 2e-3, "lr_d": 2e-3, "betas": (0.0, 0.99), "ema_decay": 0.9,
                                   "snapshot_every": 2, "n_snapshot": 4, **kw})


def weights(run):
    return torch.cat([p.detach().flatten() for m in run.modules.values() for p in m.state_dict().values()])


def test_training_step_with_r1_and_ema_keeps_w_avg():
    run = training.train_gan(*build(), data(), train_config(4), progress=False)
    assert "r1" in run.history.logs and all(torch.isfinite(torch.tensor(run.history["d_loss"])))
    assert run.G.w_avg.abs().sum() > 0 and torch.equal(run.G_ema.w_avg, run.G.w_avg)  # EMA copies buffers


def test_the_loops_path_length_regulariser_accepts_it():
    run = training.train_gan(*build(), data(), train_config(2, pl_weight=2.0, pl_every=1), progress=False)
    assert "pl" in " ".join(run.history.logs) and run.state["pl_mean"] > 0


@pytest.mark.parametrize("stop", [2, 3])
def test_exact_resume(tmp_path, stop):
    steps = 5
    straight = training.train_gan(*build(), data(), train_config(steps), progress=False)
    ckpt = tmp_path / "run.pt"
    training.train_gan(*build(), data(), train_config(stop), progress=False, checkpoint_path=ckpt, checkpoint_every=stop)
    resumed = training.train_gan(*build(seed=5), data(), train_config(steps), progress=False, checkpoint_path=ckpt,
                                 resume=True)
    assert torch.equal(weights(resumed), weights(straight))
    assert resumed.history["g_loss"] == straight.history["g_loss"]


# --- Clear errors ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw,match", [({"img_size": 4}, "power of two >= 8"), ({"img_size": 24}, "power of two"),
                                      ({"img_channels": 2}, "img_channels"), ({"mapping_layers": -1}, "mapping_layers"),
                                      ({"style_mixing_prob": 1.5}, "style_mixing_prob"),
                                      ({"mapping_lr_mul": 0}, "mapping_lr_mul"), ({"mapping_lr_mul": 2.0}, "mapping_lr_mul"),
                                      ({"fmap_base": 8}, "no channels at 16x16")])
def test_bad_config(kw, match):
    with pytest.raises(ValueError, match=match):
        small(**kw)


def test_bad_input_says_what_is_valid():
    G, D = build()
    ws = stylegan.broadcast(torch.randn(2, 8), G.num_ws)
    with pytest.raises(ValueError, match=r"crossover \(a layer index in \[0, num_ws=6\]\) must be an int <= 6"):
        stylegan.style_mix(ws, ws, 7)
    with pytest.raises(ValueError, match=r"crossover .* must be an int >= 0"):
        stylegan.style_mix(ws, ws, -1)
    with pytest.raises(ValueError, match=r"psi .* must be in \[-1.0, 2.0\], got -1.5"):
        stylegan.truncate(ws, G.w_avg, -1.5)
    with pytest.raises(ValueError, match=r"cutoff .* must be an int <= 6"):
        stylegan.truncate(ws, G.w_avg, 0.5, cutoff=9)
    with pytest.raises(ValueError, match=r"w_avg must be one w \[w_dim=8\]"):
        stylegan.truncate(ws, torch.zeros(3), 0.5)
    with pytest.raises(ValueError, match="a list of 6 tensors .* got a list of 5"):
        G.synthesis(list(ws.unbind(1))[:5])
    assert torch.equal(G.synthesis(list(ws.unbind(1)), noise="none"), G.synthesis(ws, noise="none"))
    with pytest.raises(ValueError, match=r"styles \[B, num_ws=6, w_dim=8\]"):
        G.synthesis(ws[:, :4])
    with pytest.raises(ValueError, match="unknown noise 'off'"):
        G.synthesis(ws, noise="off")
    with pytest.raises(ValueError, match="a list of 6 entries"):
        G.synthesis(ws, noise=[None] * 3)
    with pytest.raises(ValueError, match=r"noise\[2\] must be a tensor \[2 or 1, 1, 8, 8\]"):
        G.synthesis(ws, noise=[None, None, torch.randn(2, 1, 4, 4), None, None, None])
    with pytest.raises(ValueError, match=r"z of shape \[B, 8\]"):
        G(torch.randn(2, 9))
    with pytest.raises(ValueError, match=r"Discriminator expects images \[B, 1, 16, 16\]"):
        D(torch.randn(2, 1, 8, 8))
