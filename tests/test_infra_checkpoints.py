"""Checkpoint files (issue 22, ERRATA 48 and 49): a checkpoint that cannot be written fails before training,
a folder or a full disk is named clearly, temporaries are each writer's own, files get the usual mode."""
import os
import stat
import subprocess
import sys

import pytest
import torch

from gan_course import checkpoints, models, runtime, training
from gan_course.training import FitConfig, TrainConfig


def toy(n=64):
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(0)) * 0.1 + 1.0


def mlp(seed=0):
    runtime.seed_everything(seed)
    return models.build("mlp", sample_shape=(2,), z_dim=4, hidden=16, n_layers=2)


def dead_pid() -> int:
    """The id of a process that has exited (what a save killed mid-way leaves in its temporary's name)."""
    out = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                         check=True)
    return int(out.stdout)


# --- 48: fail before training, not at the first save after it ----------------------------------------------------
def test_a_checkpoint_path_under_a_file_fails_before_the_first_step(tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("a file where a folder was meant")
    steps = []
    with pytest.raises(OSError, match=rf"cannot write the checkpoint {blocker / 'run.pt'} \(checkpoint_path\): "
                                      rf"{blocker} is a file, not a folder"):
        training.train_gan(*mlp(), toy(), TrainConfig(steps=50, batch_size=16), callbacks=[steps.append],
                           checkpoint_path=blocker / "run.pt", checkpoint_every=50, progress=False)
    assert steps == []  # was: 50 steps of training, then the error at the first save (history lost)


def test_train_model_checks_the_checkpoint_path_before_training(tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("")
    steps = []
    with pytest.raises(OSError, match="is a file, not a folder"):
        training.train_model(torch.nn.Linear(2, 2), lambda m, x, y: m(x).square().mean(), toy(),
                             FitConfig(steps=5, batch_size=8), callbacks=[steps.append],
                             checkpoint_path=blocker / "sub" / "m.pt", checkpoint_every=5, progress=False)
    assert steps == []


def test_a_checkpoint_path_that_is_a_folder_is_named_as_such(tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match=rf"checkpoint_path='{folder}' is a folder, but a checkpoint is one "
                                                rf"file: give a file name, e.g. '{folder / 'run.pt'}'") as err:
        training.train_gan(*mlp(), toy(), TrainConfig(steps=2, batch_size=16), checkpoint_path=folder,
                           checkpoint_every=1, progress=False)
    assert ".tmp" not in str(err.value)  # was: "Is a directory: '.../checkpoints'" of the internal .tmp file
    with pytest.raises(IsADirectoryError, match="is a folder"):
        checkpoints.save(folder, {"x": torch.ones(1)})
    with pytest.raises(IsADirectoryError, match="is a folder"):  # resume=True with a folder: not "no checkpoint yet"
        training.train_gan(*mlp(), toy(), TrainConfig(steps=2, batch_size=16), checkpoint_path=folder, resume=True,
                           progress=False)


def test_a_read_only_folder_fails_before_training(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    monkeypatch.setattr(os, "access", lambda p, mode: False)  # as a read-only folder answers (root may write anyway)
    with pytest.raises(PermissionError, match=f"the folder {folder} is not writable"):
        training.train_gan(*mlp(), toy(), TrainConfig(steps=2, batch_size=16), checkpoint_path=folder / "r.pt",
                           checkpoint_every=1, progress=False)


def test_a_full_disk_mid_save_is_named_and_the_old_checkpoint_survives(tmp_path, monkeypatch):
    path = tmp_path / "run.pt"
    checkpoints.save(path, {"x": torch.ones(2)})

    def full_disk(obj, f):  # what torch.save raises when the disk fills while it writes
        f.write(b"half")
        raise RuntimeError("[enforce fail at inline_container.cc:626] . unexpected pos 320 vs 256")

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(OSError, match=rf"could not write the checkpoint {path} \(is the disk full, or the folder "
                                      rf"read-only\?\); the previous checkpoint at {path} is unchanged\. The error: "
                                      rf"RuntimeError: \[enforce fail"):
        checkpoints.save(path, {"x": torch.zeros(2)})
    monkeypatch.undo()
    assert torch.equal(checkpoints.load(path)["x"], torch.ones(2))
    assert [p.name for p in tmp_path.iterdir()] == ["run.pt"]  # the temporary is gone too


def test_a_full_disk_on_the_first_save_says_nothing_was_written(tmp_path, monkeypatch):
    def full_disk(obj, f):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(OSError, match=r"nothing was written\. The error: OSError: \[Errno 28\] No space left"):
        checkpoints.save(tmp_path / "new.pt", {"x": torch.zeros(2)})
    assert list(tmp_path.iterdir()) == []


# --- 49: each writer's own temporaries; the usual file mode ---------------------------------------------------------
def test_saving_one_checkpoint_keeps_another_checkpoints_temporary(tmp_path):
    pid = dead_pid()
    theirs = tmp_path / f"run_seed1.pt.{pid}.0123abcd.tmp"  # `run_seed1.pt` being saved (or killed) beside `run`
    theirs.write_bytes(b"in flight")
    also_theirs = tmp_path / f"run.pt.old.{pid}.0123abcd.tmp"
    also_theirs.write_bytes(b"in flight")
    checkpoints.save(tmp_path / "run.pt", {"x": torch.ones(1)})
    checkpoints.save(tmp_path / "run", {"x": torch.ones(1)})
    assert theirs.exists() and also_theirs.exists()  # was: saving `run` deleted `run_seed1.pt...tmp`


def test_a_live_writers_temporary_of_the_same_path_is_kept(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        in_flight = tmp_path / f"run.pt.{live.pid}.89abcdef.tmp"
        in_flight.write_bytes(b"another writer is still saving")
        stale = tmp_path / f"run.pt.{dead_pid()}.89abcdef.tmp"
        stale.write_bytes(b"a killed save")
        removed = checkpoints.remove_stale_temporaries(tmp_path / "run.pt")
        assert removed == [stale] and in_flight.exists() and not stale.exists()
    finally:
        live.kill()
        live.wait()


def test_two_writers_of_one_path_use_different_temporaries(tmp_path, monkeypatch):
    path = tmp_path / "run.pt"
    names = []
    real_open = os.open

    def spy(name, *args, **kw):
        names.append(os.fspath(name))
        return real_open(name, *args, **kw)

    monkeypatch.setattr(os, "open", spy)
    checkpoints.save(path, {"x": torch.ones(1)})
    checkpoints.save(path, {"x": torch.ones(1)})
    temporaries = [n for n in names if n.endswith(".tmp")]
    assert len(temporaries) == 2 and temporaries[0] != temporaries[1]
    assert all(os.path.basename(n).startswith(f"run.pt.{os.getpid()}.") for n in temporaries)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_saved_files_get_the_usual_mode_under_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = checkpoints.save(tmp_path / "run.pt", {"x": torch.ones(1)})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode  # was 0600 whatever the umask (mkstemp)
