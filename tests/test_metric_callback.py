"""training.metric_callback (added for chapter 04's FID-during-training): when it records, and resume."""
import pytest
import torch

from gan_course import models, runtime, training
from gan_course.training import TrainConfig


def setup(seed=0):
    runtime.seed_everything(seed)
    G, D = models.build("mlp", sample_shape=(2,), z_dim=4, hidden=16, n_layers=2)
    x = torch.randn(256, 2, generator=torch.Generator().manual_seed(0))
    return G, D, x


def test_records_every_k_steps_and_the_last_one():
    G, D, x = setup()
    cb = training.metric_callback(4, "mean_norm", lambda run: training.sample(run.G, 8, seed=0).norm(dim=1).mean())
    run = training.train_gan(G, D, x, TrainConfig(steps=10, batch_size=32), callbacks=[cb], progress=False)
    rows = run.history.metrics["mean_norm"]
    assert [s for s, _, _ in rows] == [4, 8, 10]
    seconds = [t for _, t, _ in rows]
    assert seconds == sorted(seconds) and seconds[0] > 0
    assert rows[-1][2] == pytest.approx(training.sample(run.G, 8, seed=0).norm(dim=1).mean().item())
    assert all(isinstance(v, float) for _, _, v in rows)


def test_metrics_survive_a_checkpoint_and_resume(tmp_path):
    cfg = TrainConfig(steps=8, batch_size=32)
    step = training.metric_callback(2, "step", lambda run: run.step)
    straight = training.train_gan(*setup(), cfg, callbacks=[step], progress=False)
    ckpt = tmp_path / "run.pt"
    training.train_gan(*setup(), TrainConfig(steps=4, batch_size=32), callbacks=[step],
                       checkpoint_path=ckpt, checkpoint_every=4, progress=False)
    resumed = training.train_gan(*setup(seed=5), cfg, callbacks=[step], checkpoint_path=ckpt, resume=True,
                                 progress=False)
    values = lambda run: [(s, v) for s, _, v in run.history.metrics["step"]]  # noqa: E731
    assert values(resumed) == values(straight) == [(2, 2.0), (4, 4.0), (6, 6.0), (8, 8.0)]


def test_bad_every():
    with pytest.raises(ValueError, match="every must be an int >= 1"):
        training.metric_callback(0, "fid", lambda run: 0.0)


def test_first_step_and_several_names_from_one_evaluation():
    G, D, x = setup()
    calls = []

    def two_numbers(run):
        calls.append(run.step)
        return run.step, -run.step

    cb = training.metric_callback(4, ("plus", "minus"), two_numbers, first_step=True)
    run = training.train_gan(G, D, x, TrainConfig(steps=10, batch_size=32), callbacks=[cb], progress=False)
    assert calls == [1, 4, 8, 10]  # one evaluation per recorded step, step 1 included
    assert [(s, v) for s, _, v in run.history.metrics["plus"]] == [(1, 1.0), (4, 4.0), (8, 8.0), (10, 10.0)]
    assert [v for _, _, v in run.history.metrics["minus"]] == [-1.0, -4.0, -8.0, -10.0]


def test_a_tuple_of_names_needs_one_value_each():
    G, D, x = setup()
    cb = training.metric_callback(1, ("a", "b"), lambda run: (1.0,))
    with pytest.raises(ValueError, match=r"returned 1 values for the 2 names"):
        training.train_gan(G, D, x, TrainConfig(steps=1, batch_size=32), callbacks=[cb], progress=False)
    with pytest.raises(ValueError, match="name must be a metric's name or a tuple of names"):
        training.metric_callback(1, (), lambda run: ())


def test_several_names_also_record_the_step_where_a_callback_stops_the_run():
    G, D, x = setup()

    def stop_at_6(run):
        run.stop = run.step == 6

    cb = training.metric_callback(4, ("plus", "minus"), lambda run: (run.step, -run.step))
    run = training.train_gan(G, D, x, TrainConfig(steps=10, batch_size=32), callbacks=[stop_at_6, cb], progress=False)
    assert run.step == 6
    assert [(s, v) for s, _, v in run.history.metrics["minus"]] == [(4, -4.0), (6, -6.0)]
