"""What the shared loop learned for chapters 05-10: callbacks before a step, a run's own state in
checkpoints, lazy regularisation as its own optimiser step (with StyleGAN2's Adam adjustment), the
drift term, orthogonal and path-length regularisers, paired (image-to-image) generators, and
non-adversarial training through the same `fit`."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_course import losses, models, runtime, training
from gan_course.training import FitConfig, TrainConfig


def toy(n=256):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 2, generator=g) * 0.1 + 1.0


def mlp(seed=0):
    runtime.seed_everything(seed)
    return models.build("mlp", sample_shape=(2,), z_dim=4, hidden=16, n_layers=2)


def weights(*modules):
    return torch.cat([p.detach().flatten() for m in modules for p in m.state_dict().values()])


# --- Callbacks before each step, and what a run carries from step to step ------------------------------------
def test_before_step_callbacks_see_the_steps_done_so_far():
    seen = []
    training.train_gan(*mlp(), toy(), TrainConfig(steps=3, batch_size=32), progress=False,
                       before_step=[lambda run: seen.append(run.step)])
    assert seen == [0, 1, 2]


def test_transform_real_is_applied_to_every_real_batch():
    reals = []

    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 1)

        def forward(self, x):
            reals.append(x.detach().clone())
            return self.lin(x).squeeze(1)

    G, _ = mlp()

    def shift(run):
        run.transform_real = lambda x: x + 100.0  # set before each step, like a growth schedule

    training.train_gan(G, Spy(), toy(), TrainConfig(steps=2, batch_size=32), before_step=[shift], progress=False)
    real_batches = reals[0::3]  # each step D sees the real batch, the fakes, then the fakes again (G's step)
    assert all(b.min() > 50 for b in real_batches)


def test_run_state_is_checkpointed_and_resumed(tmp_path):
    def count(run):
        run.state["calls"] = run.state.get("calls", 0.0) + 1.0
    cfg = TrainConfig(steps=6, batch_size=32)
    straight = training.train_gan(*mlp(), toy(), cfg, before_step=[count], progress=False)
    ckpt = tmp_path / "run.pt"
    training.train_gan(*mlp(), toy(), TrainConfig(steps=3, batch_size=32), before_step=[count],
                       checkpoint_path=ckpt, checkpoint_every=3, progress=False)
    resumed = training.train_gan(*mlp(seed=5), toy(), cfg, before_step=[count], checkpoint_path=ckpt, resume=True,
                                 progress=False)
    assert straight.state == resumed.state == {"calls": 6.0}
    assert torch.equal(weights(straight.G, straight.D), weights(resumed.G, resumed.D))


# --- Lazy regularisation -----------------------------------------------------------------------------------------
def test_lazy_adam_adjustment_is_k_over_k_plus_one():
    p = [nn.Parameter(torch.zeros(1))]
    opt = training.make_optimizer(p, "adam", 0.002, (0.0, 0.99), lazy_every=16)
    c = 16 / 17
    assert opt.defaults["lr"] == pytest.approx(0.002 * c)
    assert opt.defaults["betas"] == pytest.approx((0.0, 0.99 ** c))
    plain = training.make_optimizer(p, "adam", 0.002, (0.0, 0.99))
    assert plain.defaults["lr"] == 0.002 and plain.defaults["betas"] == (0.0, 0.99)


def test_lazy_r1_is_its_own_optimiser_step_every_k_d_steps():
    G, D = mlp()
    run = training.train_gan(G, D, toy(), TrainConfig(steps=8, batch_size=32, r1_gamma=1.0, r1_every=4),
                             progress=False)
    opt_d = run.optimizers["D"]
    assert opt_d.defaults["lr"] == pytest.approx(2e-4 * 4 / 5)  # the adjustment is on
    steps_taken = opt_d.state[next(iter(D.parameters()))]["step"].item()
    assert steps_taken == 8 + 2  # 8 main steps and 2 regularisation steps (at D steps 0 and 4)
    assert len(run.history["r1"]) == 2


def test_drift_term_is_logged_and_equals_its_formula():
    # drift = 0.001 * E[D(x)^2] on the real batch's logits: D's first call of the step, before its update
    logits = []
    G, D = mlp()
    D.register_forward_hook(lambda m, i, o: logits.append(o.detach().clone()))
    run = training.train_gan(G, D, toy(), TrainConfig(steps=1, batch_size=32, loss="wasserstein", drift=0.001),
                             progress=False)
    real_logits = logits[0]
    assert real_logits.mean().item() == pytest.approx(run.history["d_real"][0], abs=1e-7)  # it is the real batch
    assert run.history["drift"][0] == pytest.approx(0.001 * real_logits.square().mean().item(), rel=1e-6)
    assert run.history["drift"][0] != pytest.approx(0.001 * real_logits.mean().item() ** 2, rel=1e-3)


# --- Regularisers of G --------------------------------------------------------------------------------------------
def test_orthogonal_penalty_by_hand():
    lin = nn.Linear(2, 3, bias=True)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]))
    # W W^T = [[1, 1, 0], [1, 2, 2], [0, 2, 4]]; off-diagonal squares: 2 * (1 + 0 + 4) = 10
    assert losses.orthogonal_penalty(lin, beta=0.5).item() == pytest.approx(5.0)
    orthonormal = nn.Linear(3, 3, bias=False)
    with torch.no_grad():
        orthonormal.weight.copy_(torch.linalg.qr(torch.randn(3, 3))[0] * 3)  # orthogonal rows, any norm
    assert losses.orthogonal_penalty(orthonormal, beta=1.0).item() == pytest.approx(0.0, abs=1e-9)
    emb = nn.Sequential(nn.Embedding(4, 3), nn.Linear(3, 3))
    with torch.no_grad():
        emb[1].weight.copy_(torch.eye(3))
    assert losses.orthogonal_penalty(emb, 1.0).item() == 0.0  # the embedding table is left alone
    with pytest.raises(ValueError, match="no weight matrices"):
        losses.orthogonal_penalty(nn.Embedding(3, 3), 1.0)


class LinearStyleG(nn.Module):
    """fake = reshape(A w) for the mean of the per-layer w: a generator whose Jacobian is A / num_ws."""

    z_dim, num_ws = 3, 2

    def __init__(self, A, size=4):
        super().__init__()
        self.A, self.size = nn.Parameter(A), size

    def mapping(self, z):
        return z

    def synthesis(self, ws):
        w = ws.mean(1)                                      # [B, w_dim]
        return (w @ self.A.T).view(-1, 1, self.size, self.size)

    def forward(self, z):
        return self.synthesis(self.mapping(z).unsqueeze(1).repeat(1, self.num_ws, 1))


def test_path_length_of_a_linear_generator():
    # A = c * Q with orthonormal columns: each layer's gradient is J^T y = (c / num_ws) Q^T y, so every
    # length is (c / num_ws) ||Q^T y||, and Q^T y ~ N(0, I_{w_dim} / (H W)): ||Q^T y|| sqrt(H W) follows a
    # chi distribution with w_dim degrees of freedom, mean sqrt(2) Gamma((k + 1) / 2) / Gamma(k / 2).
    torch.manual_seed(0)
    c, size, w_dim, num_ws = 5.0, 4, 3, 2
    Q = torch.linalg.qr(torch.randn(size * size, w_dim))[0]
    G = LinearStyleG(c * Q, size)
    z = torch.randn(4000, w_dim)
    ws = G.mapping(z).unsqueeze(1).repeat(1, num_ws, 1).requires_grad_(True)
    penalty, mean = losses.path_length_penalty(G.synthesis(ws), ws, pl_mean=0.0, decay=1.0)
    # per layer: grad = (1/num_ws) c Q^T y; mean over layers of its square norm, then sqrt
    scale = c / num_ws / size                                                      # c / num_ws / sqrt(H W)
    chi_mean = math.sqrt(2) * math.gamma((w_dim + 1) / 2) / math.gamma(w_dim / 2)
    assert mean == pytest.approx(scale * chi_mean, rel=0.03)
    assert penalty.item() == pytest.approx(scale ** 2 * (w_dim - chi_mean ** 2), rel=0.1)  # the lengths' variance
    (g,) = torch.autograd.grad(penalty, G.A)
    assert torch.isfinite(g).all()


def test_path_length_mean_is_a_running_average():
    G = LinearStyleG(torch.randn(16, 3))
    ws = torch.randn(8, 2, 3, requires_grad=True)
    _, m1 = losses.path_length_penalty(G.synthesis(ws), ws, pl_mean=10.0, decay=0.01)
    _, m_full = losses.path_length_penalty(G.synthesis(ws), ws, pl_mean=10.0, decay=1.0)
    assert m1 == pytest.approx(10.0 + 0.01 * (m_full - 10.0), rel=0.2)  # fresh noise each call: approximate
    with pytest.raises(ValueError, match="ws must be part of the graph"):
        losses.path_length_penalty(torch.zeros(1, 1, 2, 2), torch.zeros(1, 2, 3), 0.0)


def test_path_length_regulariser_in_the_loop_is_lazy_and_keeps_its_mean():
    class StyleD(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(16, 1)

        def forward(self, x):
            return self.lin(x.flatten(1)).squeeze(1)

    torch.manual_seed(0)
    G = LinearStyleG(torch.randn(16, 3))
    x = torch.randn(64, 1, 4, 4)
    run = training.train_gan(G, StyleD(), x, TrainConfig(steps=8, batch_size=16, pl_weight=2.0, pl_every=4),
                             progress=False)
    assert len(run.history["pl"]) == 2 and run.state["pl_mean"] > 0
    assert run.optimizers["G"].defaults["lr"] == pytest.approx(2e-4 * 4 / 5)
    with pytest.raises(ValueError, match="needs a style generator"):
        training.train_gan(*mlp(), toy(), TrainConfig(steps=1, batch_size=8, pl_weight=2.0), progress=False)


# --- Paired (image-to-image) generators ------------------------------------------------------------------------
class Upscale(nn.Module):
    """A toy super-resolution G: [B, 1, 2, 2] -> [B, 1, 4, 4]; optionally returns an aux loss."""

    def __init__(self, aux=False):
        super().__init__()
        self.conv, self.aux = nn.Conv2d(1, 1, 3, padding=1), aux

    def forward(self, lr):
        out = self.conv(F.interpolate(lr, scale_factor=2))
        return (out, out.square().mean() * 0.1) if self.aux else out


class PatchD(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(16, 1)

    def forward(self, x):
        return self.lin(x.flatten(1)).squeeze(1)


def test_paired_training_uses_the_source_and_the_content_loss():
    torch.manual_seed(0)
    hr = torch.rand(64, 1, 4, 4) * 2 - 1
    lr = F.avg_pool2d(hr, 2)
    cfg = TrainConfig(steps=5, batch_size=16, paired=True, adv_weight=1e-3)
    run = training.train_gan(Upscale(), PatchD(), hr, cfg, y=lr, content_loss=F.mse_loss, progress=False)
    assert len(run.history["content"]) == 5 and "d_real" in run.history.logs
    assert run.history.snapshots[0][1].shape == (64, 1, 4, 4)  # snapshots: G of the first n_snapshot sources
    aux_run = training.train_gan(Upscale(aux=True), PatchD(), hr, cfg, y=lr, progress=False)
    assert len(aux_run.history["aux"]) == 5  # a (image, aux_loss) generator adds its own loss
    out = training.sample(aux_run.G, 3, z=lr[:3])
    assert out.shape == (3, 1, 4, 4)  # sample() keeps the image of an (image, aux) output


def test_paired_training_errors():
    hr = torch.rand(32, 1, 4, 4)
    with pytest.raises(ValueError, match="paired training makes one D step per G step"):
        TrainConfig(paired=True, n_critic=2)
    with pytest.raises(ValueError, match="paired training needs G's inputs as y="):
        training.train_gan(Upscale(), PatchD(), hr, TrainConfig(steps=1, batch_size=8, paired=True), progress=False)
    with pytest.raises(ValueError, match="content_loss .* needs paired=True"):
        training.train_gan(*mlp(), toy(), TrainConfig(steps=1, batch_size=8), content_loss=F.mse_loss, progress=False)


# --- One model, one loss: the same loop ------------------------------------------------------------------------
def test_train_model_fits_a_line_and_resumes_exactly(tmp_path):
    x = torch.linspace(-1, 1, 128).unsqueeze(1)
    y = 3 * x - 0.5

    def mse(model, xb, yb):
        loss = F.mse_loss(model(xb), yb)
        return loss, {"rmse": loss.sqrt().item()}

    cfg = FitConfig(steps=300, batch_size=32, lr=0.05)
    runtime.seed_everything(0)
    run = training.train_model(nn.Linear(1, 1), mse, x, cfg, y=y, progress=False)
    assert run.history["loss"][-1] < 1e-3 and "rmse" in run.history.logs
    assert run.model.weight.item() == pytest.approx(3.0, abs=0.05)

    ckpt = tmp_path / "m.pt"
    runtime.seed_everything(0)
    training.train_model(nn.Linear(1, 1), mse, x, FitConfig(steps=150, batch_size=32, lr=0.05), y=y,
                         checkpoint_path=ckpt, checkpoint_every=150, progress=False)
    resumed = training.train_model(nn.Linear(1, 1), mse, x, cfg, y=y, checkpoint_path=ckpt, resume=True,
                                   progress=False)
    assert torch.equal(weights(resumed.model), weights(run.model))


def test_fit_config_errors():
    with pytest.raises(ValueError, match="lr must be >= 0"):
        FitConfig(lr=-1.0)
    with pytest.raises(ValueError, match="cfg must be a FitConfig"):
        training.train_model(nn.Linear(1, 1), lambda m, x, y: m(x).sum(), torch.zeros(4, 1), TrainConfig())


def test_fit_config_lr_milestones_decay_the_learning_rate_and_resume_exactly(tmp_path):
    x = torch.linspace(-1, 1, 64).unsqueeze(1)
    seen = []

    def mse(model, xb, yb):
        return F.mse_loss(model(xb), 2 * xb)

    def record(run):
        seen.append(run.optimizers["model"].param_groups[0]["lr"])

    cfg = FitConfig(steps=6, batch_size=16, lr=0.1, lr_milestones=(2, 4), lr_gamma=0.5)
    runtime.seed_everything(0)
    run = training.train_model(nn.Linear(1, 1), mse, x, cfg, y=x, callbacks=[record], progress=False)
    assert seen == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])  # steps 0-1, 2-3, 4-5 (steps done before each)
    ckpt = tmp_path / "m.pt"
    runtime.seed_everything(0)
    training.train_model(nn.Linear(1, 1), mse, x, FitConfig(steps=3, batch_size=16, lr=0.1, lr_milestones=(2, 4),
                         lr_gamma=0.5), y=x, checkpoint_path=ckpt, checkpoint_every=3, progress=False)
    resumed = training.train_model(nn.Linear(1, 1), mse, x, cfg, y=x, checkpoint_path=ckpt, resume=True, progress=False)
    assert torch.equal(weights(resumed.model), weights(run.model))
    with pytest.raises(ValueError, match="lr_gamma must be in"):
        FitConfig(lr_gamma=2.0)
    with pytest.raises(ValueError, match=r"lr_milestones\[i\] \(a step\) must be an int >= 1"):
        FitConfig(lr_milestones=(0,))
