"""Chapters 04, 09 and 10 play first (issue 23): every training call goes through the chapter's shelf of stored
runs, no cell times a training call itself (a loaded run is not trained: its time is `run.seconds`), a stored
run ships without a discriminator only where no later cell uses it, and chapter 10's prior has the `play` budget."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from gan_course import preset_runs, presets

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTERS = ("04_dcgan", "09_srgan", "10_vqvae")
# chapter -> (the discriminator variable of each run stored without "D") : no later code cell may use it
DROPPED_D = {"04_dcgan": ("D",), "09_srgan": ("D",), "10_vqvae": ("D_dc", "patch_D")}


def code_cells(chapter):
    cells = json.loads((NOTEBOOKS / f"{chapter}.ipynb").read_text())["cells"]
    return [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "code"]


def calls(source, name):
    """The full text of every call `name(...)` in source (parentheses matched)."""
    found = []
    for m in re.finditer(re.escape(name) + r"\(", source):
        depth, j = 0, m.end() - 1
        while True:
            depth += {"(": 1, ")": -1}.get(source[j], 0)
            if depth == 0:
                break
            j += 1
        found.append(source[m.start():j + 1])
    return found


def code_only(source):
    """source without its comments and string literals (a "D" in a string is not a use of D)."""
    return re.sub(r"#[^\n]*", "", re.sub(r"\"[^\"\n]*\"|'[^'\n]*'", '""', source))


def test_calls_finds_a_call_with_nested_parentheses():
    src = 'run = training.train_gan(G, D, f(x), cfg, pretrained=shelf.without("D"))\nprint(1)'
    assert calls(src, "training.train_gan") == ['training.train_gan(G, D, f(x), cfg, pretrained=shelf.without("D"))']
    assert "D" not in code_only('shelf.without("G", "D")  # no D') and "D" in code_only("x = D(y)")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_training_call_gets_the_shelf(chapter):
    cells = code_cells(chapter)
    params = [src for i, src in cells if re.search(r'^pretrained = "auto"', src, re.M)]
    assert len(params) == 1, f"{chapter}: one parameters line `pretrained = \"auto\"`"
    assert any(f'stored_runs.open_shelf("{chapter}", preset, seed, pretrained, P)' in src for _, src in cells)
    n = 0
    for i, src in cells:
        for call in calls(src, "training.train_gan") + calls(src, "training.train_model"):
            n += 1
            assert re.search(r"pretrained=shelf\b", call), f"{chapter} cell {i}: a training call without the shelf: {call}"
    assert n >= 2


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_cell_times_a_training_call_itself(chapter):
    for i, src in code_cells(chapter):
        if "training.train_gan(" in src or "training.train_model(" in src:
            assert "perf_counter" not in src, f"{chapter} cell {i}: time a training run with run.seconds"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_discriminator_is_dropped_only_where_no_later_cell_uses_it(chapter):
    cells = code_cells(chapter)
    dropping = [i for i, src in cells if re.search(r'shelf\.without\("D"\)', src)]
    assert len(dropping) == len(DROPPED_D[chapter])
    for i, name in zip(dropping, DROPPED_D[chapter]):
        later = "\n".join(code_only(src) for j, src in cells if j > i)
        assert not re.search(rf"\b{name}\b", later), f"{chapter}: {name} is stored without, but a cell after {i} uses it"
        run_var = re.search(r"(\w+) = training\.train_gan\(", dict(cells)[i]).group(1)
        assert not re.search(rf"\b{run_var}\.D\b", later), f"{chapter}: {run_var}.D is used after cell {i}"


def test_chapter_04_timing_runs_ship_no_weights_and_have_seeds_of_their_own():
    """Timing runs with one seed would share one fingerprint: a loaded notebook would then show the first run's
    time five times."""
    src = next(src for _, src in code_cells("04_dcgan") if "def images_per_second" in src)
    assert 'pretrained=shelf.without("G", "D")' in src
    assert "runtime.seed_everything(seed + 1 + k)" in src and "for k in range(P.throughput_runs)" in src
    assert "timed.seconds" in src


def test_chapter_10_prior_has_a_play_budget_on_small_only():
    small = presets.get_preset("10_vqvae", "small")
    assert small.play_prior_train is not None
    assert small.play_prior_train.steps > small.prior_train.steps
    # identical to the small config except its steps (no step-dependent schedule in a FitConfig without milestones)
    assert small.prior_train.lr_milestones == ()
    assert dataclasses.replace(small.play_prior_train, steps=small.prior_train.steps) == small.prior_train
    for name in ("tiny", "full"):
        assert presets.get_preset("10_vqvae", name).play_prior_train is None
    names = [a.name for a in preset_runs.preset_arms("10_vqvae", "small")]
    assert "pixelcnn prior (play)" in names and "pixelcnn prior" in names
    assert "pixelcnn prior (play)" not in [a.name for a in preset_runs.preset_arms("10_vqvae", "tiny")]


def test_chapter_10_uses_the_budget_the_shelf_chose_for_the_prior():
    """The budget is chosen in the prior's own cell, right before it trains: only then does the shelf know whether
    the VQ-VAE runs before it were loaded (a prior on codes of a VQ-VAE trained here cannot match the stored one)."""
    cells = code_cells("10_vqvae")
    chooser = next(src for _, src in cells if "shelf.budget(" in src)
    assert 'prior_train = shelf.budget(P.prior_train, P.play_prior_train, what="the PixelCNN prior")' in chooser
    call = next(c for _, src in cells for c in calls(src, "training.train_model") if "prior_loss" in c)
    assert "codes_train, prior_train," in call and call in chooser
    assert chooser.index("shelf.budget(") < chooser.index(call)
    assert not any("prior_train" in src.replace("P.prior_train.steps", "") for _, src in cells
                   if src is not chooser and "open_shelf" not in src)


def test_chapter_09_srgan_keeps_few_snapshots():
    """Notebook 09 shows no snapshots; a stored SRGAN run holds two single crops, not nine batches of eight."""
    assert not any("snapshots" in src for _, src in code_cells("09_srgan"))
    for name in ("tiny", "small", "full"):
        train = presets.get_preset("09_srgan", name).train
        assert train.n_snapshot == 1 and train.snapshot_every == train.steps
