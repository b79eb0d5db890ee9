"""training.time_budget (added for chapter 05's FID-vs-time comparison): a callback ends training early
through `run.stop`, and metric callbacks after it record that last step."""
import pytest
import torch

from gan_course import models, runtime, training
from gan_course.training import TrainConfig


def setup():
    runtime.seed_everything(0)
    G, D = models.build("mlp", sample_shape=(2,), z_dim=4, hidden=16, n_layers=2)
    return G, D, torch.randn(256, 2, generator=torch.Generator().manual_seed(0))


def test_a_spent_budget_stops_after_one_step_and_the_metric_records_it():
    step = training.metric_callback(100, "step", lambda run: run.step)
    run = training.train_gan(*setup(), TrainConfig(steps=50, batch_size=32), progress=False,
                             callbacks=[training.time_budget(1e-9), step])
    assert run.step == 1 and run.stop
    assert [(s, v) for s, _, v in run.history.metrics["step"]] == [(1, 1.0)]


def test_a_large_budget_changes_nothing():
    straight = training.train_gan(*setup(), TrainConfig(steps=6, batch_size=32), progress=False)
    budgeted = training.train_gan(*setup(), TrainConfig(steps=6, batch_size=32), progress=False,
                                  callbacks=[training.time_budget(3600)])
    assert budgeted.step == 6 and not budgeted.stop
    assert torch.equal(torch.cat([p.flatten() for p in straight.G.parameters()]),
                       torch.cat([p.flatten() for p in budgeted.G.parameters()]))


def test_a_callback_can_stop_at_a_chosen_step():
    def stop_at_3(run):
        run.stop = run.step == 3
    run = training.train_gan(*setup(), TrainConfig(steps=10, batch_size=32), progress=False, callbacks=[stop_at_3])
    assert run.step == 3 and len(run.history.steps) == 3


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), "10", True])
def test_bad_budget(bad):
    with pytest.raises(ValueError, match="seconds must be a finite number > 0"):
        training.time_budget(bad)
