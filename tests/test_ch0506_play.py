"""Chapters 05 (ProGAN) and 06 (BigGAN), issue 23: the `play` budget of small's main run, and what the notebooks
need so that a stored run, loaded instead of trained, prints what the recorded run printed."""
import contextlib
import dataclasses
import io
import time
from pathlib import Path

import nbformat
import pytest
import torch

from gan_course import models, preset_runs, presets, runtime, stored_runs, training
from gan_course.models import progan

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTERS = ["05_progan", "06_biggan"]


def code(name):
    return "\n".join(c.source for c in nbformat.read(NOTEBOOKS / f"{name}.ipynb", 4).cells if c.cell_type == "code")


# --- the presets -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_only_small_has_a_play_budget_and_it_is_smalls_recipe_with_more_steps(chapter):
    assert presets.get_preset(chapter, "tiny").play_train is None
    assert presets.get_preset(chapter, "full").play_train is None
    P = presets.get_preset(chapter, "small")
    assert P.play_train.steps > P.train.steps
    assert dataclasses.replace(P.play_train, steps=P.train.steps) == P.train


def test_progan_play_run_keeps_the_growth_schedule_and_trains_on_at_the_final_resolution():
    P = presets.get_preset("05_progan", "small")
    assert P.train.steps == P.growth.total_steps < P.play_train.steps
    last = P.model.n_stages - 1
    assert all(P.growth.stage_and_alpha(s) == (last, 1.0) for s in range(P.growth.total_steps, P.play_train.steps))
    assert P.growth.total_steps % P.fid_every == 0   # the race reads ProGAN's FID at full growth


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_play_budget_that_changes_more_than_the_steps_is_refused(chapter):
    P = presets.get_preset(chapter, "small")
    with pytest.raises(ValueError, match=r"play_train must be the preset's train config with more steps only, but "
                                         r"it has lr_g=0\.5 \(train: 0\.00"):
        dataclasses.replace(P, play_train=dataclasses.replace(P.play_train, lr_g=0.5))
    with pytest.raises(ValueError, match=r"play_train\.steps must be more than .*got 100"):
        dataclasses.replace(P, play_train=dataclasses.replace(P.play_train, steps=100))
    with pytest.raises(TypeError, match="play_train must be a TrainConfig or None, got dict"):
        dataclasses.replace(P, play_train={"steps": 10_000})


def test_progan_preset_refuses_an_fid_every_that_misses_the_end_of_growth():
    P = presets.get_preset("05_progan", "small")
    with pytest.raises(ValueError, match=r"fid_every=300 must divide the growth schedule's 1120 steps"):
        dataclasses.replace(P, fid_every=300)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_preset_runs_list_the_play_run_for_small_only(chapter):
    names = lambda preset: [a.name for a in preset_runs.preset_arms(chapter, preset)]  # noqa: E731
    assert [n for n in names("small") if n.endswith("(play)")], names("small")
    assert not [n for n in names("tiny") + names("full") if "(play)" in n]
    play = next(a for a in preset_runs.preset_arms(chapter, "small") if a.name.endswith("(play)"))
    run = play.train(1, 4, "cpu")
    assert run.step == 1 and type(run.G).__name__ == "Generator"


def test_the_first_steps_of_a_longer_progan_run_are_the_shorter_run():
    """What the race (at full growth) and the ablation (small's budget) rely on when section 5 trained `play`."""
    P = presets.get_preset("05_progan", "tiny")
    x = torch.rand(64, 1, 16, 16) * 2 - 1  # cpu: training data

    def run(cfg, stop_at=None):
        runtime.seed_everything(0)
        G, D = models.build("progan", **vars(P.model))
        stop = [lambda r: setattr(r, "stop", r.step >= stop_at)] if stop_at else []
        return training.train_gan(G, D, x, cfg, progress=False, before_step=[progan.growth_callback(P.growth)],
                                  callbacks=stop)
    short = run(P.train)
    longer = run(dataclasses.replace(P.train, steps=P.train.steps + 16), stop_at=P.train.steps)
    assert longer.step == short.step == P.growth.total_steps
    for a, b in zip(short.G_ema.state_dict().values(), longer.G_ema.state_dict().values()):
        assert torch.equal(a, b)


# --- the notebooks -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_training_call_gets_the_shelf_and_the_main_run_its_budget(chapter):
    source = code(chapter)
    assert f'stored_runs.open_shelf("{chapter}", preset, seed, pretrained, P)' in source
    assert "main_cfg = shelf.budget(P.train, P.play_train" in source
    calls = source.count("training.train_gan(")
    assert calls and source.count("pretrained=shelf") == calls, (calls, source.count("pretrained=shelf"))
    assert "train_seconds = time.perf_counter() - start" not in source   # the run's own (recorded) seconds instead


def clock_code():
    source = next(c.source for c in nbformat.read(NOTEBOOKS / "05_progan.ipynb", 4).cells
                  if c.cell_type == "code" and "class EvalClock" in c.source)
    scope = {"time": time, "training": training}
    exec(source[source.index("class EvalClock"):source.index("runtime.seed_everything(seed)")], scope)
    return scope


def test_progan_clock_records_the_evaluations_in_the_history_so_a_loaded_run_keeps_its_training_time(tmp_path):
    """The old EvalClock kept its timings in a notebook list: a stored run, loaded without running its callbacks,
    then counted its FID evaluations as training time (and gave DCGAN's race that longer budget)."""
    scope = clock_code()
    P = presets.get_preset("05_progan", "tiny")
    cfg = dataclasses.replace(P.train, steps=4)
    x = torch.rand(32, 1, 16, 16) * 2 - 1  # cpu: training data

    def train(mode):
        clock = scope["EvalClock"]()
        shelf = stored_runs.Shelf("05_progan", "tiny", 0, mode, folder=tmp_path)
        runtime.seed_everything(0)
        G, D = models.build("progan", **vars(P.model))
        slow = clock.wrap(lambda run: time.sleep(0.25) or 0.0)
        with contextlib.redirect_stdout(io.StringIO()):
            return training.train_gan(G, D, x, cfg, progress=False, before_step=[progan.growth_callback(P.growth)],
                                      callbacks=[training.metric_callback(1, "slow", slow), clock.record(1)],
                                      pretrained=shelf.without("D"))
    recorded = train("record")
    loaded = train("auto")
    assert loaded.stored is not None and recorded.seconds == loaded.seconds
    spent = [s for _, _, s in loaded.history.metrics["eval_seconds"]]
    assert len(spent) == 4 and all(0.25 <= s < 1.0 for s in spent)
    training_seconds = scope["training_seconds"]
    for r in (recorded, loaded):
        assert training_seconds(r, r.step, r.seconds) == pytest.approx(r.seconds - sum(spent[:3]))
        assert 0 < training_seconds(r, r.step, r.seconds) < r.seconds - 0.7
