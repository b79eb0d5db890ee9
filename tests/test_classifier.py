"""Tests for gan_course.classifier: shapes, input checks, the shipped weights, training."""

from pathlib import Path

import pytest
import torch

from gan_course import classifier as clf
from gan_course.classifier import Classifier, ClassifierConfig, load_classifier, train_classifier
from gan_course.data import load_dataset

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.parametrize("img_channels, img_size", [(1, 28), (3, 32), (1, 16)])
@pytest.mark.parametrize("input_size", [8, 16, 28, 64])
def test_shapes_any_input_size(img_channels, img_size, input_size):
    model = Classifier(ClassifierConfig(img_channels=img_channels, img_size=img_size, feature_dim=64),
                       input_size=input_size).eval()
    x = torch.rand(5, img_channels, input_size, input_size) * 2 - 1
    assert model(x).shape == (5, 10)
    assert model.features(x).shape == (5, 64)
    pred = model.predict(x)
    assert pred.shape == (5,) and pred.dtype == torch.int64


def test_features_batched_and_without_grad():
    model = Classifier(ClassifierConfig()).eval()
    x = (torch.rand(7, 1, 28, 28) * 2 - 1).requires_grad_(True)  # images in [-1, 1]
    feats = model.features(x, batch_size=3)  # 3 + 3 + 1
    assert not feats.requires_grad
    assert torch.allclose(feats, model.features(x.detach()), atol=1e-6)


@pytest.mark.parametrize("shape", [(2, 3, 28, 28), (2, 28, 28), (1, 2, 28, 28)])
def test_wrong_input_shape(shape):
    model = Classifier(ClassifierConfig(img_channels=1, dataset="digits"))
    with pytest.raises(ValueError, match=r"takes images \[N, 1, H, W\].*got shape"):
        model(torch.zeros(shape))


def test_shipped_digits_weights():
    checkpoint = torch.load(clf.WEIGHTS_DIR / "digits_classifier.pt", weights_only=True)
    assert checkpoint["test_accuracy"] >= 0.95 and checkpoint["train_settings"]["epochs"] > 0
    model = load_classifier("digits")
    assert not model.training and model.config.classes == tuple("0123456789")
    test = load_dataset("digits", split="test")
    assert clf.accuracy(model, test.x, test.y) >= 0.95
    # images of another size are resized when the classifier is told to expect them: 8x8 originals
    small = load_dataset("digits", split="test", img_size=8)
    assert clf.accuracy(load_classifier("digits", img_size=8), small.x, small.y) >= 0.95


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(),
                    reason="needs `sudo apt-get install dataset-fashion-mnist` (CI installs it)")
def test_shipped_fashion_weights(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # read the system copy, whatever ./data holds
    model = load_classifier("fashion-mnist")
    assert model.config.classes[0] == "T-shirt/top" and model.test_accuracy >= 0.88
    test = load_dataset("fashion-mnist", split="test", limit=2000)
    assert clf.accuracy(model, test.x, test.y) >= 0.85


def test_weights_files_are_small():
    for name in clf.SHIPPED:
        assert (clf.WEIGHTS_DIR / f"{name}_classifier.pt").stat().st_size < 1_000_000


def test_load_errors(tmp_path):
    with pytest.raises(ValueError, match="valid names: digits, mnist, fashion-mnist, cifar10"):
        load_classifier("ring8")
    with pytest.raises(FileNotFoundError, match="python -m gan_course.classifier mnist"):
        load_classifier("mnist", path=tmp_path / "missing.pt")
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a classifier checkpoint"):
        load_classifier("digits", path=tmp_path / "other.pt")
    with pytest.raises(ValueError, match="holds a classifier for 'digits', not 'mnist'"):
        load_classifier("mnist", path=clf.WEIGHTS_DIR / "digits_classifier.pt")


def test_training_smoke_and_save_load(tmp_path):
    model, acc = train_classifier("digits", epochs=1, limit=200, seed=0)
    assert isinstance(model, Classifier) and not model.training
    assert 0.0 <= acc <= 1.0
    clf.save_classifier(model, tmp_path / "d.pt", acc)
    back = load_classifier("digits", path=tmp_path / "d.pt")
    x = load_dataset("digits", split="test", limit=20).x
    assert torch.equal(back(x), model(x))
    assert back.test_accuracy == pytest.approx(acc) and back.train_settings["limit"] == 200


def test_training_is_deterministic_and_leaves_global_rng():
    state = torch.get_rng_state()
    a, _ = train_classifier("digits", epochs=1, limit=128, batch_size=32, seed=1)
    b, _ = train_classifier("digits", epochs=1, limit=128, batch_size=32, seed=1)
    c, _ = train_classifier("digits", epochs=1, limit=128, batch_size=32, seed=2)
    assert torch.equal(state, torch.get_rng_state())
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(pa, pb), name
    assert not torch.equal(a.head.weight, c.head.weight)


def test_cuda_without_cuda_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="CUDA is not available"):
        load_classifier("digits", device="cuda")


def test_second_classifiers_ship_and_differ_from_the_first():
    from gan_course.data import load_dataset

    first, second = load_classifier("digits"), load_classifier("digits", seed=1)
    assert second.train_settings["seed"] == 1 and second.test_accuracy >= 0.95
    x = load_dataset("digits", split="test").x[:50]
    assert not torch.allclose(first.features(x), second.features(x))  # another network's view
    assert (clf.WEIGHTS_DIR / "fashion-mnist_classifier_seed1.pt").stat().st_size < 1_000_000
    with pytest.raises(ValueError, match=r"classifiers ship for seeds \(0, 1\), got seed=2"):
        load_classifier("digits", seed=2)


# ---------------------------------------------------------------- images of another size: crop or resize (ERRATA 50)

def test_padded_images_give_exactly_the_native_features():
    from gan_course import data

    native, padded = load_classifier("fashion-mnist"), load_classifier("fashion-mnist", img_size=32, fit="pad")
    x = torch.rand(6, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    x32 = data.pad(x, 32)  # what load_dataset(..., img_size=32, fit="pad") makes
    assert torch.equal(padded.features(x32), native.features(x))
    assert torch.equal(padded(x32), native(x)) and torch.equal(padded.predict(x32), native.predict(x))
    # the resize route, for resized data, is another computation: on padded data it squeezes the digit
    resized = load_classifier("fashion-mnist", img_size=32)
    assert resized.input_fit == "resize" and padded.input_fit == "pad"
    assert (resized.features(x32) - native.features(x)).abs().max() > 0.1
    torch.testing.assert_close(resized.features(data.resize(x, 32)),
                               native.features(torch.nn.functional.interpolate(
                                   data.resize(x, 32), size=(28, 28), mode="bilinear", antialias=True)))


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(),
                    reason="needs `sudo apt-get install dataset-fashion-mnist` (CI installs it)")
def test_padded_fashion_test_set_scores_as_the_28_px_one(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    x28 = load_dataset("fashion-mnist", split="test", limit=300).x
    x32 = load_dataset("fashion-mnist", split="test", limit=300, img_size=32, fit="pad").x
    assert torch.equal(load_classifier("fashion-mnist", img_size=32, fit="pad").features(x32),
                       load_classifier("fashion-mnist").features(x28))


def test_fit_route_bad_values():
    with pytest.raises(ValueError, match=r"unknown fit 'crop'; valid: resize, pad"):
        load_classifier("fashion-mnist", img_size=32, fit="crop")
    with pytest.raises(ValueError, match=r"fit='pad' undoes a padding to a larger size, but img_size=16 is smaller"):
        load_classifier("fashion-mnist", img_size=16, fit="pad")
    with pytest.raises(ValueError, match=r"set up for 32x32 inputs, got 28x28.*fit='pad'"):
        load_classifier("fashion-mnist", img_size=32, fit="pad").features(torch.zeros(1, 1, 28, 28))
