"""The shared loop's errata (issue 22): amp with paired training (item 10), the EMA start (22), G_ema's
spectral norm (26), resume and config checks (47), NaN data and non-scalar losses (48)."""
import copy
import io
from contextlib import redirect_stdout

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_course import checkpoints, models, presets, runtime, training
from gan_course.layers import sn
from gan_course.models.progan import ProGANConfig
from gan_course.training import FitConfig, TrainConfig
from gan_course.training import gan as gan_module


def toy(n=64):
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(0)) * 0.1 + 1.0


def mlp(seed=0):
    runtime.seed_everything(seed)
    return models.build("mlp", sample_shape=(2,), z_dim=4, hidden=16, n_layers=2)


# --- Item 10: amp=True with paired training and a conv content loss ---------------------------------------------
class PairedG(nn.Module):
    """A paired generator: image -> image of the same size."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3, padding=1)

    def forward(self, source):
        return torch.tanh(self.conv(source))


class PatchD(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, stride=2, padding=1)
        self.head = nn.Linear(2 * 4 * 4, 1)

    def forward(self, x):
        return self.head(F.leaky_relu(self.conv(x), 0.2).flatten(1))


def test_amp_paired_training_feeds_the_content_loss_float32(monkeypatch):
    # amp is bf16 autocast on CUDA only; CPU autocast reproduces what CUDA does: G's output is bf16.
    monkeypatch.setattr(gan_module, "_autocast", lambda run: torch.autocast("cpu", dtype=torch.bfloat16,
                                                                           enabled=run.config.amp))
    torch.manual_seed(0)
    features = nn.Conv2d(1, 4, 3)  # a conv feature extractor in float32, as SRGAN's and chapter 10's content losses
    seen = []

    def content_loss(fake, real):
        seen.append(fake.dtype)
        return F.mse_loss(features(fake), features(real))

    hr = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1
    cfg = TrainConfig(steps=2, batch_size=4, paired=True, amp=True, n_snapshot=2)
    run = training.train_gan(PairedG(), PatchD(), hr, cfg, y=hr.flip(-1), content_loss=content_loss, progress=False)
    assert seen == [torch.float32, torch.float32]  # was bf16 -> "Input type (BFloat16) and bias type (float)"
    assert len(run.history["content"]) == 2


# --- Item 22: the EMA start -----------------------------------------------------------------------------------
def test_g_ema_is_g_until_ema_start_then_an_average():
    equal = []

    def record(run):
        equal.append(all(torch.equal(a, b) for a, b in zip(run.G_ema.parameters(), run.G.parameters())))

    cfg = TrainConfig(steps=5, batch_size=16, ema_decay=0.9, ema_start=3, lr_g=1e-2, lr_d=1e-2)
    training.train_gan(*mlp(), toy(), cfg, callbacks=[record], progress=False)
    assert equal == [True, True, True, False, False]
    equal.clear()
    training.train_gan(*mlp(), toy(), TrainConfig(steps=2, batch_size=16, ema_decay=0.9, lr_g=1e-2), callbacks=[record],
                       progress=False)
    assert equal == [False, False]  # ema_start=0: the average from the first step, as before


def test_ema_decay_at_follows_biggans_ema_start():
    cfg = TrainConfig(steps=10, ema_decay=0.999, ema_start=4)
    assert [gan_module.ema_decay_at(cfg, s) for s in (1, 4, 5, 10)] == [0.0, 0.0, 0.999, 0.999]


@pytest.mark.parametrize("kw, match", [
    (dict(ema_start=-1, ema_decay=0.9), r"ema_start \(G steps with G_ema = G\) must be an int >= 0, got -1"),
    (dict(ema_start=2.5, ema_decay=0.9), r"ema_start .* must be an int >= 0, got 2.5"),
    (dict(ema_start=5), r"ema_start=5 needs an EMA: set ema_decay > 0"),
])
def test_bad_ema_start(kw, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(steps=10, **kw)


def test_biggan_full_preset_first_fid_is_not_of_initial_weights():
    P = presets.get_preset("06_biggan", "full")
    t = P.train
    assert t.ema_start >= P.fid_every  # the first FID scores G itself, not 90 % initial weights
    assert (t.steps - t.ema_start) * (1 - t.ema_decay) >= 5  # the EMA forgets its start by the end
    assert t.ema_decay ** (P.ablation_steps - t.ema_start) < 0.05  # the ablation's G_ema holds < 5 % of step 1,000


# --- Item 26: G_ema's spectral norm follows G_ema's own weights -----------------------------------------------------
def test_g_ema_spectral_norm_normalises_its_own_weights():
    torch.manual_seed(0)
    G = nn.Sequential(sn(nn.Linear(16, 16)))
    W = G[0].parametrizations.weight.original
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        W.copy_(torch.randn(16, 16, generator=gen))
    for _ in range(30):
        G(torch.zeros(1, 16))         # G's u, v have converged on its weights (train mode)
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    target = torch.randn(16, 16, generator=gen)
    G.train()
    sigmas = []
    for step in range(40):
        with torch.no_grad():
            W.lerp_(target, 0.1)      # G's weights move, as training moves them
        G(torch.zeros(1, 16))         # G's own power iteration, one per training forward
        training.ema_update(G_ema, G, 0.99)
        sigmas.append(torch.linalg.matrix_norm(G_ema[0].weight, 2).item())  # eval: stored u, v
    # with G's u, v G_ema's normalised weight reached a spectral norm of 2.0-4.6 here
    assert max(sigmas) < 1.02 and min(sigmas) > 0.98, sigmas[::10]


def test_ema_with_decay_zero_copies_everything_including_u_v():
    torch.manual_seed(0)
    G = nn.Sequential(sn(nn.Linear(8, 8)))
    G_ema = copy.deepcopy(G).eval()
    with torch.no_grad():
        G[0].parametrizations.weight.original.mul_(3).add_(1)
    G.train()
    G(torch.zeros(1, 8))
    training.ema_update(G_ema, G, 0.0)
    for a, b in zip(G_ema.state_dict().values(), G.state_dict().values()):
        assert torch.equal(a, b)


# --- Item 47: resume, configs, presets --------------------------------------------------------------------------
def test_resume_without_a_checkpoint_says_so_in_one_line(tmp_path):
    missing = tmp_path / "typo.pt"
    out = io.StringIO()
    with redirect_stdout(out):
        run = training.train_gan(*mlp(), toy(), TrainConfig(steps=2, batch_size=16), checkpoint_path=missing,
                                 resume=True, progress=False)
    assert out.getvalue() == f"resume=True: no checkpoint at {missing} yet, so this run starts at step 0\n"
    assert run.step == 2


def test_resume_without_a_checkpoint_path_is_an_error():
    with pytest.raises(ValueError, match=r"resume=True needs checkpoint_path="):
        training.train_gan(*mlp(), toy(), TrainConfig(steps=2, batch_size=16), resume=True, progress=False)
    with pytest.raises(ValueError, match=r"resume must be True or False, got 'yes'"):
        training.train_gan(*mlp(), toy(), TrainConfig(steps=2, batch_size=16), resume="yes", progress=False)


def test_train_model_resume_without_a_checkpoint_says_so(tmp_path):
    out = io.StringIO()
    model = nn.Linear(2, 2)
    with redirect_stdout(out):
        training.train_model(model, lambda m, x, y: m(x).square().mean(), toy(), FitConfig(steps=1, batch_size=8),
                             checkpoint_path=tmp_path / "none.pt", resume=True, progress=False)
    assert "no checkpoint at" in out.getvalue()


def progan(equalized_lr, seed=0):
    runtime.seed_everything(seed)
    cfg = ProGANConfig(img_size=8, z_dim=8, fmap_base=64, fmap_max=8, equalized_lr=equalized_lr)
    return models.build("progan", **vars(cfg))


def test_load_model_into_another_config_is_refused(tmp_path):
    G, _ = progan(True)
    path = checkpoints.save_model(tmp_path / "g.pt", G)  # the config defaults to G's own
    other, _ = progan(False)
    assert [k for k in G.state_dict()] == [k for k in other.state_dict()]  # same keys and shapes ...
    with pytest.raises(checkpoints.CheckpointMismatch,
                       match=r"(?s)built with another config.*\n  equalized_lr: checkpoint True, now False"):
        checkpoints.load_model(path, other)  # ... which used to load and change the output
    same, _ = progan(True, seed=1)
    checkpoints.load_model(path, same)
    assert all(torch.equal(a, b) for a, b in zip(same.state_dict().values(), G.state_dict().values()))


def test_resume_into_a_model_with_another_config_is_refused(tmp_path):
    path = tmp_path / "run.pt"
    x = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    cfg = TrainConfig(steps=1, batch_size=8, loss="wasserstein", n_snapshot=2)
    training.train_gan(*progan(True), x, cfg, checkpoint_path=path, checkpoint_every=1, progress=False)
    with pytest.raises(checkpoints.CheckpointMismatch, match=r"(?s)\(G\) was saved from a Generator built with another "
                                                            r"config.*equalized_lr: checkpoint True, now False"):
        training.train_gan(*progan(False), x, TrainConfig(steps=2, batch_size=8, loss="wasserstein", n_snapshot=2),
                           checkpoint_path=path, resume=True, progress=False)


def test_resume_accepts_a_checkpoint_older_than_a_new_setting_at_its_default(tmp_path):
    path = tmp_path / "run.pt"
    training.train_gan(*mlp(), toy(), TrainConfig(steps=1, batch_size=16), checkpoint_path=path, checkpoint_every=1,
                       progress=False)
    state = checkpoints.load(path)
    del state["config"]["ema_start"]  # as written before ema_start existed
    checkpoints.save(path, {k: v for k, v in state.items() if k not in ("format", "version", "config")},
                     state["config"])
    run = training.train_gan(*mlp(), toy(), TrainConfig(steps=2, batch_size=16), checkpoint_path=path, resume=True,
                             progress=False)
    assert run.step == 2
    with pytest.raises(ValueError, match="ema_start: checkpoint None, now 1"):
        training.train_gan(*mlp(), toy(), TrainConfig(steps=3, batch_size=16, ema_decay=0.9, ema_start=1),
                           checkpoint_path=path, resume=True, progress=False)


def test_editing_a_preset_does_not_change_later_calls():
    P = presets.get_preset("04_dcgan", "tiny")
    steps = P.train.steps
    P.train.steps = steps + 1000
    P.train.betas = (0.9, 0.9)
    again = presets.get_preset("04_dcgan", "tiny")
    assert again.train.steps == steps and again.train.betas != (0.9, 0.9)
    assert again == presets.PRESETS["04_dcgan"]["tiny"]


# --- Item 48: NaN data, non-scalar loss --------------------------------------------------------------------------
def test_nan_in_paired_inputs_is_named():
    hr = torch.rand(8, 1, 8, 8) * 2 - 1
    lr = hr.clone()
    lr[3, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"y holds NaN or inf values in 1 of its 8 samples \(the first: sample 3\)"):
        training.train_gan(PairedG(), PatchD(), hr, TrainConfig(steps=1, batch_size=4, paired=True), y=lr,
                           progress=False)


def test_nan_in_train_model_data_is_named():
    x = toy()
    x[7, 1] = float("nan")
    with pytest.raises(ValueError, match=r"x holds NaN or inf values .* sample 7"):
        training.train_model(nn.Linear(2, 2), lambda m, x, y: m(x).square().mean(), x, FitConfig(steps=1, batch_size=8),
                             progress=False)


@pytest.mark.parametrize("loss_fn, got", [
    (lambda m, x, y: m(x).square(), r"got a tensor of shape \[8, 2\]"),
    (lambda m, x, y: m(x).square().mean(0), r"got a tensor of shape \[2\]"),
    (lambda m, x, y: 0.5, "got float"),
])
def test_train_model_needs_a_scalar_loss(loss_fn, got):
    with pytest.raises(ValueError, match=r"loss_fn must return one number, a scalar tensor .*; " + got):
        training.train_model(nn.Linear(2, 2), loss_fn, toy(), FitConfig(steps=1, batch_size=8), progress=False)
