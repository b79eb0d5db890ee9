"""Chapter 02: conditional G and D (concat and projection), label checks, class accuracy."""
import math

import pytest
import torch
import torch.nn.functional as F

from gan_course import metrics, models, runtime, training
from gan_course.models.conditional import (ConditionalConfig, ConditionalDiscriminator, ConditionalGenerator,
                                           class_grid_inputs, projection_logits)

VARIANTS = ("concat", "projection")
SHAPES = [(2,), (1, 8, 8), (3, 16, 16)]


def build(variant="projection", shape=(1, 8, 8), num_classes=4, **kw):
    cfg = ConditionalConfig(sample_shape=shape, z_dim=6, num_classes=num_classes, embed_dim=5, hidden=16,
                            n_layers=2, discriminator=variant, **kw)
    return ConditionalGenerator(cfg), ConditionalDiscriminator(cfg)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("shape", SHAPES)
def test_shapes_and_range(variant, shape):
    G, D = build(variant, shape)
    labels = torch.tensor([0, 1, 2, 3, 3])
    x = G(torch.randn(5, 6), labels)
    assert x.shape == (5, *shape)
    if len(shape) == 3:
        assert x.abs().max() <= 1  # tanh: images in [-1, 1]
    assert D(x, labels).shape == (5,)
    assert G.num_classes == D.num_classes == 4 and G.z_dim == 6


def test_registered_in_models():
    G, D = models.build("conditional", sample_shape=(1, 8, 8), num_classes=3, discriminator="concat")
    assert isinstance(G, ConditionalGenerator) and D.variant == "concat"
    assert training.is_conditional(G)


@pytest.mark.parametrize("variant", VARIANTS)
def test_gradients_reach_every_parameter_including_embeddings(variant):
    G, D = build(variant)
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    D(G(torch.randn(6, 6), labels), labels).sum().backward()
    for name, p in [*(("G." + n, p) for n, p in G.named_parameters()),
                    *(("D." + n, p) for n, p in D.named_parameters())]:
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert G.embed.weight.grad is not None and D.embed.weight.grad is not None


@pytest.mark.parametrize("variant", VARIANTS)
def test_determinism(variant):
    runtime.seed_everything(0)
    G1, D1 = build(variant)
    runtime.seed_everything(0)
    G2, D2 = build(variant)
    D1.eval(), D2.eval()  # eval: no dropout, so D is a deterministic function
    z, labels = torch.randn(3, 6), torch.tensor([2, 0, 1])
    assert torch.equal(G1(z, labels), G2(z, labels))
    x = torch.rand(3, 1, 8, 8) * 2 - 1
    assert torch.equal(D1(x, labels), D2(x, labels))


@pytest.mark.parametrize("variant", VARIANTS)
def test_changing_only_the_label_changes_the_output(variant):
    torch.manual_seed(0)
    G, D = build(variant)
    z = torch.randn(4, 6)
    a, b = torch.tensor([0, 1, 2, 3]), torch.tensor([1, 2, 3, 0])
    x_a, x_b = G(z, a), G(z, b)
    assert not torch.allclose(x_a, x_b)                       # every sample differs ...
    assert ((x_a - x_b).flatten(1).abs().amax(1) > 0).all()   # ... not just some of them
    assert torch.equal(G(z, a), x_a)                          # and the same label gives the same output
    x = torch.rand(4, 1, 8, 8) * 2 - 1
    D.eval()  # no dropout: the only thing that changes is the label
    assert ((D(x, a) - D(x, b)).abs() > 0).all()
    assert torch.equal(D(x, a), D(x, a))


def test_projection_discriminator_by_hand():
    torch.manual_seed(1)
    _, D = build("projection")
    D.eval()  # no dropout
    x, labels = torch.rand(5, 1, 8, 8) * 2 - 1, torch.tensor([3, 0, 2, 2, 1])
    phi = D.phi(x.flatten(1))                                          # [5, hidden]
    by_hand = D.psi(phi).squeeze(1) + (D.embed(labels) * phi).sum(1)   # psi(phi(x)) + <embed(y), phi(x)>
    assert torch.allclose(D(x, labels), by_hand, atol=1e-6)
    # one sample written out with plain loops, no broadcasting
    i, h = 1, phi[1]
    v = D.embed.weight[labels[i]]
    manual = sum(D.psi.weight[0, k] * h[k] for k in range(len(h))) + D.psi.bias[0] \
        + sum(v[k] * h[k] for k in range(len(h)))
    assert torch.allclose(D(x, labels)[i], manual, atol=1e-5)


def test_projection_logits_function():
    phi, w, b = torch.tensor([[1.0, 2.0], [0.0, -1.0]]), torch.tensor([0.5, -1.0]), torch.tensor(0.25)
    V, labels = torch.tensor([[1.0, 0.0], [0.0, 3.0]]), torch.tensor([1, 0])
    # sample 0: 0.5 - 2 + 0.25 + <[0, 3], [1, 2]> = -1.25 + 6; sample 1: 1 + 0.25 + 0
    assert torch.allclose(projection_logits(phi, w, b, V, labels), torch.tensor([4.75, 1.25]))


def test_generator_input_is_z_then_class_embedding():
    G, _ = build("concat")
    z, labels = torch.randn(3, 6), torch.tensor([3, 1, 1])
    one_hot = F.one_hot(labels, 4).float()
    by_hand = G.net(torch.cat([z, one_hot @ G.embed.weight], 1)).view(3, 1, 8, 8)
    assert torch.allclose(G(z, labels), by_hand, atol=1e-6)
    assert torch.allclose(G.generate(z, G.embed(labels)), G(z, labels))


def test_class_grid_inputs_rows_are_classes_columns_share_noise():
    z = torch.randn(4, 6)
    z_all, labels = class_grid_inputs(z, 3)
    assert z_all.shape == (12, 6) and labels.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    grid = z_all.view(3, 4, 6)  # [row = class, column, z_dim]
    for row in range(3):
        assert torch.equal(grid[row], z)


# --- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("variant", VARIANTS)
def test_label_out_of_range_is_a_clear_error(variant):
    G, D = build(variant)
    with pytest.raises(ValueError, match=r"num_classes=4: labels must lie in \[0, 3\], got values from 0 to 4"):
        G(torch.randn(2, 6), torch.tensor([0, 4]))
    with pytest.raises(ValueError, match=r"num_classes=4.*from -1 to 1"):
        D(torch.zeros(2, 1, 8, 8), torch.tensor([-1, 1]))


@pytest.mark.parametrize("variant", VARIANTS)
def test_wrong_label_shape_or_type_is_a_clear_error(variant):
    G, D = build(variant)
    with pytest.raises(ValueError, match=r"labels of shape \[B\] = \[3\].*got \[3, 1\]"):
        G(torch.randn(3, 6), torch.zeros(3, 1, dtype=torch.long))
    with pytest.raises(ValueError, match=r"labels of shape \[B\] = \[2\].*got \[3\]"):
        D(torch.zeros(2, 1, 8, 8), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="integer tensor"):
        G(torch.randn(2, 6), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="integer tensor"):
        D(torch.zeros(2, 1, 8, 8), [0, 1])
    with pytest.raises(ValueError, match=r"z of shape \[B, 6\]"):
        G(torch.randn(2, 7), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"built for samples of shape \(1, 8, 8\), got \(1, 16, 16\)"):
        D(torch.zeros(2, 1, 16, 16), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"class embedding c must be \[B, embed_dim\] = \[2, 5\]"):
        G.generate(torch.randn(2, 6), torch.randn(2, 4))


def test_bad_config():
    with pytest.raises(ValueError, match="valid: concat, projection"):
        ConditionalConfig(discriminator="acgan")
    with pytest.raises(ValueError, match="num_classes must be an int >= 2"):
        ConditionalConfig(num_classes=1)
    with pytest.raises(ValueError, match="sample_shape"):
        ConditionalConfig(sample_shape=(1, 8))
    with pytest.raises(ValueError, match="embed_dim must be an int >= 1"):
        ConditionalConfig(embed_dim=0)


def test_num_classes_mismatch_with_the_dataset_is_a_clear_error():
    x, y = torch.rand(32, 1, 8, 8) * 2 - 1, torch.arange(32) % 10  # a dataset with 10 classes
    G, D = build("projection", num_classes=4)                      # a model built for 4
    cfg = training.TrainConfig(steps=2, batch_size=8)
    with pytest.raises(ValueError, match=r"num_classes=4.*Build the model with the dataset's number of classes"):
        training.train_gan(G, D, x, cfg, y=y, progress=False)
    with pytest.raises(ValueError, match="conditional .4 classes.: pass the labels as y="):
        training.train_gan(G, D, x, cfg, progress=False)


# --- the shared loop trains it ----------------------------------------------------------------------
@pytest.mark.parametrize("variant", VARIANTS)
def test_trains_with_the_shared_loop(variant):
    torch.manual_seed(0)
    G, D = build(variant)
    x, y = torch.rand(64, 1, 8, 8) * 2 - 1, torch.arange(64) % 4
    before = [p.detach().clone() for p in G.parameters()]
    run = training.train_gan(G, D, x, training.TrainConfig(steps=5, batch_size=16, n_snapshot=8), y=y,
                             progress=False)
    assert run.step == 5 and all(math.isfinite(v) for v in run.history["d_loss"])
    assert any(not torch.equal(a, b) for a, b in zip(before, G.parameters()))
    assert run.history.snapshots[-1][1].shape == (8, 1, 8, 8)
    out = training.sample(G, 6, labels=torch.tensor([0, 1, 2, 3, 0, 1]), seed=0)
    assert out.shape == (6, 1, 8, 8)


# --- "does the class come out right?" on a hand-made case ----------------------------------------------
def test_class_accuracy_hand_made():
    predicted = torch.tensor([0, 0, 1, 2, 2, 2, 1, 0])
    asked = torch.tensor([0, 0, 1, 1, 2, 2, 2, 2])
    acc = metrics.class_accuracy(predicted, asked, num_classes=4)
    # class 0: 2/2, class 1: 1/2, class 2: 2/4 (one 1, one 0 wrong), class 3: never asked -> nan
    assert acc.overall == pytest.approx(5 / 8)
    assert acc.per_class[:3].tolist() == pytest.approx([1.0, 0.5, 0.5])
    assert math.isnan(acc.per_class[3])


class _LabelPainter(torch.nn.Module):
    """A stand-in conditional G: paints its label into the image (class 2 comes out as a 0)."""

    z_dim, num_classes = 3, 3

    def __init__(self):
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, z, labels):
        painted = torch.where(labels == 2, torch.zeros_like(labels), labels)
        return painted.float().view(-1, 1, 1, 1).expand(-1, 1, 4, 4) + 0 * z[:, :1, None, None]


def test_class_accuracy_of_a_generator_end_to_end():
    """The chapter's pipeline: ask G for each class, let a classifier label the images, score them."""
    G = _LabelPainter()
    asked = torch.arange(3).repeat_interleave(5)  # 5 samples of each class
    fake = training.sample(G, len(asked), labels=asked, seed=0)
    predicted = fake[:, 0, 0, 0].round().long()   # a perfect "classifier" that reads the painted value
    acc = metrics.class_accuracy(predicted, asked, 3)
    assert acc.per_class.tolist() == [1.0, 1.0, 0.0] and acc.overall == pytest.approx(2 / 3)


def test_dropout_is_active_in_training_only():
    _, D = build("projection", dropout=0.5)
    x, labels = torch.rand(4, 1, 8, 8) * 2 - 1, torch.tensor([0, 1, 2, 3])
    torch.manual_seed(0)
    a = D(x, labels)
    b = D(x, labels)
    assert not torch.equal(a, b)          # train mode: dropout masks differ between calls
    D.eval()
    assert torch.equal(D(x, labels), D(x, labels))
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        ConditionalConfig(dropout=1.0)
