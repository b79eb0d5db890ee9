"""The shared loop: exact resume, the NaN guard, n_critic, EMA, snapshots, batches."""
import pytest
import torch
from torch import nn

from gan_course import models, runtime, training
from gan_course.training import TrainConfig


def toy_data(n=512):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 2, generator=g) * 0.1 + torch.tensor([1.0, -1.0]), torch.zeros(n, dtype=torch.long)


def build(seed=0, **cfg):
    runtime.seed_everything(seed)
    return models.build("mlp", sample_shape=(2,), z_dim=4, hidden=16, n_layers=2, **cfg)


def weights(*modules):
    return torch.cat([p.detach().flatten() for m in modules for p in m.state_dict().values()])


def test_resume_is_exact(tmp_path):
    x, _ = toy_data()
    cfg = TrainConfig(steps=20, batch_size=32, n_critic=2, ema_decay=0.9, gp_lambda=1.0, snapshot_every=5)
    G, D = build()
    straight = training.train_gan(G, D, x, cfg, progress=False)

    ckpt = tmp_path / "run.pt"
    G1, D1 = build()
    half = TrainConfig(**{**cfg.__dict__, "steps": 10})
    training.train_gan(G1, D1, x, half, checkpoint_path=ckpt, checkpoint_every=10, progress=False)
    torch.manual_seed(12345)  # a new session's random state must not matter after resume
    G2, D2 = build(seed=99)   # fresh, differently initialised models: resume overwrites them
    resumed = training.train_gan(G2, D2, x, cfg, checkpoint_path=ckpt, resume=True, progress=False)

    assert resumed.step == straight.step == 20
    assert torch.equal(weights(G2, D2, resumed.G_ema), weights(G, D, straight.G_ema))
    assert resumed.history.steps == straight.history.steps
    assert resumed.history["d_loss"] == straight.history["d_loss"]
    assert [s for s, _ in resumed.history.snapshots] == [1, 5, 10, 15, 20]


def test_same_seed_same_numbers():
    x, _ = toy_data()
    cfg = TrainConfig(steps=5, batch_size=32)
    a = training.train_gan(*build(), x, cfg, progress=False)
    b = training.train_gan(*build(), x, cfg, progress=False)
    assert a.history["g_loss"] == b.history["g_loss"]


def test_nan_guard_names_the_step_and_loss():
    G, D = build()
    with torch.no_grad():
        next(G.parameters()).fill_(float("nan"))  # a diverged G: its fakes, and D's loss on them, are NaN
    x, _ = toy_data()
    with pytest.raises(FloatingPointError, match=r"diverged at step 1: .*d_loss=nan"):
        training.train_gan(G, D, x, TrainConfig(steps=3, batch_size=16), progress=False)


def test_nan_in_the_training_data_is_named_as_such_not_as_divergence():
    x, _ = toy_data()
    x[5, 0] = float("nan")
    x[9, 1] = float("inf")
    with pytest.raises(ValueError, match=r"x holds NaN or inf values in 2 of its 512 samples \(the first: sample 5\)"):
        training.train_gan(*build(), x, TrainConfig(steps=3, batch_size=16), progress=False)


def test_n_critic_consumes_n_batches_per_step():
    x, _ = toy_data(640)
    run = training.train_gan(*build(), x, TrainConfig(steps=3, batch_size=64, n_critic=5), progress=False)
    # 3 G steps x 5 D batches = 15 batches = 1 epoch of 10 batches + 5 into the next
    assert (run.batches.epoch, run.batches.pos) == (1, 320)


def test_frozen_discriminator_with_zero_lr():
    x, _ = toy_data()
    G, D = build()
    before = weights(D)
    training.train_gan(G, D, x, TrainConfig(steps=5, batch_size=32, lr_d=0.0), progress=False)
    assert torch.equal(weights(D), before)


def test_weight_clipping_in_the_loop():
    x, _ = toy_data()
    run = training.train_gan(*build(), x, TrainConfig(steps=3, batch_size=32, loss="wasserstein", clip=0.01,
                                                      optimizer="rmsprop", n_critic=5), progress=False)
    assert max(p.abs().max().item() for p in run.D.parameters()) <= 0.01 + 1e-9


def test_ema_update_formula_and_buffers():
    G, G_ema = nn.BatchNorm1d(3), nn.BatchNorm1d(3)
    with torch.no_grad():
        G.weight.fill_(1.0); G_ema.weight.fill_(0.0); G.running_mean.fill_(7.0)
    training.ema_update(G_ema, G, decay=0.9)
    assert torch.allclose(G_ema.weight, torch.full((3,), 0.1))
    assert torch.equal(G_ema.running_mean, G.running_mean)  # buffers are copied, not averaged


def test_batches_cover_an_epoch_without_repeats_and_resume():
    x = torch.arange(10.0).unsqueeze(1)
    b = training.Batches(x, None, batch_size=3, seed=1)
    first_epoch = torch.cat([next(b)[0] for _ in range(3)]).flatten().tolist()
    assert len(set(first_epoch)) == 9
    state = b.state_dict()
    expected = next(b)[0]
    b2 = training.Batches(x, None, batch_size=3, seed=1)
    b2.load_state_dict(state)
    assert torch.equal(next(b2)[0], expected)
    with pytest.raises(ValueError, match="larger than the dataset"):
        training.Batches(x, None, batch_size=11)


def test_conditional_generator_needs_labels():
    class CondG(nn.Module):
        z_dim, num_classes = 2, 3

        def forward(self, z, c):
            return z

    with pytest.raises(ValueError, match="pass the labels"):
        training.train_gan(CondG(), nn.Linear(2, 1), torch.zeros(8, 2), TrainConfig(steps=1, batch_size=4))


@pytest.mark.parametrize("kwargs, match", [
    ({"n_critic": 0}, "n_critic"), ({"gp_lambda": -1.0}, "gp_lambda"), ({"clip": -0.01}, "clip"),
    ({"loss": "wgan"}, "valid: minimax"), ({"optimizer": "sgd"}, "valid: adam"), ({"steps": 0}, "steps"),
    ({"ema_decay": 1.0}, "ema_decay"),
])
def test_bad_config_is_a_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_checkpoint_every_needs_a_path():
    x, _ = toy_data()
    with pytest.raises(ValueError, match="checkpoint_path"):
        training.train_gan(*build(), x, TrainConfig(steps=2, batch_size=8), checkpoint_every=1, progress=False)


def test_sample_is_reproducible_and_restores_mode():
    G, _ = build()
    G.train()
    a, b = training.sample(G, 5, seed=3), training.sample(G, 5, seed=3)
    assert torch.equal(a, b) and G.training and a.shape == (5, 2)
