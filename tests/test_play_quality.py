"""The scores of the shipped main generators (`python -m gan_course.play_quality`), on a few samples."""
import math

import pytest

from gan_course import play_quality


def test_the_shipped_biggan_is_scored_with_every_number_the_issue_asks_for(tmp_path):
    row = play_quality.score("06_biggan", 300, tmp_path)
    assert row["steps"] > 0 and row["fid"] >= 0 and 0 <= row["fid_real"] < row["fid_noise_0.1"] < row["fid_noise_0.2"]
    for key in ("confidence", "confidence_real"):
        assert 0.1 <= row[key] <= 1  # a mean top-class probability of 10 classes
    for key in ("effective classes", "effective classes_real"):
        assert 1 <= row[key] <= 10 + 1e-9
    assert 0 <= row["class accuracy"] <= 1 and row["fid_curve"] and (tmp_path / "06_biggan.png").stat().st_size > 0
    assert all(math.isfinite(v) for _, v in row["fid_curve"])


def test_the_table_marks_each_target_from_the_numbers():
    row = {"chapter": "x", "steps": 10, "train_seconds": 1.0, "fid": 5.0, "fid_noise_0.1": 2.0, "fid_noise_0.2": 6.0,
           "confidence": 0.7, "confidence_real": 0.8, "effective classes": 9.5, "effective classes_real": 9.7,
           "class accuracy": 0.71}
    line = play_quality.table([row]).splitlines()[-1]
    assert "| 5.0 | 2.0 / 6.0 | yes |" in line and "0.70 (0.80) NO" in line and "9.50 (9.70) yes" in line
    assert "0.71 (yes)" in line


def test_a_chapter_without_a_stored_play_run_says_how_to_make_one(monkeypatch):
    from gan_course import stored_runs
    monkeypatch.setattr(stored_runs, "read_registry", lambda chapter, folder=None: [])
    with pytest.raises(LookupError, match="make checkpoints CHAPTERS=07"):
        play_quality.play_entry("07_stylegan")
