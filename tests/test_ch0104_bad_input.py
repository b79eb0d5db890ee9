"""Bad input to chapters 01-04's models and widgets gets a clear error (ERRATA 47, 48).

Before these fixes the widgets clamped out-of-range values without a word (ipywidgets does), n_samples=0
ended in a ZeroDivisionError, and float64 input to a discriminator failed deep inside torch
("mat1 and mat2 must have the same dtype").
"""
import pytest
import torch

from gan_course import models, widgets
from gan_course.models.conditional import ConditionalConfig, ConditionalDiscriminator, ConditionalGenerator

pytest.importorskip("ipywidgets")


def _mlp_g():
    torch.manual_seed(0)
    return models.build("mlp", sample_shape=(1, 4, 4), z_dim=4, hidden=8, n_layers=1)[0]


def _conditional_g():
    torch.manual_seed(0)
    return ConditionalGenerator(ConditionalConfig(sample_shape=(1, 4, 4), z_dim=4, hidden=8, n_layers=1,
                                                  num_classes=3, embed_dim=2))


# --- widgets: out-of-range values are errors, not silent clamps ----------------------------------------------
DIRECTIONS = torch.eye(4)[:2]


@pytest.mark.parametrize("kwargs, name", [
    (dict(seed=2.5), "seed"),           # not an int
    (dict(seed=-1), "seed"),
    (dict(n_samples=0), "n_samples"),   # was a ZeroDivisionError
    (dict(n_samples=-3), "n_samples"),
    (dict(span=0.0), "span"),
    (dict(scale=0), "scale"),
])
def test_latent_sliders_rejects_bad_values(kwargs, name):
    with pytest.raises(ValueError, match=name):
        widgets.latent_sliders(_mlp_g(), DIRECTIONS, **kwargs)


def test_latent_sliders_accepts_the_edges_of_its_ranges():
    view = widgets.latent_sliders(_mlp_g(), DIRECTIONS, seed=999, n_samples=1)
    assert view.controls["seed"].value == 999


@pytest.mark.parametrize("kwargs, name", [
    (dict(seed_a=-3), "seed_a"), (dict(seed_b=-1), "seed_b"), (dict(steps=1), "steps"),
])
def test_interpolation_rejects_bad_values(kwargs, name):
    with pytest.raises(ValueError, match=name):
        widgets.interpolation(_mlp_g(), **kwargs)


@pytest.mark.parametrize("kwargs, name", [
    (dict(noise=1.5), "noise"),         # ipywidgets would have shown 1.0
    (dict(noise=-0.1), "noise"),
    (dict(n_results=0), "n_results"),
    (dict(n_candidates=0), "n_candidates"),
])
def test_vector_arithmetic_rejects_bad_values(kwargs, name):
    with pytest.raises(ValueError, match=name):
        widgets.vector_arithmetic(_mlp_g(), a=(0,), b=(0,), c=(0,), **kwargs)


@pytest.mark.parametrize("theta", [5.0, -3.5, float("nan")])
def test_disjoint_supports_rejects_theta_outside_the_slider(theta):
    with pytest.raises(ValueError, match="theta"):
        widgets.disjoint_supports(theta=theta)


@pytest.mark.parametrize("kwargs, name", [
    (dict(n_samples=0), "n_samples"), (dict(seed=-1), "seed"), (dict(seed=2**31), "seed"), (dict(nrow=0), "nrow"),
])
def test_class_picker_rejects_bad_values(kwargs, name):
    with pytest.raises(ValueError, match=name):
        widgets.class_picker(_conditional_g(), **kwargs)


@pytest.mark.parametrize("kwargs, name", [
    (dict(n_samples=0), "n_samples"),   # was a ZeroDivisionError
    (dict(seed=-5), "seed"),            # BoundedIntText would have shown 0
    (dict(class_a=3), "class_a"),       # a 3-class G has classes 0..2
    (dict(class_b=-1), "class_b"),
])
def test_class_interpolation_rejects_bad_values(kwargs, name):
    with pytest.raises(ValueError, match=name):
        widgets.class_interpolation(_conditional_g(), **kwargs)


# --- models: empty batches work, float64 input is a clear TypeError ------------------------------------------
def _networks():
    torch.manual_seed(0)
    mlp = models.build("mlp", sample_shape=(1, 4, 4), z_dim=4, hidden=8, n_layers=1)
    dc = models.build("dcgan", img_size=16, img_channels=1, z_dim=4, ngf=4, ndf=4)
    cfg = ConditionalConfig(sample_shape=(1, 4, 4), z_dim=4, hidden=8, n_layers=1, num_classes=3, embed_dim=2)
    cond = ConditionalGenerator(cfg), ConditionalDiscriminator(cfg)
    return {"mlp": mlp, "dcgan": dc, "conditional": cond}


@pytest.mark.parametrize("family", ["mlp", "dcgan", "conditional"])
@pytest.mark.parametrize("train", [True, False])
def test_generators_and_discriminators_take_an_empty_batch(family, train):
    G, D = _networks()[family]
    G.train(train), D.train(train)
    stats = {k: v.clone() for k, v in G.state_dict().items()}
    labels = torch.empty(0, dtype=torch.long)
    z = torch.empty(0, 4)
    x = G(z, labels) if family == "conditional" else G(z)
    assert x.shape == (0, 1, 16, 16) if family == "dcgan" else x.shape == (0, 1, 4, 4)
    logits = D(x, labels) if family == "conditional" else D(x)
    assert logits.shape == (0,)
    for k, v in G.state_dict().items():  # batch norm's running mean and variance are not touched by an empty batch
        if k.endswith("num_batches_tracked"):  # it counts the empty batch; only read when BN's momentum is None
            continue
        assert torch.isfinite(v.float()).all() and torch.equal(v, stats[k]), k


@pytest.mark.parametrize("family", ["mlp", "dcgan", "conditional"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.uint8])
def test_discriminators_name_the_dtype_they_expect(family, dtype):
    G, D = _networks()[family]
    shape = (2, 1, 16, 16) if family == "dcgan" else (2, 1, 4, 4)
    x = torch.zeros(shape, dtype=dtype)
    with pytest.raises(TypeError, match=rf"float32.*{str(dtype).split('.')[-1]}"):
        D(x, torch.tensor([0, 1])) if family == "conditional" else D(x)
    with pytest.raises(TypeError, match="z as float32"):
        G(torch.zeros(2, 4, dtype=torch.float64), torch.tensor([0, 1])) if family == "conditional" \
            else G(torch.zeros(2, 4, dtype=torch.float64))


@pytest.mark.parametrize("family", ["mlp", "dcgan", "conditional"])
def test_a_float64_network_takes_float64_input(family):
    G, D = _networks()[family]
    G, D = G.double().eval(), D.double().eval()  # e.g. for torch.autograd.gradcheck
    labels = torch.tensor([0, 1])
    z = torch.zeros(2, 4, dtype=torch.float64)
    x = G(z, labels) if family == "conditional" else G(z)
    assert x.dtype == torch.float64
    assert (D(x, labels) if family == "conditional" else D(x)).dtype == torch.float64
