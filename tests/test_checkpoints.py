import pytest
import torch
from torch import nn

import gan_course
from gan_course import checkpoints, models
from gan_course.models.mlp import MLPConfig


def test_round_trip_stores_config_and_version(tmp_path):
    G, _ = models.build("mlp", sample_shape=(2,), hidden=8)
    path = checkpoints.save_model(tmp_path / "g.pt", G, G.cfg)
    G2, _ = models.build("mlp", sample_shape=(2,), hidden=8)
    payload = checkpoints.load_model(path, G2)
    assert payload["version"] == gan_course.__version__
    assert payload["config"]["hidden"] == 8 and payload["config"]["sample_shape"] == [2]
    for a, b in zip(G.state_dict().values(), G2.state_dict().values()):
        assert torch.equal(a, b)


def test_another_architecture_names_the_mismatch(tmp_path):
    G, _ = models.build("mlp", sample_shape=(2,), hidden=8, n_layers=2)
    path = checkpoints.save_model(tmp_path / "g.pt", G, G.cfg)
    bigger, _ = models.build("mlp", sample_shape=(2,), hidden=16, n_layers=3)
    with pytest.raises(checkpoints.CheckpointMismatch) as err:
        checkpoints.load_model(path, bigger)
    msg = str(err.value)
    assert "shape differs: net.0.weight: checkpoint (8, 16) vs model (16, 16)" in msg
    assert "missing from checkpoint" in msg and "net.6.weight" in msg


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "c.pt"
    checkpoints.save(path, {"x": torch.ones(2)})

    def broken_save(obj, f):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError):
        checkpoints.save(path, {"x": torch.zeros(2)})
    assert torch.equal(checkpoints.load(path)["x"], torch.ones(2))
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temp file left behind


def test_load_refuses_code_and_foreign_files(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.pt"
    torch.save({"format": checkpoints.FORMAT, "x": Evil()}, path)
    with pytest.raises(Exception):  # weights_only=True rejects arbitrary objects
        checkpoints.load(path)
    torch.save({"x": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a gan_course checkpoint"):
        checkpoints.load(tmp_path / "other.pt")
    with pytest.raises(FileNotFoundError):
        checkpoints.load(tmp_path / "missing.pt")


def test_a_compressed_checkpoint_loads_the_same_and_a_truncated_one_is_refused(tmp_path):
    state = {"w": torch.randn(64, 64).half(), "n": 3}
    path = checkpoints.save(tmp_path / "c.pt", state, compress=True)
    assert path.read_bytes()[:2] == checkpoints.GZIP_MAGIC
    assert checkpoints.save(tmp_path / "d.pt", state, compress=True).read_bytes() == path.read_bytes()  # deterministic
    loaded = checkpoints.load(path)
    assert torch.equal(loaded["w"], state["w"]) and loaded["n"] == 3
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match="not a readable gan_course checkpoint"):
        checkpoints.load(path)
