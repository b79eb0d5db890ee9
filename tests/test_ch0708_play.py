"""Chapters 07 and 08, issue 23 (play first): the `play` budget of the main run, and notebooks whose every training
call goes through the chapter's shelf of stored runs and reads what it needs from the returned run (a loaded run
calls no callback, so nothing may come from a callback's side effect on a notebook variable)."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from gan_course import preset_runs
from gan_course.presets import get_preset

CHAPTERS = ["07_stylegan", "08_stylegan2"]
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _code(name: str) -> list[str]:
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def _calls(src: str, func: str) -> list[str]:
    """The full text of every call `func(...)` in src (balanced parentheses)."""
    calls = []
    for m in re.finditer(rf"\b{re.escape(func)}\(", src):
        depth, i = 0, m.end() - 1
        for i in range(m.end() - 1, len(src)):
            depth += {"(": 1, ")": -1}.get(src[i], 0)
            if depth == 0:
                break
        calls.append(src[m.start():i + 1])
    return calls


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_play_budget_is_small_with_more_steps(chapter):
    """The shipped main run is `small`'s recipe trained longer: only the steps and what follows them change."""
    small = get_preset(chapter, "small")
    play, train = small.play_train, small.train
    assert play is not None and play.steps >= 4 * train.steps
    changed = {f.name for f in dataclasses.fields(train) if getattr(train, f.name) != getattr(play, f.name)}
    assert changed == {"steps", "snapshot_every"}, changed
    assert play.snapshot_every == play.steps // 4                         # four snapshots, as on small
    assert small.play_fid_every * 8 == play.steps                         # eight points on the FID curve
    for name in ("tiny", "full"):                                         # a play budget is for `small` only
        assert get_preset(chapter, name).play_train is None and get_preset(chapter, name).play_fid_every is None


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_play_run_is_an_arm_of_small_only(chapter):
    small = [a.name for a in preset_runs.preset_arms(chapter, "small")]
    tiny = [a.name for a in preset_runs.preset_arms(chapter, "tiny")]
    assert [n for n in small if n.endswith("(play)")] == [f"{chapter[3:]} (play)"]
    assert not [n for n in tiny if n.endswith("(play)")] and len(small) == len(tiny) + 1


def test_play_arm_trains_the_play_config():
    arm = next(a for a in preset_runs.preset_arms("07_stylegan", "small") if a.name.endswith("(play)"))
    run = arm.train(1, 4, "cpu")
    assert run.step == 1 and run.config.snapshot_every == get_preset("07_stylegan", "small").play_train.snapshot_every


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_training_call_uses_the_shelf(chapter):
    cells = _code(chapter)
    params = next(src for src in cells if src.startswith("preset = "))  # after the Colab cell
    assert re.search(r'^pretrained = "auto"', params, re.M), "the parameters cell needs pretrained = \"auto\""
    setup = next(src for src in cells if "presets.get_preset(" in src)
    assert f'stored_runs.open_shelf("{chapter}", preset, seed, pretrained, P)' in setup
    assert "main_cfg = shelf.budget(P.train, P.play_train" in setup
    calls = [c for src in cells for c in _calls(src, "training.train_gan")]
    assert len(calls) >= 4, calls
    missing = [c for c in calls if not re.search(r"pretrained=shelf\b", c)]
    assert not missing, f"training calls without pretrained=shelf: {missing}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_nothing_after_training_reads_a_callbacks_side_effect_or_times_a_call(chapter):
    """A loaded run calls no callback and takes no time: FID seconds, w_avg updates and CPU time come from
    run.history; no cell times a training call with its own clock; the main run follows main_cfg."""
    src = "\n".join(_code(chapter))
    assert "fid_seconds.append" not in src and "len(w_avg_updates), G.mapping" not in src
    assert 'metrics["fid_seconds"]' in src
    main_runs = [c for c in _calls(src, "training.train_gan") if c.startswith("training.train_gan(G, D, train_set.x, main_cfg,")]
    assert len(main_runs) == 1, main_runs
    timed = re.findall(r"start = time\.(?:process_time|perf_counter)\(\)\n[^\n]*train_gan", src)
    assert not timed, timed
    assert "P.train.steps" not in src, "the main run's steps are main_cfg.steps"


def test_ch07_style_mixing_widget_comes_before_the_slow_evaluations():
    """Issue 23: opening chapter 07 and moving the style-mixing slider must be quick; the widget sits with the
    style-mixing grid (section 8), before the truncation curve (10 x n_fid samples) and the race's FIDs."""
    cells = _code("07_stylegan")
    widget = next(i for i, s in enumerate(cells) if s.startswith("widgets.style_mixing("))
    curve = next(i for i, s in enumerate(cells) if "for psi in P.psis" in s)
    race = next(i for i, s in enumerate(cells) if "time_budget(budget)" in s)
    assert widget < curve < race
