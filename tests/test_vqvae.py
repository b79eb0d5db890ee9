"""Chapter 10's VQ-VAE: the quantiser against hand computations (nearest code, straight-through gradient,
EMA update, dead-code restarts), the autoencoder's shapes, gradients, determinism and errors, exact resume,
and the patch discriminator."""
import pytest
import torch
import torch.nn.functional as F

from gan_course import losses, models, runtime, training
from gan_course.models import vqvae
from gan_course.models.vqvae import VectorQuantizer, VQVAEConfig
from gan_course.training import FitConfig


def quantizer(codebook, **kw):
    q = VectorQuantizer(len(codebook), codebook.shape[1], **kw)
    with torch.no_grad():
        q.codebook.copy_(codebook)
        q.ema_sum.copy_(codebook)
    return q


def as_map(z):
    """[N, D] -> [1, D, 1, N]: N positions of one image, so the quantiser sees them in this order."""
    return z.T[None, :, None, :]


CODEBOOK = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])


# --- The lookup ------------------------------------------------------------------------------------------
def test_the_nearest_code_on_a_hand_made_example():
    z = torch.tensor([[0.1, 0.1], [0.9, -0.3], [0.2, 1.2], [0.6, 0.0], [-5.0, 3.0]])
    # distances^2 to (0,0), (1,0), (0,2): the 4th point is 0.36 vs 0.16 from the first two codes
    assert vqvae.nearest_code(z, CODEBOOK).tolist() == [0, 1, 2, 1, 2]
    assert torch.equal(vqvae.nearest_code(z, CODEBOOK), torch.cdist(z, CODEBOOK).argmin(1))


def test_the_expanded_distance_equals_the_direct_one_on_random_data():
    g = torch.Generator().manual_seed(0)
    z, e = torch.randn(500, 8, generator=g), torch.randn(64, 8, generator=g)
    assert torch.equal(vqvae.nearest_code(z, e), ((z[:, None] - e[None]) ** 2).sum(-1).argmin(1))


def test_forward_returns_the_codes_their_vectors_and_the_papers_loss():
    z = torch.tensor([[0.1, 0.1], [0.9, -0.3], [0.2, 1.2]])
    q = quantizer(CODEBOOK, beta=0.25).eval()
    out = q(as_map(z))
    assert out.indices.tolist() == [[[0, 1, 2]]]
    assert torch.equal(out.z_q[0, :, 0].T, CODEBOOK)          # the value is the codes'
    mse = ((z - CODEBOOK) ** 2).mean()
    assert out.loss.item() == pytest.approx((1 + 0.25) * mse.item())  # codebook + beta * commitment (equal values)
    q_ema = quantizer(CODEBOOK, beta=0.25, ema=True).eval()
    assert q_ema(as_map(z)).loss.item() == pytest.approx(0.25 * mse.item())  # EMA: commitment only


# --- Gradients ----------------------------------------------------------------------------------------------
def test_straight_through_gradient_equals_the_gradient_wrt_z_q():
    g = torch.Generator().manual_seed(1)
    z_e = torch.randn(2, 2, 3, 3, generator=g, requires_grad=True)
    w = torch.randn(2, 2, 3, 3, generator=g)
    q = quantizer(CODEBOOK).eval()
    out = q(z_e)
    (w * out.z_q).sum().backward()          # d/dz_q of this loss is w
    assert torch.equal(z_e.grad, w)         # ... and it reaches z_e unchanged: the lookup is skipped
    assert q.codebook.grad is None          # the decoder's loss never reaches the codebook directly


def test_codebook_and_commitment_terms_reach_the_right_tensors():
    """||sg[z_e] - e||^2 moves only the codebook, beta ||z_e - sg[e]||^2 only the encoder (not swapped)."""
    z = torch.tensor([[0.1, 0.1], [0.9, -0.3], [0.2, 1.2]])
    z_e = as_map(z).clone().requires_grad_(True)
    q = quantizer(CODEBOOK, beta=0.25).eval()
    q(z_e).loss.backward()
    n = z.numel()
    assert torch.allclose(z_e.grad[0, :, 0].T, 0.25 * 2 * (z - CODEBOOK) / n)   # commitment: beta * 2 (z - e) / n
    assert torch.allclose(q.codebook.grad, 2 * (CODEBOOK - z) / n)               # codebook: 2 (e - z) / n


def test_ema_codebook_gets_no_gradient_and_is_a_buffer():
    q = VectorQuantizer(8, 4, ema=True)
    assert "codebook" in dict(q.named_buffers()) and not any(n == "codebook" for n, _ in q.named_parameters())
    assert "codebook" in dict(VectorQuantizer(8, 4).named_parameters())


# --- The EMA update -----------------------------------------------------------------------------------------
def test_ema_update_matches_a_hand_computation_on_two_steps():
    codebook = torch.tensor([[0.0, 0.0], [4.0, 4.0]])
    q = quantizer(codebook, ema=True, decay=0.5)
    q.train()
    # step 1: both points go to code 0; code 1 gets nothing
    q(as_map(torch.tensor([[1.0, 0.0], [0.0, 1.0]])))
    # N = 0.5 * [1, 1] + 0.5 * [2, 0] = [1.5, 0.5];  m_0 = 0.5 * (0, 0) + 0.5 * (1, 1) = (0.5, 0.5)
    # m_1 = 0.5 * (4, 4) = (2, 2); n = 2; N~ = (N + eps) / (2 + 2 eps) * 2
    eps = vqvae.LAPLACE_EPS
    count = torch.tensor([1.5, 0.5])
    smoothed = (count + eps) / (2 + 2 * eps) * 2
    assert torch.allclose(q.ema_count, count)
    assert torch.allclose(q.ema_sum, torch.tensor([[0.5, 0.5], [2.0, 2.0]]))
    assert torch.allclose(q.codebook, torch.tensor([[0.5, 0.5], [2.0, 2.0]]) / smoothed[:, None])
    # step 2: the codebook is now ~(0.333, 0.333), (4, 4); (3, 3) goes to code 1, (0, 0) to code 0
    out = q(as_map(torch.tensor([[3.0, 3.0], [0.0, 0.0]])))
    assert out.indices.flatten().tolist() == [1, 0]
    count2 = 0.5 * count + 0.5 * torch.tensor([1.0, 1.0])                           # [1.25, 0.75]
    sums2 = 0.5 * torch.tensor([[0.5, 0.5], [2.0, 2.0]]) + 0.5 * torch.tensor([[0.0, 0.0], [3.0, 3.0]])
    smoothed2 = (count2 + eps) / (2 + 2 * eps) * 2
    assert torch.allclose(q.ema_count, count2) and torch.allclose(q.ema_sum, sums2)
    assert torch.allclose(q.codebook, sums2 / smoothed2[:, None])
    assert torch.allclose(q.codebook, torch.tensor([[0.25 / 1.25] * 2, [2.5 / 0.75] * 2]), atol=1e-4)  # (0.2, 3.33)


def test_the_ema_function_is_what_the_quantiser_uses():
    g = torch.Generator().manual_seed(2)
    count, sums = torch.rand(5, generator=g) + 0.5, torch.randn(5, 3, generator=g)
    z, idx = torch.randn(20, 3, generator=g), torch.randint(0, 5, (20,), generator=g)
    new_count, new_sum, codebook = vqvae.ema_codebook_update(count, sums, z, idx, 0.9)
    by_hand_count = torch.stack([0.9 * count[k] + 0.1 * (idx == k).sum() for k in range(5)])
    by_hand_sum = torch.stack([0.9 * sums[k] + 0.1 * z[idx == k].sum(0) for k in range(5)])
    assert torch.allclose(new_count, by_hand_count) and torch.allclose(new_sum, by_hand_sum)
    n = by_hand_count.sum()
    smoothed = torch.stack([(by_hand_count[k] + 1e-5) / (n + 5 * 1e-5) * n for k in range(5)])
    assert torch.allclose(codebook, by_hand_sum / smoothed[:, None])  # the returned codebook, e_k = m_k / N~_k


def test_the_ema_codebook_by_hand_with_a_code_whose_count_is_zero():
    """Numbers worked out on paper: decay 0.5, three codes, one batch of a single vector assigned to code 0."""
    count, sums = torch.tensor([2.0, 0.0, 1.0]), torch.tensor([[2.0, 4.0], [0.0, 0.0], [3.0, 3.0]])
    new_count, new_sum, codebook = vqvae.ema_codebook_update(count, sums, torch.tensor([[1.0, 1.0]]),
                                                             torch.tensor([0]), 0.5)
    assert torch.allclose(new_count, torch.tensor([1.5, 0.0, 0.5]))            # N <- 0.5 N + 0.5 n
    assert torch.allclose(new_sum, torch.tensor([[1.5, 2.5], [0.0, 0.0], [1.5, 1.5]]))
    # n = 2; N~ = (N + 1e-5) / (2 + 3e-5) * 2 ~ (1.5, 1e-5, 0.5): e_0 = (1, 5/3), e_1 = 0 / 1e-5 = 0 (finite), e_2 = (3, 3)
    assert torch.allclose(codebook, torch.tensor([[1.0, 5 / 3], [0.0, 0.0], [3.0, 3.0]]), atol=1e-4)
    assert torch.isfinite(codebook).all()


def test_eval_mode_never_changes_the_codebook():
    q = quantizer(CODEBOOK, ema=True, restart_threshold=1.0).eval()
    before = {k: v.clone() for k, v in q.state_dict().items()}
    q(torch.randn(4, 2, 3, 3))
    assert all(torch.equal(before[k], v) for k, v in q.state_dict().items())


# --- Dead-code restarts ----------------------------------------------------------------------------------
@pytest.mark.parametrize("ema", [False, True])
def test_a_dead_code_is_restarted_on_an_encoder_output(ema):
    codebook = torch.tensor([[0.0, 0.0], [100.0, 100.0]])  # code 1 is far from every input: dead
    q = quantizer(codebook, ema=ema, decay=0.9, restart_threshold=0.95).train()
    z = torch.tensor([[0.1, 0.2], [0.3, -0.1], [-0.2, 0.0]])
    out = q(as_map(z))
    assert out.indices.flatten().tolist() == [0, 0, 0]
    # code 1's usage: 0.9 * 1 + 0.1 * 0 = 0.9 < 0.95: restarted onto one of the batch's encoder outputs
    assert any(torch.equal(q.codebook[1].detach(), row) for row in z)
    assert q.ema_count[1] == 1.0 and torch.equal(q.ema_sum[1], q.codebook[1].detach())
    assert int(q.restarts) == 1
    assert q.ema_count[0] > 0.95 and not torch.equal(q.codebook[0].detach(), q.codebook[1].detach())
    again = q(as_map(z))  # now the restarted code is some input's nearest code
    assert 1 in again.indices.flatten().tolist()


def test_no_restarts_without_a_threshold():
    codebook = torch.tensor([[0.0, 0.0], [100.0, 100.0]])
    q = quantizer(codebook, ema=True, decay=0.9).train()
    for _ in range(5):
        q(as_map(torch.randn(3, 2)))
    assert int(q.restarts) == 0 and q.codebook[1, 0] > 50


def test_restarts_draw_from_the_global_rng():
    def restarted(seed):
        runtime.seed_everything(seed)
        q = quantizer(torch.tensor([[0.0, 0.0], [100.0, 100.0], [-100.0, 50.0]]), decay=0.9, restart_threshold=0.95).train()
        q(as_map(torch.randn(50, 2, generator=torch.Generator().manual_seed(0))))
        return q.codebook.detach().clone()

    assert torch.equal(restarted(0), restarted(0)) and not torch.equal(restarted(0), restarted(1))


# --- The autoencoder ---------------------------------------------------------------------------------------
def build(seed=0, **kw):
    runtime.seed_everything(seed)
    return models.build("vqvae", **{"img_size": 16, "hidden": 16, "codebook_size": 8, "code_dim": 4, "n_res": 1, **kw})


@pytest.mark.parametrize("img_size,channels", [(16, 1), (28, 1), (32, 3)])
def test_shapes(img_size, channels):
    model, D = build(img_size=img_size, img_channels=channels)
    x = torch.rand(3, channels, img_size, img_size) * 2 - 1
    x_hat, loss = model(x)
    g = img_size // 4
    assert x_hat.shape == x.shape and loss.dim() == 0 and x_hat.abs().max() <= 1
    codes = model.encode(x)
    assert codes.shape == (3, g, g) and codes.dtype == torch.long
    assert model.decode(codes).shape == x.shape
    assert D(x).shape == (3, 1, g, g)


def test_decode_of_encode_is_the_eval_reconstruction():
    model, _ = build()
    model.eval()
    x = torch.rand(4, 1, 16, 16) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(model.decode(model.encode(x)), model(x)[0], atol=1e-6)


@pytest.mark.parametrize("quantizer_kind", ["loss", "ema"])
def test_gradients_reach_every_trainable_parameter(quantizer_kind):
    model, D = build(quantizer=quantizer_kind)
    loss, _ = vqvae.vqvae_loss(model, torch.rand(4, 1, 16, 16) * 2 - 1)
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert all(p.grad is None for p in D.parameters())
    if quantizer_kind == "ema":
        assert "quantizer.codebook" not in dict(model.named_parameters())


def test_the_patch_discriminator_gets_gradients_and_is_seeded():
    x = torch.rand(4, 1, 16, 16) * 2 - 1
    model, D = build()
    D(x).mean().backward()
    for name, p in D.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert all(p.grad is None for p in model.parameters())
    (_, a), (_, b), (_, c) = build(0), build(0), build(1)
    a.eval(), b.eval(), c.eval()
    with torch.no_grad():
        assert torch.equal(a(x), b(x)) and not torch.equal(a(x), c(x))


def test_same_seed_same_model_and_output():
    x = torch.rand(2, 1, 16, 16) * 2 - 1
    (a, _), (b, _), (c, _) = build(0), build(0), build(1)
    a.eval(), b.eval(), c.eval()
    with torch.no_grad():
        assert torch.equal(a(x)[0], b(x)[0]) and not torch.equal(a(x)[0], c(x)[0])


def test_training_lowers_the_loss_and_uses_the_codes():
    model, _ = build(codebook_size=16)
    x = torch.rand(64, 1, 16, 16) * 2 - 1
    run = training.train_model(model, vqvae.vqvae_loss, x, FitConfig(steps=30, batch_size=16, lr=2e-3), progress=False)
    assert {"loss", "recon", "vq", "perplexity", "restarts"} <= set(run.history.logs)
    assert sum(run.history["recon"][-5:]) < sum(run.history["recon"][:5])
    restarts = run.history["restarts"]  # the running total, logged after each step
    assert restarts == sorted(restarts) and restarts[-1] == int(model.quantizer.restarts)


def test_after_the_first_step_every_code_the_batch_missed_is_restarted():
    """The counts start at the threshold (1): a code the first batch misses has 0.99 < 1 after step 1 and is
    restarted at once (a data-dependent initialisation, disclosed in notebook 10); a used code is not."""
    q = VectorQuantizer(8, 2, ema=True, decay=0.99, restart_threshold=1.0).train()
    z = torch.tensor([[0.1, 0.0], [0.0, 0.1], [0.1, 0.1], [-0.1, 0.0]]) * 0.01  # near the origin, like the codebook
    with torch.no_grad():
        before = q.codebook.clone()
        used = set(vqvae.nearest_code(z, before).tolist())
    q(as_map(z))
    missed = [k for k in range(8) if k not in used]
    assert int(q.restarts) == len(missed) > 0
    on_inputs = lambda k: any(torch.equal(q.codebook[k], row) for row in z)  # noqa: E731
    assert all(on_inputs(k) for k in missed)                     # each missed code sits on an encoder output
    assert all(q.ema_count[k] == 1.0 for k in missed)            # and starts its statistics again
    assert all(q.ema_count[k] > 0.99 for k in used)              # a used code keeps its count (0.99 + 0.01 n_k)


@pytest.mark.parametrize("quantizer_kind", ["loss", "ema"])
def test_training_with_restarts_resumes_exactly(tmp_path, quantizer_kind):
    """Restarts draw random encoder outputs (torch.randint), so a resumed run matches the straight one only if
    the checkpoint restores the RNG. That is tested only if codes are restarted AFTER the checkpoint: step 1's
    restarts (the data-dependent initialisation) always happen, so the running total must grow past step 2."""
    x = torch.rand(64, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    cfg, at = FitConfig(steps=12, batch_size=16, lr=2e-3), 2
    straight = training.train_model(build(quantizer=quantizer_kind)[0], vqvae.vqvae_loss, x, cfg, progress=False)
    ckpt = tmp_path / "run.pt"
    training.train_model(build(quantizer=quantizer_kind)[0], vqvae.vqvae_loss, x, FitConfig(steps=at, batch_size=16, lr=2e-3),
                         checkpoint_path=ckpt, checkpoint_every=at, progress=False)
    torch.manual_seed(123)  # a different global RNG state: resume must restore the checkpoint's
    resumed = training.train_model(build(seed=7, quantizer=quantizer_kind)[0], vqvae.vqvae_loss, x, cfg,
                                   checkpoint_path=ckpt, resume=True, progress=False).model
    restarts = straight.history["restarts"]  # running total after each step
    assert restarts[-1] > restarts[at - 1], f"no code restarted after the checkpoint (step {at}): {restarts}"
    assert int(resumed.quantizer.restarts) == restarts[-1]
    for (k, a), b in zip(straight.model.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), k


def test_code_indices_is_one_pass_in_eval_mode():
    model, _ = build(quantizer="ema", restart_threshold=1.0)
    model.train()
    x = torch.rand(10, 1, 16, 16) * 2 - 1
    before = model.quantizer.codebook.clone()
    codes = vqvae.code_indices(model, x, batch_size=3)
    assert codes.shape == (10, 4, 4) and model.training and torch.equal(before, model.quantizer.codebook)
    assert torch.equal(codes, model.encode(x))


# --- VQ-VAE + GAN through the shared adversarial step ---------------------------------------------------
def test_the_autoencoder_trains_against_a_patch_discriminator_with_a_feature_loss():
    model, D = build(quantizer="ema", restart_threshold=1.0)
    x = torch.rand(32, 1, 16, 16) * 2 - 1
    forwards = []
    model.register_forward_hook(lambda m, i, o: forwards.append(m.training))
    blocks = [torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU()).requires_grad_(False)]
    content = lambda fake, real: F.mse_loss(fake, real) + losses.feature_loss(blocks, fake, real)
    cfg = training.TrainConfig(steps=4, batch_size=8, paired=True, adv_weight=0.1, loss="hinge", snapshot_every=100)
    run = training.train_gan(model, D, x, cfg, y=x, content_loss=content, progress=False)
    assert {"d_loss", "g_loss", "content", "aux"} <= set(run.history.logs)
    assert forwards.count(True) == 4   # ONE training-mode forward per step: the EMA codebook updates once a step


# --- Clear errors -----------------------------------------------------------------------------------------
def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match="codebook_size must be an int >= 2"):
        VQVAEConfig(codebook_size=1)
    with pytest.raises(ValueError, match="codebook_size must be an int >= 2"):
        VectorQuantizer(1, 4)
    with pytest.raises(ValueError, match="img_size must be divisible by 4"):
        VQVAEConfig(img_size=30)
    with pytest.raises(ValueError, match="unknown quantizer 'kmeans'; valid: loss, ema"):
        VQVAEConfig(quantizer="kmeans")
    model, D = build()
    with pytest.raises(ValueError, match=r"built for images of shape \[B, 1, 16, 16\], got \[2, 1, 28, 28\]"):
        model(torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"built for images of shape \[B, 1, 16, 16\]"):
        model.encode(torch.zeros(2, 16, 16))
    with pytest.raises(ValueError, match=r"codes must lie in \[0, 7\] \(codebook_size=8\), got values from 0 to 8"):
        model.decode(torch.tensor([[[0, 1, 2, 8]] * 4]))
    with pytest.raises(ValueError, match=r"codes must lie in \[0, 7\]"):
        model.decode(torch.full((1, 4, 4), -1))
    with pytest.raises(ValueError, match=r"built for 4x4 code grids \[B, 4, 4\], got \[1, 7, 7\]"):
        model.decode(torch.zeros(1, 7, 7, dtype=torch.long))
    with pytest.raises(ValueError, match="integer tensor"):
        model.decode(torch.zeros(1, 4, 4))
    with pytest.raises(ValueError, match=r"PatchDiscriminator was built for images of shape \[B, 1, 16, 16\]"):
        D(torch.zeros(1, 1, 8, 8))
    with pytest.raises(ValueError, match=r"z_e of shape \[B, code_dim=4, h, w\]"):
        model.quantizer(torch.zeros(1, 3, 2, 2))


# --- metrics.codebook_usage / gradient_energy and losses.feature_loss (added for this chapter) -------------
def test_codebook_usage_and_perplexity_on_hand_made_assignments():
    from gan_course import metrics

    assignments = torch.tensor([[0, 0, 1], [1, 1, 1]])           # codes 0 and 1 of K = 8; p = (1/3, 2/3)
    assert metrics.codebook_usage(assignments, 8) == 2 / 8
    assert metrics.codebook_perplexity(assignments, 8) == pytest.approx(3 / 2 ** (2 / 3))  # exp(H), H = log 3 - 2/3 log 2
    assert metrics.codebook_usage(torch.arange(8).repeat(5), 8) == 1.0
    assert metrics.codebook_perplexity(torch.arange(8).repeat(5), 8) == pytest.approx(8)
    assert metrics.codebook_usage(torch.full((10,), 3), 4) == 0.25
    assert metrics.codebook_perplexity(torch.full((10,), 3), 4) == pytest.approx(1)
    # one batch misses a code that the whole pass uses: usage must be counted over the pass
    whole = torch.tensor([0, 1, 2, 3, 0, 1, 2, 0])
    assert metrics.codebook_usage(whole[:4], 4) == 1.0 and metrics.codebook_usage(whole[4:], 4) == 0.75
    for bad, match in ((torch.tensor([0, 4]), r"in \[0, 4\)"), (torch.tensor([0.0, 1.0]), "integer tensor"),
                       (torch.tensor([], dtype=torch.long), "non-empty")):
        with pytest.raises(ValueError, match=match):
            metrics.codebook_usage(bad, 4)
    with pytest.raises(ValueError, match="codebook_size must be an int >= 1"):
        metrics.codebook_usage(torch.tensor([0]), 0)


def test_gradient_energy_by_hand_and_blur_lowers_it():
    from gan_course import metrics

    stripes = torch.tensor([[-1.0, 1.0, -1.0], [-1.0, 1.0, -1.0]])[None, None]  # dx^2 = 4 everywhere, dy = 0
    assert metrics.gradient_energy(stripes) == pytest.approx(2.0)
    assert metrics.gradient_energy(torch.zeros(2, 1, 4, 4)) == 0
    edge = torch.zeros(1, 1, 2, 4)
    edge[..., 2:] = 1.0                       # one step of 1 in each row: dx^2 mean = 1/3, dy = 0
    ramp = torch.tensor([[0.0, 1 / 3, 2 / 3, 1.0]] * 2)[None, None]   # the same edge, blurred into 3 steps of 1/3
    assert metrics.gradient_energy(edge) == pytest.approx(1 / 6)
    assert metrics.gradient_energy(ramp) == pytest.approx(1 / 18)    # 3 * (1/3)^2 / 3 / 2
    with pytest.raises(ValueError, match=r"images must be \[N, C, H, W\]"):
        metrics.gradient_energy(torch.zeros(4, 4))


def test_feature_loss_by_hand_and_its_gradient_reaches_fake_only():
    double = torch.nn.Conv2d(1, 1, 1, bias=False)
    with torch.no_grad():
        double.weight.fill_(2.0)
    double.requires_grad_(False)
    fake = torch.ones(1, 1, 2, 2, requires_grad=True)
    real = torch.zeros(1, 1, 2, 2, requires_grad=True)
    loss = losses.feature_loss([double, double], fake, real)    # features 2 and 4 vs 0: (4 + 16) / 2
    assert loss.item() == pytest.approx(10.0)
    loss.backward()
    assert fake.grad is not None and real.grad is None
    with pytest.raises(ValueError, match="at least one block"):
        losses.feature_loss([], fake, real)
    with pytest.raises(ValueError, match="same shape"):
        losses.feature_loss([double], fake, torch.zeros(1, 1, 3, 3))
