"""TrainConfig.lr_decay_start: the learning rates fall linearly to 0 over the end of a GAN run."""
import pytest
import torch

from gan_course import training
from gan_course.training import TrainConfig
from test_training_extensions import mlp, toy, weights  # the same small MLP GAN on a 2D blob


def lrs_seen(cfg):
    """The lr each optimiser used at every generator step (read after the step)."""
    seen = {"G": [], "D": []}

    def record(run):
        for k in seen:
            seen[k].append(run.optimizers[k].param_groups[0]["lr"])
    training.train_gan(*mlp(), toy(), cfg, callbacks=[record], progress=False)
    return seen


def test_lr_factor_is_one_then_falls_linearly_to_zero_at_the_last_step():
    cfg = TrainConfig(steps=10, lr_decay_start=0.6)
    # before step s (s steps done): 1 while s <= 6, then (10 - s) / (10 - 6)
    assert [training.lr_factor(cfg, s) for s in range(11)] == pytest.approx([1] * 7 + [0.75, 0.5, 0.25, 0.0])
    assert [training.lr_factor(TrainConfig(steps=4, lr_decay_start=0.0), s) for s in range(4)] == pytest.approx(
        [1.0, 0.75, 0.5, 0.25])
    assert all(training.lr_factor(TrainConfig(steps=5), s) == 1.0 for s in range(5))  # the default: constant


def test_the_optimisers_see_the_decayed_learning_rates():
    seen = lrs_seen(TrainConfig(steps=8, batch_size=32, lr_g=0.02, lr_d=0.01, lr_decay_start=0.5))
    assert seen["G"] == pytest.approx([0.02] * 5 + [0.015, 0.01, 0.005])
    assert seen["D"] == pytest.approx([0.01] * 5 + [0.0075, 0.005, 0.0025])
    constant = lrs_seen(TrainConfig(steps=4, batch_size=32, lr_g=0.02, lr_d=0.01))
    assert constant == {"G": [0.02] * 4, "D": [0.01] * 4}


def test_the_decay_scales_lazy_regularisations_adjusted_lr():
    # r1_every=4: D's Adam runs at lr * 4/5 (StyleGAN2); the decay multiplies that adjusted lr
    seen = lrs_seen(TrainConfig(steps=4, batch_size=32, lr_d=0.01, r1_gamma=1.0, r1_every=4, lr_decay_start=0.0))
    assert seen["D"] == pytest.approx([0.008 * f for f in (1.0, 0.75, 0.5, 0.25)])


def test_resume_is_exact_before_and_during_the_decay(tmp_path):
    x = toy()
    cfg = TrainConfig(steps=12, batch_size=32, n_critic=2, gp_lambda=1.0, lr_g=0.01, lr_d=0.01, lr_decay_start=0.5)
    straight = training.train_gan(*mlp(), x, cfg, progress=False)
    for stop in (4, 9):  # interrupted before the decay starts (step 6) and inside it
        ckpt = tmp_path / f"run{stop}.pt"

        def interrupt(run, stop=stop):
            run.stop = run.step == stop
        # the same config (the schedule depends on `steps`), stopped early as a killed session would be
        training.train_gan(*mlp(), x, cfg, callbacks=[interrupt], checkpoint_path=ckpt, checkpoint_every=stop,
                           progress=False)
        torch.manual_seed(123)  # a new session's random state must not matter after resume
        resumed = training.train_gan(*mlp(seed=7), x, cfg, checkpoint_path=ckpt, resume=True, progress=False)
        assert resumed.step == 12
        assert torch.equal(weights(resumed.G, resumed.D), weights(straight.G, straight.D)), stop
        assert resumed.history["d_loss"] == straight.history["d_loss"]


def test_lr_decay_start_must_be_a_fraction():
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"lr_decay_start \(fraction of the steps\) must be"):
            TrainConfig(lr_decay_start=bad)
