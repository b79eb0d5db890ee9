"""Latent-space tools (chapter 04) against hand-computed values."""
import math

import pytest
import torch

from gan_course import latent

E0, E1 = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])


def test_lerp_hand_values():
    a, b = torch.tensor([0.0, 2.0]), torch.tensor([4.0, -2.0])
    assert torch.equal(latent.lerp(a, b, 0.25), torch.tensor([1.0, 1.0]))
    assert torch.equal(latent.lerp(a, b, 0.0), a) and torch.equal(latent.lerp(a, b, 1.0), b)


def test_slerp_endpoints_and_orthogonal_midpoint():
    assert torch.allclose(latent.slerp(E0, E1, 0.0), E0, atol=1e-6)
    assert torch.allclose(latent.slerp(E0, E1, 1.0), E1, atol=1e-6)
    mid = latent.slerp(E0, E1, 0.5)
    assert torch.allclose(mid, (E0 + E1) / math.sqrt(2), atol=1e-6)  # (a + b) / sqrt(2)
    # a third of the way along the quarter circle: 30 degrees from e0
    assert torch.allclose(latent.slerp(E0, E1, 1 / 3), torch.tensor([math.cos(math.pi / 6), 0.5, 0.0]), atol=1e-6)


def test_slerp_keeps_the_norm_of_unit_vectors_and_lerp_does_not():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(50, 16, generator=g), torch.randn(50, 16, generator=g)
    a, b = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    t = torch.rand(50, 1, generator=g)
    assert torch.allclose(latent.slerp(a, b, t).norm(dim=1), torch.ones(50), atol=1e-5)
    assert (latent.lerp(a, b, t).norm(dim=1) < 1 - 1e-3).any()


def test_slerp_parallel_and_antiparallel_fall_back_to_lerp():
    a = torch.tensor([[1.0, 2.0], [1.0, 2.0]])
    b = torch.tensor([[2.0, 4.0], [-1.0, -2.0]])  # parallel; antiparallel
    out = latent.slerp(a, b, 0.5)
    assert torch.isfinite(out).all()
    assert torch.allclose(out, latent.lerp(a, b, 0.5))
    assert torch.equal(latent.slerp(E0, E0, 0.3), E0)


def test_slerp_gradients_are_finite_in_the_parallel_case():
    a = torch.tensor([1.0, 1.0], requires_grad=True)
    latent.slerp(a, torch.tensor([2.0, 2.0]), 0.5).sum().backward()
    assert torch.isfinite(a.grad).all()


def test_path_shapes_and_ends():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(8, generator=g), torch.randn(8, generator=g)
    for mode in ("lerp", "slerp"):
        p = latent.path(a, b, 5, mode)
        assert p.shape == (5, 8)
        assert torch.allclose(p[0], a, atol=1e-5) and torch.allclose(p[-1], b, atol=1e-5)
    assert torch.allclose(latent.path(a, b, 3, "lerp")[1], (a + b) / 2)


def test_bad_inputs():
    with pytest.raises(ValueError, match="one shape"):
        latent.slerp(torch.ones(3), torch.ones(4), 0.5)
    with pytest.raises(ValueError, match="non-zero"):
        latent.slerp(torch.zeros(3), torch.ones(3), 0.5)
    with pytest.raises(ValueError, match="valid: lerp, slerp"):
        latent.path(E0, E1, 4, "cubic")
    with pytest.raises(ValueError, match="steps must be an int >= 2"):
        latent.path(E0, E1, 1)


def test_arithmetic_hand_values():
    z_a = torch.tensor([[1.0, 0.0], [3.0, 2.0]])   # mean [2, 1]
    z_b = torch.tensor([[1.0, 1.0]])               # mean [1, 1]
    z_c = torch.tensor([[0.0, 4.0], [0.0, 2.0], [3.0, 0.0]])  # mean [1, 2]
    assert torch.equal(latent.arithmetic(z_a, z_b, z_c), torch.tensor([2.0, 2.0]))
    with pytest.raises(ValueError, match="z_b must hold at least one latent"):
        latent.arithmetic(z_a, torch.zeros(0, 2), z_c)
    with pytest.raises(ValueError, match="one latent size"):
        latent.arithmetic(z_a, torch.zeros(1, 3), z_c)


def test_principal_directions_of_a_linear_map():
    """features(z) = z * [5, 1, 0.1]: the outputs vary most along e0, then e1."""
    g = torch.Generator().manual_seed(0)
    z = torch.randn(4000, 3, generator=g)
    directions, ratio = latent.principal_directions(lambda z: z * torch.tensor([5.0, 1.0, 0.1]), z, 2)
    assert directions.shape == (2, 3) and ratio.shape == (2,)
    assert torch.allclose(directions[0], E0, atol=0.02) and torch.allclose(directions[1], E1, atol=0.02)
    assert torch.allclose(directions.norm(dim=1), torch.ones(2))
    assert abs(ratio[0] - 25 / 26.01) < 0.01 and abs(ratio[1] - 1 / 26.01) < 0.01


def test_principal_directions_of_a_rotated_map_and_images():
    """A rotation of z is undone by the regression: direction = the input that moves component 1."""
    g = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(4, 4, generator=g))
    scale = torch.tensor([4.0, 2.0, 1.0, 0.5])
    z = torch.randn(3000, 4, generator=g)
    directions, _ = latent.principal_directions(lambda z: (z @ q * scale).view(-1, 1, 2, 2), z, 1)
    assert abs(directions[0] @ q[:, 0]) > 0.995  # the same line (the sign of a PCA axis is arbitrary)
    with pytest.raises(ValueError, match="k must be an int in 1..4"):
        latent.principal_directions(lambda z: z, z, 5)


def _slerp_float64(a, b, t):
    """The textbook formula in float64, where acos near +-1 is accurate enough: a reference."""
    a, b = a.double(), b.double()
    cos = (a * b).sum(-1, keepdim=True) / (a.norm(dim=-1, keepdim=True) * b.norm(dim=-1, keepdim=True))
    omega = torch.acos(cos.clamp(-1, 1))
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


@pytest.mark.parametrize("dim", [2, 3, 8, 16, 64, 100])
def test_slerp_antiparallel_float32_falls_back_to_lerp_at_t_quarter(dim):
    # ERRATA 17: with acos, float32 gave sin(omega) ~ 3.45e-4 > eps for b = -a, so at t = 0.25 the
    # result was 0.55-0.71 a (a division by a rounding error) instead of lerp's 0.5 a.
    a = torch.randn(32, dim, generator=torch.Generator().manual_seed(dim))
    for b in (-a, -3.0 * a):
        out = latent.slerp(a, b, 0.25)
        assert out.dtype == torch.float32
        assert torch.allclose(out, latent.lerp(a, b, 0.25), atol=1e-5), (out / a)[:3, 0]


@pytest.mark.parametrize("dim", [2, 16, 100])
def test_slerp_nearly_parallel_and_nearly_antiparallel_match_float64(dim):
    g = torch.Generator().manual_seed(dim)
    a = torch.randn(32, dim, generator=g)
    parallel = torch.cat([a, 2 * a])  # exactly parallel: lerp
    assert torch.allclose(latent.slerp(parallel[:32], parallel[32:], 0.25), latent.lerp(a, 2 * a, 0.25), atol=1e-5)
    nudge = 1e-3 * a.norm(dim=1, keepdim=True) * torch.randn(32, dim, generator=g)
    for b in (a + nudge, -a + 0.3 * nudge / 1e-3):  # ~1e-3 rad from parallel; ~0.3 rad from antiparallel
        out = latent.slerp(a, b, 0.25)
        ref = _slerp_float64(a, b, 0.25)
        assert torch.allclose(out.double(), ref, rtol=1e-4, atol=1e-4 * ref.abs().max().item())
