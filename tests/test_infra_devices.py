"""The training step functions follow their run's device (issue 22, must-show 3): weights on another device than
the data they are given, with torch's `meta` device standing in for a GPU.

Meta tensors have shapes and devices but no values, so an op that mixes a meta tensor with a CPU tensor raises
"Tensor on device meta is not on the expected device cpu!", exactly where a CUDA run would raise. The data
batches stay on the CPU (as `Batches` keeps them), the weights move to `meta`, and every tensor a step makes
itself (noise, labels, interpolation weights, penalties, snapshots) must be made on the run's device. Where a
step reads a number out of a tensor (`.item()` or `float()` for its logs, `bool(labels.max() >= K)` in a check, a count of
dead codes) meta has nothing to give, so the harness answers with placeholders: 0.5, False, 0, zeros on the CPU.
"""
import pytest
import torch
from torch import nn

from gan_course import course, models, runtime, training
from gan_course.presets import PRESETS
from gan_course.training import FitConfig, TrainConfig

META = torch.device("meta")


@pytest.fixture
def on_meta(monkeypatch):
    item, to_bool, to_int, cpu = torch.Tensor.item, torch.Tensor.__bool__, torch.Tensor.__int__, torch.Tensor.cpu
    to_float = torch.Tensor.__float__
    monkeypatch.setattr(torch.Tensor, "item", lambda t: 0.5 if t.is_meta else item(t))
    monkeypatch.setattr(torch.Tensor, "__bool__", lambda t: False if t.is_meta else to_bool(t))
    monkeypatch.setattr(torch.Tensor, "__int__", lambda t: 0 if t.is_meta else to_int(t))
    monkeypatch.setattr(torch.Tensor, "__float__", lambda t: 0.5 if t.is_meta else to_float(t))
    monkeypatch.setattr(torch.Tensor, "cpu", lambda t, *a, **k: torch.zeros(t.shape, dtype=t.dtype) if t.is_meta
                        else cpu(t, *a, **k))
    get_device = runtime.get_device
    monkeypatch.setattr(runtime, "get_device", lambda name="auto": META if str(name) == "meta" else get_device(name))


def mlp(**kw):
    runtime.seed_everything(0)
    return models.build("mlp", sample_shape=(2,), z_dim=4, hidden=8, n_layers=1, **kw)


def on_device(run, device=META):
    return all(p.device == device for m in run.modules.values() for p in m.parameters())


def test_the_harness_catches_a_tensor_made_on_the_cpu(on_meta):
    """A step that makes its noise without device= fails here, as it would on a GPU: the test can fail."""
    def careless_step(run):
        z = torch.randn(8, run.G.z_dim)  # the bug the test is for: no device=run.device
        return {"mean": run.G(z).mean().item()}

    G, D = mlp()
    run = training.Run({"G": G.to(META), "D": D.to(META)}, {}, training.Batches(torch.rand(16, 2), None, 8),
                       TrainConfig(steps=1, batch_size=8), META)
    with pytest.raises(RuntimeError, match="is not on the expected device|same device"):
        training.fit(run, careless_step, 1, progress=False)


@pytest.mark.parametrize("kw", [
    dict(),                                                             # non-saturating, one D step
    dict(loss="wasserstein", gp_lambda=10.0, n_critic=2),               # WGAN-GP: interpolation weights
    dict(loss="wasserstein", drift=0.001, lr_decay_start=0.5),          # ProGAN's drift, the lr schedule
    dict(loss="wasserstein", clip=0.01, optimizer="rmsprop"),           # weight clipping
    dict(r1_gamma=1.0), dict(r1_gamma=1.0, r1_every=2),                 # R1, at once and lazily
    dict(ema_decay=0.9, ema_start=1), dict(loss="hinge", ortho_beta=1e-4),
], ids=lambda kw: ",".join(kw) or "default")
def test_gan_step_with_weights_on_another_device_than_the_data(on_meta, kw):
    x = torch.rand(32, 2)  # cpu: the data stay on the CPU, the step moves each batch
    run = training.train_gan(*mlp(), x, TrainConfig(steps=3, batch_size=8, **kw), device="meta", progress=False)
    assert run.step == 3 and on_device(run) and run.history.snapshots  # snapshots: sample() made its noise on meta


def test_conditional_gan_step_makes_its_labels_on_the_run_device(on_meta):
    runtime.seed_everything(0)
    G, D = models.build("conditional", sample_shape=(2,), z_dim=4, num_classes=3, embed_dim=4, hidden=8, n_layers=1)
    run = training.train_gan(G, D, torch.rand(24, 2), TrainConfig(steps=2, batch_size=8), y=torch.arange(24) % 3,
                             device="meta", progress=False)
    assert on_device(run)


def test_paired_step_and_content_loss_follow_the_device(on_meta):
    features = nn.Conv2d(1, 2, 3).to(META)

    def content_loss(fake, real):
        return (features(fake) - features(real)).square().mean()

    G = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1))
    D = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.Flatten(), nn.Linear(2 * 4 * 4, 1))
    hr = torch.rand(8, 1, 8, 8)
    run = training.train_gan(G, D, hr, TrainConfig(steps=2, batch_size=4, paired=True, n_snapshot=2), y=hr,
                             content_loss=content_loss, device="meta", progress=False)
    assert on_device(run) and "content" in run.history.logs


def test_supervised_step_moves_both_halves_of_the_batch(on_meta):
    model = nn.Linear(2, 2)
    run = training.train_model(model, lambda m, x, y: (m(x) - y).square().mean(), torch.rand(16, 2),
                               FitConfig(steps=2, batch_size=4), y=torch.rand(16, 2), device="meta", progress=False)
    assert on_device(run)


def test_ema_update_with_spectral_norm_on_another_device(on_meta):
    from gan_course.layers import sn
    G = nn.Sequential(sn(nn.Linear(4, 4))).to(META)
    G_ema = nn.Sequential(sn(nn.Linear(4, 4))).to(META).eval()
    training.ema_update(G_ema, G, 0.9)  # G_ema's own power iteration runs where its weights are
    assert G_ema[0].parametrizations.weight[0]._u.device == META


_FULL_ARMS = [(chapter, arm.name) for chapter in PRESETS for arm in course.preset_arms(chapter, "full")
              if not (arm.key and arm.key in {a.key for c in list(PRESETS)[:list(PRESETS).index(chapter)]
                                               for a in course.preset_arms(c, "full")})]


@pytest.mark.parametrize("chapter, name", _FULL_ARMS, ids=[f"{c}-{n}" for c, n in _FULL_ARMS])
def test_every_full_preset_run_follows_the_device(on_meta, chapter, name):
    """Each chapter's full-preset runs (the notebooks' models, content losses, growth schedules and regularisers,
    at the preset's batch size) for 2 steps with the weights on meta and the data on the CPU."""
    arm = next(a for a in course.preset_arms(chapter, "full") if a.name == name)
    run = arm.train(2, None, "meta")
    assert run.step == 2 and on_device(run)
