"""Shared blocks of chapters 05-08 against their formulas and hand computations."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_course import layers


# --- Equalized learning rate ---------------------------------------------------------------------------
def test_equalized_linear_scale_is_gain_over_sqrt_fan_in():
    torch.manual_seed(0)
    lin = layers.EqualizedLinear(50, 7)
    assert lin.scale == pytest.approx(math.sqrt(2) / math.sqrt(50))
    x = torch.randn(3, 50)
    assert torch.allclose(lin(x), x @ (lin.weight * lin.scale).T + lin.bias, atol=1e-6)
    assert layers.EqualizedLinear(50, 7, gain=1.0).scale == pytest.approx(1 / math.sqrt(50))
    assert abs(lin.weight.std().item() - 1.0) < 0.1  # stored weights are N(0, 1)


def test_equalized_conv_scale_and_output():
    torch.manual_seed(0)
    conv = layers.EqualizedConv2d(4, 6, 3)
    assert conv.scale == pytest.approx(math.sqrt(2) / math.sqrt(4 * 9))
    x = torch.randn(2, 4, 5, 5)
    assert torch.allclose(conv(x), F.conv2d(x, conv.weight * conv.scale, conv.bias, padding=1), atol=1e-6)
    assert conv(x).shape == (2, 6, 5, 5)
    assert layers.EqualizedConv2d(4, 6, 3, stride=2)(x).shape == (2, 6, 3, 3)


def test_lr_multiplier_keeps_the_initial_weights_and_scales_the_step():
    """One Adam step moves each stored weight by ~lr; the effective weight w * scale therefore moves by
    lr * gain * lr_mul / sqrt(fan_in): lr_mul = 0.01 makes the layer learn 100 times slower."""
    lr, fan_in = 1e-3, 64
    moves = {}
    for lr_mul in (1.0, 0.01):
        torch.manual_seed(0)
        lin = layers.EqualizedLinear(fan_in, 16, lr_mul=lr_mul).double()  # float64: a 1e-6 step on 0.2 is exact
        effective = (lin.weight * lin.scale).detach().clone()
        assert abs(effective.std().item() - math.sqrt(2 / fan_in)) < 0.02  # the same initial distribution
        opt = torch.optim.Adam(lin.parameters(), lr=lr, eps=1e-15)  # eps << |grad|: the first step is lr * sign(grad)
        lin(torch.randn(32, fan_in, dtype=torch.float64)).square().mean().backward()
        opt.step()
        moves[lr_mul] = ((lin.weight * lin.scale).detach() - effective).abs()
        expected = lr * math.sqrt(2) * lr_mul / math.sqrt(fan_in)  # Adam's first step is lr * sign(grad)
        assert torch.allclose(moves[lr_mul], torch.full_like(effective, expected), rtol=1e-3)
    assert (moves[0.01] / moves[1.0]).mean().item() == pytest.approx(0.01, rel=1e-3)


def test_equalized_bias_init_is_the_effective_initial_bias():
    lin = layers.EqualizedLinear(4, 3, bias_init=1.0, lr_mul=0.01)
    assert torch.allclose(lin(torch.zeros(1, 4)), torch.ones(1, 3))


# --- Pixel norm and minibatch stddev ---------------------------------------------------------------------------
def test_pixel_norm_gives_unit_mean_square_per_pixel():
    x = torch.randn(3, 8, 4, 4) * 5 + 2
    y = layers.PixelNorm()(x)
    assert torch.allclose(y.square().mean(dim=1), torch.ones(3, 4, 4), atol=1e-5)
    z = torch.randn(6, 10) * 3
    assert torch.allclose(layers.pixel_norm(z).square().mean(dim=1), torch.ones(6), atol=1e-5)
    assert torch.allclose(layers.pixel_norm(2 * x), layers.pixel_norm(x), atol=1e-5)  # scale-free


def test_minibatch_stddev_by_hand_with_strided_groups():
    # 4 samples, group size 2: groups are {0, 2} and {1, 3} (strided, as the authors' reshape).
    x = torch.zeros(4, 1, 1, 2)
    x[0, 0, 0] = torch.tensor([0.0, 0.0])
    x[2, 0, 0] = torch.tensor([2.0, 4.0])   # group {0, 2}: std of (0, 2) = 1, of (0, 4) = 2 -> mean 1.5
    x[1, 0, 0] = torch.tensor([1.0, 1.0])
    x[3, 0, 0] = torch.tensor([1.0, 1.0])   # group {1, 3}: identical -> std 0 (+ eps)
    y = layers.minibatch_stddev(x, group_size=2)
    assert y.shape == (4, 2, 1, 2) and torch.equal(y[:, :1], x)
    assert torch.allclose(y[0, 1], torch.full((1, 2), 1.5), atol=1e-3)
    assert torch.allclose(y[2, 1], torch.full((1, 2), 1.5), atol=1e-3)
    assert y[1, 1].abs().max() < 1e-3 and y[3, 1].abs().max() < 1e-3


def test_minibatch_stddev_group_larger_than_batch_and_bad_batches():
    x = torch.randn(3, 2, 2, 2)
    y = layers.MinibatchStdDev(group_size=4)(x)  # a batch of 3 is one group of 3
    expected = x.std(dim=0, unbiased=False).mean()
    assert torch.allclose(y[:, 2], expected.expand(3, 2, 2), atol=1e-4)
    with pytest.raises(ValueError, match="batch size must be divisible by 4, got 6"):
        layers.minibatch_stddev(torch.randn(6, 2, 2, 2), group_size=4)


# --- Spectral norm, conditional BN, self-attention ---------------------------------------------------------
def test_spectral_norm_brings_the_largest_singular_value_to_one():
    torch.manual_seed(0)
    lin = layers.sn(nn.Linear(20, 30))
    with torch.no_grad():
        lin.parametrizations.weight.original.mul_(7.0)
    for _ in range(100):  # each forward in training mode is one power iteration
        lin(torch.randn(2, 20))
    assert torch.linalg.matrix_norm(lin.weight, ord=2).item() == pytest.approx(1.0, abs=1e-3)
    conv = layers.sn(nn.Conv2d(3, 8, 3))
    for _ in range(100):
        conv(torch.randn(1, 3, 5, 5))
    assert torch.linalg.matrix_norm(conv.weight.flatten(1), ord=2).item() == pytest.approx(1.0, abs=1e-3)


def test_conditional_batch_norm_is_plain_bn_when_gain_and_bias_are_zero():
    torch.manual_seed(0)
    cbn = layers.ConditionalBatchNorm2d(5, 7, spectral=False)
    with torch.no_grad():
        cbn.gain.weight.zero_()
        cbn.bias.weight.zero_()
    x, c = torch.randn(8, 5, 3, 3) * 3 + 1, torch.randn(8, 7)
    assert torch.allclose(cbn(x, c), F.batch_norm(x, None, None, training=True), atol=1e-5)


def test_conditional_batch_norm_gain_is_one_plus_gamma():
    torch.manual_seed(0)
    cbn = layers.ConditionalBatchNorm2d(4, 3, spectral=False)
    x, c = torch.randn(6, 4, 2, 2), torch.randn(6, 3)
    normed = F.batch_norm(x, None, None, training=True)
    expected = (1 + cbn.gain(c))[:, :, None, None] * normed + cbn.bias(c)[:, :, None, None]
    assert torch.allclose(cbn(x, c), expected, atol=1e-5)
    other = torch.randn(6, 3)
    assert not torch.allclose(cbn(x, c), cbn(x, other))  # the condition changes the output
    with pytest.raises(ValueError, match="one conditioning vector per sample"):
        cbn(x, torch.randn(5, 3))
    assert isinstance(layers.ConditionalBatchNorm2d(4, 3).gain.parametrizations.weight[0],
                      torch.nn.utils.parametrizations._SpectralNorm)


def test_self_attention_is_the_identity_at_gamma_zero():
    torch.manual_seed(0)
    att = layers.SelfAttention(16)
    x = torch.randn(2, 16, 4, 4)
    assert att.gamma.item() == 0.0 and torch.equal(att(x), x)


def test_self_attention_matches_a_hand_computation():
    torch.manual_seed(0)
    att = layers.SelfAttention(8, spectral=False)
    with torch.no_grad():
        att.gamma.fill_(1.0)
    x = torch.randn(1, 8, 2, 2)  # 4 positions
    q, k, v, o = (conv.weight.detach() for conv in (att.q, att.k, att.v, att.o))
    q, k = q.view(1, 8), k.view(1, 8)  # C/8 = 1 query (key) feature
    v, o = v.view(4, 8), o.view(8, 4)  # C/2 = 4 value features, back to C = 8
    pixels = x[0].view(8, 4).T   # [4 positions, 8 channels]
    out = torch.zeros(4, 8)
    for n in range(4):           # position n attends to every position m
        scores = torch.stack([(q @ pixels[n]) * (k @ pixels[m]) for m in range(4)]).flatten()
        weights = torch.softmax(scores, dim=0)
        mixed = sum(weights[m] * (v @ pixels[m]) for m in range(4))   # [4]
        out[n] = pixels[n] + o @ mixed
    assert torch.allclose(att(x)[0].view(8, 4).T, out, atol=1e-5)
    assert layers.SelfAttention(16, pool=True)(torch.randn(2, 16, 4, 4)).shape == (2, 16, 4, 4)


def test_pooled_self_attention_by_hand():
    """BigGAN's variant: keys and values max-pooled 2x2, so each of the H*W queries attends to H*W/4 positions."""
    torch.manual_seed(0)
    att = layers.SelfAttention(16, spectral=False, pool=True)
    with torch.no_grad():
        att.gamma.fill_(0.5)
    x = torch.randn(2, 16, 4, 4)
    weight = lambda conv: conv.weight.detach()[:, :, 0, 0]   # noqa: E731  [out, in]
    q = torch.einsum("dc,bchw->bdhw", weight(att.q), x).flatten(2)                       # [B, 2, 16]
    k = F.max_pool2d(torch.einsum("dc,bchw->bdhw", weight(att.k), x), 2).flatten(2)     # [B, 2, 4]
    v = F.max_pool2d(torch.einsum("dc,bchw->bdhw", weight(att.v), x), 2).flatten(2)     # [B, 8, 4]
    beta = torch.softmax(q.transpose(1, 2) @ k, dim=-1)                                  # [B, 16, 4]
    o = torch.einsum("cd,bdn->bcn", weight(att.o), v @ beta.transpose(1, 2))            # [B, 16, 16]
    expected = x + 0.5 * o.view(2, 16, 4, 4)
    assert torch.allclose(att(x), expected, atol=1e-5)
    unpooled = layers.SelfAttention(16, spectral=False, pool=False)
    unpooled.load_state_dict(att.state_dict())
    assert not torch.allclose(unpooled(x), expected, atol=1e-3)  # pooling changes the result
    with pytest.raises(ValueError, match="channels must be an int >= 8"):
        layers.SelfAttention(4)


# --- AdaIN and noise ---------------------------------------------------------------------------------------------
def test_adain_output_has_the_styles_mean_and_std():
    torch.manual_seed(0)
    adain = layers.AdaIN(6, 5)
    x, w = torch.randn(3, 6, 8, 8) * 4 + 2, torch.randn(3, 5)
    y = adain(x, w)
    scale, bias = adain.style(w).chunk(2, dim=1)   # [3, 6] each
    assert torch.allclose(y.mean(dim=(2, 3)), bias, atol=1e-4)
    assert torch.allclose(y.std(dim=(2, 3), unbiased=False), (1 + scale).abs(), atol=1e-3)


def test_adain_function_is_the_papers_equation_1():
    """AdaIN(x_i, y) = y_s,i (x_i - mu(x_i)) / sigma(x_i) + y_b,i, by hand on one feature map of 4 pixels."""
    x = torch.tensor([1.0, 2.0, 3.0, 6.0]).view(1, 1, 2, 2)             # mean 3, biased std sqrt(3.5)
    y = layers.adain(x, torch.tensor([[2.0]]), torch.tensor([[-1.0]]))
    expected = 2 * (torch.tensor([1.0, 2.0, 3.0, 6.0]) - 3) / math.sqrt(3.5) - 1
    assert torch.allclose(y.flatten(), expected, atol=1e-6)
    with pytest.raises(ValueError, match=r"a scale and a bias per sample and channel, \[B, C\] = \[1, 1\]"):
        layers.adain(x, torch.ones(1, 2), torch.ones(1, 1))


def test_adain_scale_starts_near_one():
    """With w = 0 the style is exactly the affine map's biases: scale 1 + 0, shift 0."""
    adain = layers.AdaIN(4, 3)
    x = torch.randn(2, 4, 5, 5)
    normed = (x - x.mean((2, 3), keepdim=True)) / x.std((2, 3), unbiased=False, keepdim=True)
    assert torch.allclose(adain(x, torch.zeros(2, 3)), normed, atol=1e-4)


def test_noise_injection_is_the_identity_at_init_and_broadcasts_over_channels():
    inject = layers.NoiseInjection(3)
    x = torch.randn(2, 3, 4, 4)
    assert torch.equal(inject(x), x)
    with torch.no_grad():
        inject.weight.copy_(torch.tensor([0.0, 1.0, 2.0]))
    noise = torch.randn(2, 1, 4, 4)
    y = inject(x, noise)
    assert torch.allclose(y - x, torch.cat([0 * noise, noise, 2 * noise], dim=1), atol=1e-6)
    with pytest.raises(ValueError, match=r"noise must be \[B, 1, H, W\]"):
        inject(x, torch.randn(2, 3, 4, 4))


# --- Modulated convolution ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("demodulate", [True, False])
@pytest.mark.parametrize("kernel", [1, 3])
def test_modulated_conv_equals_the_grouped_per_sample_weight_form(demodulate, kernel):
    torch.manual_seed(0)
    x, weight, styles = torch.randn(4, 6, 8, 8), torch.randn(5, 6, kernel, kernel), torch.randn(4, 6)
    fast = layers.modulated_conv2d(x, weight, styles, demodulate=demodulate, padding=kernel // 2)
    textbook = layers.modulated_conv2d_grouped(x, weight, styles, demodulate=demodulate, padding=kernel // 2)
    assert fast.shape == (4, 5, 8, 8)
    assert torch.allclose(fast, textbook, atol=1e-5, rtol=1e-5)


def test_demodulation_gives_unit_variance_outputs_for_unit_variance_inputs():
    """The paper's sec. 2.2: for i.i.d. unit-variance inputs, out_o has std sqrt(sum w'^2); d divides it out."""
    torch.manual_seed(0)
    x = torch.randn(8, 32, 16, 16)
    weight, styles = torch.randn(16, 32, 3, 3) * 0.3, torch.rand(8, 32) * 3 + 0.1
    y = layers.modulated_conv2d(x, weight, styles, demodulate=True, padding=0)  # no padding: no border zeros
    per_channel_std = y.std(dim=(2, 3))   # [B, O]
    assert per_channel_std.mean().item() == pytest.approx(1.0, abs=0.05)
    raw = layers.modulated_conv2d(x, weight, styles, demodulate=False, padding=0).std(dim=(2, 3))
    assert raw.mean().item() > 3  # without demodulation the styles' scale goes straight through


def test_modulated_conv_layer_styles_start_at_one():
    torch.manual_seed(0)
    layer = layers.ModulatedConv2d(4, 3, 3, w_dim=5, demodulate=False)
    assert torch.allclose(layer.affine(torch.zeros(2, 5)), torch.ones(2, 4))
    x = torch.randn(2, 4, 6, 6)
    expected = F.conv2d(x, layer.weight * layer.scale, padding=1)  # s = 1: an ordinary equalized conv
    assert torch.allclose(layer(x, torch.zeros(2, 5)), expected, atol=1e-5)
    with pytest.raises(ValueError, match="must agree on the batch size"):
        layers.modulated_conv2d(x, layer.weight, torch.ones(3, 4))
