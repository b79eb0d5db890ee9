"""Shapes, gradient flow and determinism for every model family."""
import pytest
import torch

from gan_course import models, runtime
from gan_course.models.mlp import MLPConfig

SHAPES = [(2,), (1, 8, 8), (1, 16, 16), (3, 32, 32)]


@pytest.mark.parametrize("shape", SHAPES)
def test_mlp_shapes_and_range(shape):
    G, D = models.build("mlp", sample_shape=shape, z_dim=8, hidden=16)
    x = G(torch.randn(5, 8))
    assert x.shape == (5, *shape)
    if len(shape) == 3:
        assert x.abs().max() <= 1  # tanh: images in [-1, 1]
    assert D(x).shape == (5,)


@pytest.mark.parametrize("shape", SHAPES)
def test_mlp_gradients_reach_every_parameter(shape):
    G, D = models.build("mlp", sample_shape=shape, z_dim=8, hidden=16)
    D(G(torch.randn(4, 8))).sum().backward()
    for name, p in [*G.named_parameters(), *D.named_parameters()]:
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_mlp_determinism():
    runtime.seed_everything(0)
    G1, _ = models.build("mlp", sample_shape=(2,))
    runtime.seed_everything(0)
    G2, _ = models.build("mlp", sample_shape=(2,))
    z = torch.randn(3, G1.z_dim)
    assert torch.equal(G1(z), G2(z))


def test_wrong_image_size_is_a_clear_error():
    _, D = models.build("mlp", sample_shape=(1, 16, 16))
    with pytest.raises(ValueError, match=r"built for samples of shape \(1, 16, 16\), got \(1, 28, 28\)"):
        D(torch.zeros(2, 1, 28, 28))
    G, _ = models.build("mlp", sample_shape=(2,), z_dim=4)
    with pytest.raises(ValueError, match=r"z of shape \[B, 4\]"):
        G(torch.zeros(2, 5))


def test_bad_config_and_family():
    with pytest.raises(ValueError, match="sample_shape"):
        MLPConfig(sample_shape=(1, 8))
    with pytest.raises(ValueError, match="valid: mlp"):
        models.build("resnet")
