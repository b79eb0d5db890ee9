"""Bad input gets a clear error (or a warning where it is legitimate but suspicious): the cases a tester
found passing silently or failing deep inside PyTorch (issue 9, item 4), and stale temporaries (item 5)."""
import warnings

import pytest
import torch

from gan_course import checkpoints, classifier, data, metrics, models, runtime, training
from gan_course.training import TrainConfig


def toy(n=256):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 2, generator=g) * 0.1 + 1.0


def mlp(seed=0, **kw):
    runtime.seed_everything(seed)
    return models.build("mlp", sample_shape=(2,), z_dim=4, hidden=16, n_layers=2, **kw)


def quick(steps=4, **kw):
    return TrainConfig(**{"steps": steps, "batch_size": 32, **kw})


# --- Resuming must continue the same experiment ----------------------------------------------------------
@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / "run.pt"
    training.train_gan(*mlp(), toy(), quick(lr_g=1e-3, lr_d=1e-3), checkpoint_path=path, checkpoint_every=4,
                       progress=False)
    return path


@pytest.mark.parametrize("change, field", [
    (dict(batch_size=16), "batch_size: checkpoint 32, now 16"),
    (dict(loss="hinge"), "loss: checkpoint 'nonsaturating', now 'hinge'"),
    (dict(n_critic=2), "n_critic: checkpoint 1, now 2"),
    (dict(lr_g=5e-4), "lr_g: checkpoint 0.001, now 0.0005"),  # was silently replaced by the checkpoint's
])
def test_resume_with_another_config_names_the_difference(checkpoint, change, field):
    cfg = quick(steps=8, **{**dict(lr_g=1e-3, lr_d=1e-3), **change})
    with pytest.raises(ValueError, match="only steps may change") as err:
        training.train_gan(*mlp(), toy(), cfg, checkpoint_path=checkpoint, resume=True, progress=False)
    assert field in str(err.value)


def test_resume_with_more_steps_continues_and_fewer_steps_is_an_error(checkpoint):
    run = training.train_gan(*mlp(), toy(), quick(steps=6, lr_g=1e-3, lr_d=1e-3), checkpoint_path=checkpoint,
                             resume=True, progress=False)
    assert run.step == 6
    with pytest.raises(ValueError, match="is at step 4, beyond this config's steps=3"):
        training.train_gan(*mlp(), toy(), quick(steps=3, lr_g=1e-3, lr_d=1e-3), checkpoint_path=checkpoint,
                           resume=True, progress=False)


def test_resume_from_a_model_only_file_says_what_it_is(tmp_path):
    G, D = mlp()
    path = checkpoints.save_model(tmp_path / "g.pt", G, G.cfg)
    with pytest.raises(ValueError, match="one model's weights .* not a training run"):
        training.train_gan(G, D, toy(), quick(), checkpoint_path=path, resume=True, progress=False)


def test_load_model_from_a_training_checkpoint_says_what_it_is(checkpoint):
    G, _ = mlp()
    with pytest.raises(ValueError, match=r"is a training checkpoint .* \(G, D\)"):
        checkpoints.load_model(checkpoint, G)


# --- Configs -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    (dict(betas=(1.5, 0.9)), r"betas\[0\] .* must be in \[0, 1\), got 1.5"),
    (dict(betas=(0.5,)), "betas must be a pair"),
    (dict(lr_g="fast"), "lr_g must be >= 0, got 'fast'"),
    (dict(ema_decay=1.0), r"ema_decay must be in \[0, 1\)"),
    (dict(batch_size=True), "batch_size must be an int >= 1, got True"),
    (dict(steps=10.0), "steps must be an int >= 1"),
])
def test_bad_train_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(z_dim=2.5), "z_dim must be an int >= 1, got 2.5"),
    (dict(hidden=True), "hidden must be an int >= 1, got True"),
    (dict(n_layers=0), "n_layers must be an int >= 1, got 0"),
    (dict(widht=3), "mlp models have no setting widht; valid: sample_shape, z_dim, hidden, n_layers"),
    (dict(sample_shape=(3, 100000, 100000)), "an MLP GAN handles at most"),  # would try to allocate terabytes
])
def test_bad_model_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        models.build("mlp", **kwargs)


def test_image_sizes_are_capped():
    with pytest.raises(ValueError, match=r"img_size must be an int in \[4, 1024\]"):
        data.load_dataset("digits", img_size=100000)  # was: try to allocate 40 GB
    with pytest.raises(ValueError, match="DCGAN supports img_size in"):
        models.build("dcgan", img_size=100000)


# --- Training data -----------------------------------------------------------------------------------------
def test_samples_as_a_list_or_integers_are_clear_errors():
    G, D = mlp()
    with pytest.raises(ValueError, match="x must be a torch.Tensor .* got list; convert it with torch.as_tensor"):
        training.train_gan(G, D, toy().tolist(), quick(), progress=False)
    with pytest.raises(ValueError, match=r"dtype torch.uint8, .* use x.float\(\) / 127.5 - 1"):
        training.train_gan(G, D, (toy() * 100).to(torch.uint8), quick(), progress=False)


def test_float64_samples_are_converted_with_a_warning():
    with pytest.warns(UserWarning, match="converting it to float32"):
        run = training.train_gan(*mlp(), toy().double(), quick(), progress=False)
    assert run.step == 4


def test_labels_for_an_unconditional_gan_are_an_error():
    with pytest.raises(ValueError, match="unconditional .* y= would be ignored"):
        training.train_gan(*mlp(), toy(), quick(), y=torch.zeros(256, dtype=torch.long), progress=False)


def test_labels_of_another_length_are_an_error():
    G, D = models.build("conditional", sample_shape=(2,), z_dim=4, hidden=16, n_layers=1, num_classes=3, embed_dim=2)
    with pytest.raises(ValueError, match="x holds 256 samples but y holds 100"):
        training.train_gan(G, D, toy(), quick(), y=torch.zeros(100, dtype=torch.long), progress=False)


# --- Divergence without NaN ----------------------------------------------------------------------------------
def test_exploding_losses_warn_once():
    with pytest.warns(RuntimeWarning, match="the losses are exploding") as record:
        training.train_gan(*mlp(), toy(), quick(steps=60, lr_g=1e3, lr_d=1e3), progress=False)
    assert sum("exploding" in str(w.message) for w in record) == 1


def test_discriminator_that_wins_completely_warns():
    def always_wins(run):
        run.history.log(run.step + 1, 0.0, {"d_loss": 1e-5, "g_loss": 12.0})
    cb = training.health_callback(window=10)
    run = training.Run({}, {}, None, quick(), torch.device("cpu"))
    for step in range(10):
        always_wins(run)
        run.step += 1
        if step < 9:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                cb(run)  # not yet: fewer than `window` steps
    with pytest.warns(RuntimeWarning, match="D rejects every fake with certainty"):
        cb(run)


def test_a_healthy_run_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        training.train_gan(*mlp(), toy(), quick(steps=30, lr_g=1e-3, lr_d=1e-3), progress=False)


# --- Data, metrics and the classifier --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["digits", "ring8"])
def test_root_for_a_built_in_dataset_is_an_error(name, tmp_path):
    with pytest.raises(ValueError, match="root= does not apply"):
        data.load_dataset(name, root=tmp_path)


def test_class_accuracy_rejects_predictions_outside_the_classes():
    with pytest.raises(ValueError, match=r"predicted classes must be integers in \[0, 3\).*from 0 to 5"):
        metrics.class_accuracy(torch.tensor([0, 5, 1]), torch.tensor([0, 1, 1]), 3)


def test_frechet_distance_with_too_few_samples_warns():
    a, b = torch.randn(20, 32), torch.randn(20, 32)
    with pytest.warns(RuntimeWarning, match="no more samples than dimensions"):
        metrics.frechet_distance(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        metrics.frechet_distance(torch.randn(200, 8), torch.randn(200, 8))


def test_fid_on_images_in_0_255_is_an_error():
    clf = classifier.load_classifier("digits")
    real = data.load_dataset("digits", split="test").x
    with pytest.raises(ValueError, match=r"takes images in \[-1, 1\].*from 0 to 255.*x / 127.5 - 1"):
        metrics.fid(real, (real + 1) * 127.5, clf.features)  # was: FID 7.5e6


def test_classifier_refuses_another_size_unless_told():
    clf = classifier.load_classifier("digits")  # trained on 16x16
    with pytest.raises(ValueError, match=r"set up for 16x16 inputs, got 28x28.*load_classifier\('digits', img_size=28\)"):
        clf.predict(torch.zeros(2, 1, 28, 28))
    resized = classifier.load_classifier("digits", img_size=28)
    assert resized.predict(torch.zeros(2, 1, 28, 28)).shape == (2,)
    with pytest.raises(ValueError, match="img_size must be an int in"):
        classifier.load_classifier("digits", img_size=0)


# --- Checkpoint files --------------------------------------------------------------------------------------------
def test_empty_and_corrupt_checkpoints_are_clear_errors(tmp_path):
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"is empty \(0 bytes\)"):
        checkpoints.load(empty)  # was: EOFError with no message
    noise = tmp_path / "noise.pt"
    noise.write_bytes(torch.randint(0, 256, (4096,), generator=torch.Generator().manual_seed(0),
                                    dtype=torch.uint8).numpy().tobytes())
    with pytest.raises(ValueError, match="is not a readable gan_course checkpoint"):
        checkpoints.load(noise)  # was: KeyError


def test_unwritable_checkpoint_names_the_target(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    target = blocker / "run.pt"
    with pytest.raises(OSError, match=f"cannot write the checkpoint {target}") as err:
        checkpoints.save(target, {"x": torch.ones(1)})
    assert ".tmp" not in str(err.value)


def test_stale_temporaries_of_the_same_target_are_removed(tmp_path):
    import subprocess
    import sys
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    pid = int(dead.stdout)  # a writer that has exited, as a save killed mid-way leaves its temporary
    path = tmp_path / "run.pt"
    stale = [tmp_path / f"run.pt.{pid}.{tag}.tmp" for tag in ("abc12345", "00ff00ff")]
    for p in stale:
        p.write_bytes(b"half a checkpoint")
    other = tmp_path / f"other.pt.{pid}.abc12345.tmp"
    other.write_bytes(b"another target's")
    checkpoints.save(path, {"x": torch.ones(1)})
    assert not any(p.exists() for p in stale)
    assert other.exists() and path.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "run.pt"]
