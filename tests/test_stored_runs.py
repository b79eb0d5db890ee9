"""The shelf of stored runs (`gan_course.stored_runs`): a run is loaded only when it is exactly the run that
would be trained; every other case says why in one line and trains (or, for pretrained=True, refuses)."""
import dataclasses
import functools
import http.server
import json
import threading

import pytest
import torch

from gan_course import checkpoints, models, runtime, stored_runs, training

CHAPTER = "03_wasserstein_gan"  # any chapter name: the shelf files runs by chapter, preset and seed
CFG = training.TrainConfig(steps=6, batch_size=16, lr_g=1e-3, lr_d=1e-3, n_snapshot=4)
DATA = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))  # cpu: a toy dataset


def train(shelf, cfg=CFG, seed=0, hidden=16):
    runtime.seed_everything(seed)
    G, D = models.build("mlp", sample_shape=(2,), hidden=hidden, n_layers=2)
    return training.train_gan(G, D, DATA, cfg, progress=False, pretrained=shelf)


def shelf(folder, mode="auto", seed=0):
    return stored_runs.open_shelf(CHAPTER, "tiny", seed, mode, folder=folder)


def same_weights(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.G.state_dict().values(), b.G.state_dict().values()))


@pytest.fixture
def recorded(tmp_path):
    """One stored run in a fresh shelf; returns (folder, the recorded run, torch.rand after it)."""
    run = train(shelf(tmp_path, "record"))
    return tmp_path, run, torch.rand(4)


def test_a_matching_run_is_loaded_as_the_run_training_returned(recorded, capsys):
    folder, rec, after = recorded
    run = train(shelf(folder))
    assert "loaded stored run 0" in capsys.readouterr().out
    assert run.stored is not None and run.stored.fingerprint and run.step == CFG.steps
    assert same_weights(run, rec) and all(torch.equal(x, y) for x, y in zip(run.D.state_dict().values(),
                                                                            rec.D.state_dict().values()))
    assert run.history.logs == rec.history.logs and run.seconds == rec.seconds
    assert all(torch.equal(a[1], b[1]) for a, b in zip(run.history.snapshots, rec.history.snapshots))
    assert torch.equal(torch.rand(4), after)  # the random state training ended in: later cells draw the same numbers


def test_recording_continues_with_the_stored_float16_weights(recorded):
    _, rec, _ = recorded
    for t in rec.G.state_dict().values():  # every weight is a float16 number: what a loading notebook gets
        assert torch.equal(t, t.half().float())
    trained = train(None)  # the same run, not stored: differs from the stored one by float16 rounding only
    for a, b in zip(trained.G.state_dict().values(), rec.G.state_dict().values()):
        assert torch.allclose(a, b, rtol=1e-3, atol=1e-4) and a.dtype == b.dtype == torch.float32


def test_pretrained_false_trains_even_with_a_match(recorded, capsys):
    folder, _, _ = recorded
    run = train(shelf(folder, False))
    assert run.stored is None and "loaded" not in capsys.readouterr().out


def expect_training(folder, capsys, expected: str, **kwargs):
    run = train(shelf(folder), **kwargs)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("training here:")]
    assert run.stored is None and len(lines) == 1 and expected in lines[0], out
    return lines[0]


def test_another_config_is_named_and_trained(recorded, capsys):
    line = expect_training(recorded[0], capsys, "was trained with another config (lr_g 0.001 -> 0.002)",
                           cfg=dataclasses.replace(CFG, lr_g=2e-3))
    assert "lr_d" not in line


def test_another_start_is_named_and_trained(recorded, capsys):
    expect_training(recorded[0], capsys, "started from other weights, data or random state", seed=1)


def entry_field(folder, **change):
    path = folder / CHAPTER / stored_runs.REGISTRY
    rows = json.loads(path.read_text())
    rows[0].update(change)
    path.write_text(json.dumps(rows))
    return folder / CHAPTER / rows[0]["file"]


def test_an_older_package_version_is_not_loaded(recorded, capsys):
    entry_field(recorded[0], package_version="0.0.9")
    expect_training(recorded[0], capsys, "was stored by gan_course 0.0.9, whose weights mean something else since")


def test_a_file_with_a_wrong_hash_is_not_loaded(recorded, capsys):
    path = entry_field(recorded[0])
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same length
    path.write_bytes(bytes(data))
    expect_training(recorded[0], capsys, "does not match its sha256 in the registry")


def test_a_truncated_file_is_not_loaded(recorded, capsys):
    path = entry_field(recorded[0])
    size = path.stat().st_size
    path.write_bytes(path.read_bytes()[: size // 2])
    expect_training(recorded[0], capsys, f"is truncated ({size // 2:,} of {size:,} bytes)")


def test_a_missing_file_is_not_loaded_and_the_message_says_how_to_rebuild(recorded, capsys):
    entry_field(recorded[0]).unlink()
    expect_training(recorded[0], capsys, "is missing; rebuild it with `make checkpoints CHAPTERS=03`")


def test_a_file_that_is_not_plain_data_is_never_unpickled(recorded, capsys):
    """Even with a matching hash (a registry edited along with the file), weights_only=True refuses objects."""
    path = entry_field(recorded[0])
    payload = checkpoints.load(path)
    payload["history"]["evil"] = functools.partial(print, "ran")  # an object, not plain data
    torch.save(payload, path)
    entry_field(recorded[0], sha256=stored_runs.file_sha256(path), bytes=path.stat().st_size)
    line = expect_training(recorded[0], capsys, "not plain data")
    assert "ran" not in line


def test_pretrained_true_refuses_to_train_without_a_match(recorded):
    with pytest.raises(stored_runs.StoredRunError, match="pretrained=True but .*another config"):
        train(shelf(recorded[0], True), cfg=dataclasses.replace(CFG, lr_g=2e-3))


def test_a_run_stored_without_its_discriminator_says_so(tmp_path):
    train(shelf(tmp_path, "record").without("D"))
    run = train(shelf(tmp_path))
    assert run.stored is not None and "D" not in run.modules
    with pytest.raises(KeyError, match="ship without what no later cell uses.*pretrained=False"):
        run.D


def test_bad_arguments_get_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="pretrained must be one of 'auto', True, False, 'record', 'fill', got 'yes'"):
        stored_runs.open_shelf(CHAPTER, "tiny", 0, "yes", folder=tmp_path)
    with pytest.raises(ValueError, match="unknown chapter"):
        stored_runs.open_shelf("11_diffusion", "tiny", 0, folder=tmp_path)
    with pytest.raises(ValueError, match="pretrained must be None or a shelf"):
        train("auto")


def test_budget_uses_play_only_when_a_stored_play_run_will_load(tmp_path, capsys):
    play = dataclasses.replace(CFG, steps=9)
    assert shelf(tmp_path).budget(CFG, play) is CFG  # nothing stored: the small budget trains here
    assert "no stored `play` run matches" in capsys.readouterr().out
    rec = shelf(tmp_path, "record")
    assert rec.budget(CFG, play) is play
    train(rec, cfg=play)
    assert shelf(tmp_path).budget(CFG, play) is play
    assert shelf(tmp_path, False).budget(CFG, play) is CFG
    assert "pretrained=False" in capsys.readouterr().out


def test_float16_keeps_float32_where_float16_cannot_hold_the_values():
    assert stored_runs._compact(torch.tensor([1.0, 7e4])).dtype == torch.float32
    assert stored_runs._compact(torch.tensor([1.0, -6e4])).dtype == torch.float16
    assert stored_runs._compact(torch.tensor([3, 4])).dtype == torch.int64


# --- Registry entries that name a URL: downloaded with pooch, only when allowed, verified ------------------
@pytest.fixture
def served(recorded, tmp_path_factory):
    """The recorded run's file served from 127.0.0.1, and its registry entry turned into a URL entry."""
    folder = recorded[0]
    rows = json.loads((folder / CHAPTER / stored_runs.REGISTRY).read_text())
    site = tmp_path_factory.mktemp("site")
    (site / "run.pt").write_bytes((folder / CHAPTER / rows[0]["file"]).read_bytes())
    (folder / CHAPTER / rows[0]["file"]).unlink()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    entry_field(folder, file="", url=f"http://127.0.0.1:{server.server_port}/run.pt")
    yield folder, site
    server.shutdown()


def test_a_url_entry_is_not_downloaded_unless_allowed(served, monkeypatch, capsys, tmp_path):
    monkeypatch.delenv(stored_runs.DOWNLOADS_ENV, raising=False)
    monkeypatch.setenv(stored_runs.CACHE_ENV, str(tmp_path / "cache"))
    expect_training(served[0], capsys, "is online only (http://127.0.0.1:")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_an_allowed_download_lands_in_the_cache_and_loads(served, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv(stored_runs.DOWNLOADS_ENV, "1")
    monkeypatch.setenv(stored_runs.CACHE_ENV, str(tmp_path / "classroom"))
    run = train(shelf(served[0]))
    assert run.stored is not None and "loaded stored run 0" in capsys.readouterr().out
    assert [p.suffix for p in (tmp_path / "classroom").iterdir()] == [".pt"]


def test_a_download_with_a_wrong_hash_is_refused_and_not_kept(served, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv(stored_runs.DOWNLOADS_ENV, "1")
    monkeypatch.setenv(stored_runs.CACHE_ENV, str(tmp_path / "cache"))
    (served[1] / "run.pt").write_bytes(b"not the stored run")
    expect_training(served[0], capsys, "does not match its sha256, so it was refused and not kept")
    assert not any((tmp_path / "cache").glob("*.pt"))


# --- What ships with the course ------------------------------------------------------------------------
CHAPTERS = sorted(p.name for p in stored_runs.ROOT.iterdir() if p.is_dir()) if stored_runs.ROOT.is_dir() else []


def test_shipped_runs_are_current():
    """A change to a chapter's preset (or a damaged file) makes its shipped runs stale: rebuild them."""
    problems = [p for chapter in CHAPTERS for p in stored_runs.check_current(chapter, stored_runs.ROOT)]
    assert not problems, "\n".join(problems)


def test_a_changed_preset_makes_shipped_runs_stale_and_names_make_checkpoints(recorded, monkeypatch):
    from gan_course import presets

    folder = recorded[0]
    assert stored_runs.check_current(CHAPTER, folder) == []
    changed = dataclasses.replace(presets.PRESETS[CHAPTER]["tiny"], n_eval=7)
    monkeypatch.setitem(presets.PRESETS[CHAPTER], "tiny", changed)
    problems = stored_runs.check_current(CHAPTER, folder)
    assert len(problems) == 1 and "preset changed" in problems[0] and "`make checkpoints CHAPTERS=03`" in problems[0]


def test_shipped_runs_fit_in_25_megabytes():
    total = sum(e.bytes for ch in CHAPTERS for e in stored_runs.read_registry(ch, stored_runs.ROOT))
    assert total <= 25e6, f"the shipped runs take {total / 1e6:.1f} MB, more than 25 MB"


def test_load_module_builds_a_stored_generator_without_its_notebook(recorded):
    folder, rec, _ = recorded
    entry = stored_runs.read_registry(CHAPTER, folder)[0]
    G = stored_runs.load_module(entry, "G", folder)
    assert same_weights(type("R", (), {"G": G})(), rec) and not G.training
    with pytest.raises(ValueError, match="stores D, G, not 'G_ema'"):
        stored_runs.load_module(entry, "G_ema", folder)


# --- What the review of the shelf found: settings outside the configs, half loads, damaged registries ------
def test_an_edited_setting_of_the_notebook_s_preset_is_named_and_trained(tmp_path, capsys):
    from gan_course import presets

    global P  # the shelf reads the notebook's (here: this module's) global P at each training call
    P = presets.get_preset(CHAPTER, "tiny")
    train(stored_runs.open_shelf(CHAPTER, "tiny", 0, "record", P, folder=tmp_path))
    loading = stored_runs.open_shelf(CHAPTER, "tiny", 0, "auto", P, folder=tmp_path)
    P = dataclasses.replace(P, n_eval=7)  # e.g. a content loss's weight that a training call reads from P
    run = train(loading)
    out = capsys.readouterr().out
    assert run.stored is None and "training here: this notebook's settings P differ from the recorded run's (n_eval" in out


def test_a_load_that_fails_half_way_leaves_the_run_as_it_started(recorded, capsys):
    """A stored D whose keys no longer fit (code changed, config and version not): G must not stay loaded."""
    path = entry_field(recorded[0])
    payload = checkpoints.load(path)
    payload["modules"]["D"] = {k + "_renamed": v for k, v in payload["modules"]["D"].items()}
    torch.save(payload, path)
    entry_field(recorded[0], sha256=stored_runs.file_sha256(path), bytes=path.stat().st_size)
    line = expect_training(recorded[0], capsys, "does not fit")
    assert "\n" not in line and "not in model" in line  # the whole message, on one line
    fresh = train(None)
    again = train(shelf(recorded[0]))
    assert same_weights(again, fresh)  # trained from the initial weights, not from a half-loaded G


def test_a_damaged_registry_never_stops_pretrained_false_and_auto_trains_with_one_line(recorded, capsys):
    (recorded[0] / CHAPTER / stored_runs.REGISTRY).write_text("<<<<<<< HEAD\n[")
    assert train(shelf(recorded[0], False)).stored is None
    run = train(shelf(recorded[0]))
    out = capsys.readouterr().out
    assert run.stored is None and "registry.json is not a readable registry" in out and "rebuild it with" in out


@pytest.mark.parametrize("change, message", [
    ({"file": ""}, "names neither a file nor a URL"),
    ({"url": "http://127.0.0.1:1/x.pt"}, "names both a file and a URL"),
    ({"package_version": 1}, "package_version is 1, not a str"),
    ({"bytes": "12"}, "bytes is '12', not a int"),
])
def test_bad_registry_rows_are_one_line_errors(recorded, capsys, change, message):
    entry_field(recorded[0], **change)
    with pytest.raises(stored_runs.StoredRunError, match=message):
        stored_runs.read_registry(CHAPTER, recorded[0])
    assert train(shelf(recorded[0])).stored is None and message in capsys.readouterr().out


def test_a_row_with_a_key_from_a_newer_package_still_loads(recorded):
    entry_field(recorded[0], added_by_a_newer_package=True)
    assert train(shelf(recorded[0])).stored is not None


def test_a_registry_that_is_not_a_list_is_an_error(recorded):
    (recorded[0] / CHAPTER / stored_runs.REGISTRY).write_text("{}")
    with pytest.raises(stored_runs.StoredRunError, match="holds a dict, not a list of runs"):
        stored_runs.read_registry(CHAPTER, recorded[0])


def test_other_classifier_weights_are_named_and_trained(recorded, capsys):
    entry_field(recorded[0], classifiers="0" * 16)
    expect_training(recorded[0], capsys, "was recorded with other classifier weights")


def test_the_notebook_s_own_discriminator_refuses_to_run_untrained_after_a_load_without_it(tmp_path):
    train(shelf(tmp_path, "record").without("D"))
    runtime.seed_everything(0)
    G, D = models.build("mlp", sample_shape=(2,), hidden=16, n_layers=2)
    training.train_gan(G, D, DATA, CFG, progress=False, pretrained=shelf(tmp_path))
    with pytest.raises(RuntimeError, match="was not trained here.*pretrained=False"):
        D(DATA[:2])


def test_budget_falls_back_to_small_once_an_earlier_run_trained_here(tmp_path, capsys):
    play = dataclasses.replace(CFG, steps=9)
    rec = shelf(tmp_path, "record")
    train(rec)
    train(rec, cfg=play)
    s = shelf(tmp_path)
    train(s, cfg=dataclasses.replace(CFG, lr_d=5e-3))  # the first run differs: it trains here
    assert s.budget(CFG, play) is CFG
    assert "an earlier run of this notebook trained here" in capsys.readouterr().out


def test_retrained_classifiers_make_shipped_runs_stale(recorded):
    assert stored_runs.check_current(CHAPTER, recorded[0]) == []
    entry_field(recorded[0], classifiers="f" * 16)
    problems = stored_runs.check_current(CHAPTER, recorded[0])
    assert len(problems) == 1 and "classifiers" in problems[0] and "make checkpoints CHAPTERS=03" in problems[0]


def test_budget_trains_small_when_the_stored_play_file_is_missing(tmp_path, capsys):
    play = dataclasses.replace(CFG, steps=9)
    train(shelf(tmp_path, "record"), cfg=play)
    next((tmp_path / CHAPTER).glob("*.pt")).unlink()
    assert shelf(tmp_path).budget(CFG, play) is CFG
    assert "is missing" in capsys.readouterr().out


def test_a_run_identical_to_another_call_s_does_not_load_that_call_s_history(tmp_path, capsys):
    rec = shelf(tmp_path, "record")
    train(rec, cfg=dataclasses.replace(CFG, lr_d=5e-3))
    train(rec)  # call 1
    run = train(shelf(tmp_path))  # call 0 now makes what call 1 recorded: not its run
    assert run.stored is None


def test_rewrite_keeps_the_run_and_its_fingerprint_and_drops_only_what_it_is_told(recorded, capsys):
    folder, rec, after = recorded
    entry = stored_runs.read_registry(CHAPTER, folder)[0]
    with pytest.raises(ValueError, match="G is its only generator"):
        stored_runs.rewrite(entry, drop=("G",), folder=folder)
    new = stored_runs.rewrite(entry, drop=("D",), folder=folder)
    assert new.fingerprint == entry.fingerprint and set(new.modules) == {"G"} and new.bytes < entry.bytes
    run = train(shelf(folder))
    assert run.stored is not None and same_weights(run, rec) and run.history.logs == rec.history.logs
    assert torch.equal(torch.rand(4), after) and "D" not in run.modules


def test_fill_loads_what_is_stored_and_records_only_what_is_missing(tmp_path, capsys):
    rec = shelf(tmp_path, "record")
    first = train(rec)
    fill = shelf(tmp_path, "fill")
    again = train(fill)
    second = train(fill, cfg=dataclasses.replace(CFG, lr_g=2e-3))
    out = capsys.readouterr().out
    assert again.stored is not None and same_weights(again, first) and "loaded stored run 0" in out
    assert "recorded stored run 1" in out and second.stored is not None
    assert [e.index for e in stored_runs.read_registry(CHAPTER, tmp_path)] == [0, 1]
