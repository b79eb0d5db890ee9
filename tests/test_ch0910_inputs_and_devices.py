"""Chapters 09 and 10: bad input gets a clear error (ERRATA 47/48), and the feature losses follow their input's
device (ERRATA 7 and the SRGAN content loss), tested where weights and inputs sit on different devices."""
import copy
import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_course import data, losses, models, runtime, training, widgets
from gan_course.classifier import Classifier, ClassifierConfig
from gan_course.models import vqvae
from gan_course.models.pixelcnn import PixelCNN, PixelCNNConfig
from gan_course.models.srgan import ContentLoss, Discriminator, RandomFeatures, SRGANConfig, SRResNet

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


class DeviceStrict(nn.Module):
    """A conv that, like a CUDA kernel, refuses an input on another device than its weights (torch's meta
    device would quietly accept a CPU weight with a meta input, so it cannot show the crash by itself)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        if x.device != self.conv.weight.device:
            raise RuntimeError(f"Expected all tensors to be on the same device: input {x.device}, "
                               f"weight {self.conv.weight.device}")
        return self.conv(x)


# --- Devices ------------------------------------------------------------------------------------------
def test_content_loss_follows_its_inputs_device_and_leaves_phi_where_it_is():
    phi = DeviceStrict()
    loss = ContentLoss(phi, weight=2.0)
    fake = torch.empty(2, 3, 8, 8, device="meta")
    assert loss(fake, fake).device.type == "meta"                 # phi's weights are on the CPU
    assert phi.conv.weight.device.type == "cpu"                   # the shared phi was not moved
    assert loss(fake, fake).device.type == "meta"                 # the copy is reused
    x, y = torch.rand(2, 3, 8, 8) * 2 - 1, torch.rand(2, 3, 8, 8) * 2 - 1
    assert torch.allclose(loss(x, y), 2 * F.mse_loss(phi(x), phi(y)))  # on phi's own device: phi itself


def test_content_loss_takes_a_bfloat16_fake_from_amp():
    """ERRATA 10: under amp=True the bf16 fake reaches the content loss outside autocast; phi's dtype is used."""
    loss = ContentLoss(RandomFeatures(widths=(8,)))
    real = torch.rand(2, 3, 8, 8) * 2 - 1
    fake = real.to(torch.bfloat16).requires_grad_(True)
    value = loss(fake, real)
    value.backward()
    assert value.dtype == torch.float32 and fake.grad is not None


def notebook_cell(path: Path, marker: str) -> str:
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    found = ["".join(c["source"]) for c in cells if marker in "".join(c["source"])]
    assert len(found) == 1, f"{marker!r} should be in exactly one code cell of {path.name}"
    return found[0]


def test_notebook_10_feature_blocks_go_to_dev_without_moving_the_classifier():
    """ERRATA 7: notebook 10 builds its feature loss from slices of clf.trunk, which share clf's modules.
    Run the notebook's own lines with dev = meta: the blocks must land on dev and clf must stay on the CPU."""
    source = notebook_cell(NOTEBOOKS / "10_vqvae.ipynb", "blocks = ")
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("blocks = "))
    snippet = "\n".join(lines[start:start + 3])  # the blocks, and the loop that freezes them
    clf = Classifier(ClassifierConfig(img_size=16, feature_dim=16)).eval()
    before = {k: v.clone() for k, v in clf.state_dict().items()}
    namespace = {"copy": copy, "clf": clf, "dev": torch.device("meta")}
    exec(snippet, namespace)
    blocks = namespace["blocks"]
    assert all(p.device.type == "meta" for block in blocks for p in block.parameters())
    assert all(p.device.type == "cpu" for p in clf.parameters())            # clf, for the FID, is untouched
    assert all(torch.equal(before[k], v) for k, v in clf.state_dict().items())
    assert all(not p.requires_grad for block in blocks for p in block.parameters())
    x = torch.empty(2, 1, 16, 16, device="meta")
    assert losses.feature_loss(blocks, x, x).device.type == "meta"


# --- SRResNet and the SR discriminator ---------------------------------------------------------------
def sr_small(**kw):
    return SRGANConfig(**{**dict(n_channels=8, n_blocks=1, ndf=8, d_blocks=2, fc_size=16, hr_size=16), **kw})


@pytest.mark.parametrize("bad, what", [
    (torch.full((1, 3, 4, 4), 200.0), r"pixels in \[-1, 1\], got values from 200 to 200; 0-255 images"),
    (torch.full((1, 3, 4, 4), float("nan")), r"pixels in \[-1, 1\], got values no finite value and 48 NaN"),
    (torch.rand(1, 3, 4, 4) * 1.5, r"pixels in \[-1, 1\]"),                       # [0, 1.5]: out of range
])
def test_srresnet_refuses_nan_and_0_255_images(bad, what):
    with pytest.raises(ValueError, match=what):
        SRResNet(sr_small())(bad)


def test_srresnet_and_discriminator_name_a_wrong_dtype_and_an_empty_batch():
    G, D = SRResNet(sr_small()), Discriminator(sr_small())
    with pytest.raises(TypeError, match=r"SRResNet \(LR input\)'s weights are torch.float32 but the images are torch.float64"):
        G(torch.zeros(1, 3, 4, 4, dtype=torch.float64))
    with pytest.raises(TypeError, match="Discriminator's weights are torch.float32 but the images are torch.float64"):
        D(torch.zeros(2, 3, 16, 16, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"SRResNet \(LR input\) got an empty batch \[0, 3, 4, 4\]"):
        G(torch.zeros(0, 3, 4, 4))
    with pytest.raises(ValueError, match=r"Discriminator got an empty batch"):
        D(torch.zeros(0, 3, 16, 16))
    with torch.autocast("cpu", dtype=torch.bfloat16):  # amp's bfloat16 is not a dtype error
        D(torch.zeros(2, 3, 16, 16, dtype=torch.bfloat16))


def test_an_lr_hr_scale_mismatch_is_not_blamed_on_the_discriminator():
    runtime.seed_everything(0)
    G, D = models.build("srgan", **vars(sr_small()))
    hr = torch.rand(8, 3, 16, 16) * 2 - 1
    lr = data.bicubic_downscale(hr, 2)  # x2 pairs for a x4 model: G makes 32x32 crops
    cfg = training.TrainConfig(steps=1, batch_size=4, paired=True, adv_weight=1e-3)
    with pytest.raises(ValueError, match=r"D is not the problem.*the LR inputs must be 4x4.*bicubic_downscale\(hr, 4\)"):
        training.train_gan(G, D, hr, cfg, y=lr, progress=False)


def test_content_loss_names_mismatched_sizes():
    loss = ContentLoss(RandomFeatures(widths=(8,)))
    with pytest.raises(ValueError, match=r"fake is \[2, 3, 32, 32\] and real \[2, 3, 16, 16\].*LR side x scale = HR side"):
        loss(torch.zeros(2, 3, 32, 32), torch.zeros(2, 3, 16, 16))
    with pytest.raises(ValueError, match=r"image batches \[B, C, H, W\]; real is \[3, 16, 16\]"):
        loss(torch.zeros(1, 3, 16, 16), torch.zeros(3, 16, 16))


@pytest.fixture(scope="module")
def sr_test():
    return data.load_sr(split="test").centre_crop(32)


def test_sr_compare_names_scale_and_size_mismatches(sr_test):
    x2 = SRResNet(SRGANConfig(scale=2, n_channels=4, n_blocks=0))
    with pytest.raises(ValueError, match=r"model 'x2' upscales x2 but the test images are x4 pairs"):
        widgets.sr_compare(sr_test, {"x2": x2})
    bad_pairs = replace(sr_test, lr=[data.bicubic_downscale(hr, 2) for hr in sr_test.hr])  # x2 LR labelled x4
    with pytest.raises(ValueError, match=r"test image 0: LR \[3, 16, 16\] x4 does not give its HR \[3, 32, 32\]"):
        widgets.sr_compare(bad_pairs, {})


@pytest.mark.parametrize("kw, what", [(dict(crop=500), r"crop \(window\) must be an int <= 32"),
                                      (dict(wipe=1.5), r"wipe must be in \[0.0, 1.0\], got 1.5"),
                                      (dict(x=-0.1), r"x must be in \[0.0, 1.0\], got -0.1"),
                                      (dict(image=True), r"image must be in 0..1, an int")])
def test_sr_compare_refuses_out_of_range_controls_instead_of_clamping(sr_test, kw, what):
    with pytest.raises(ValueError, match=what):
        widgets.sr_compare(sr_test, {}, **kw)


# --- VQ-VAE --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def vq():
    runtime.seed_everything(0)
    model, patch_D = models.build("vqvae", img_size=16, hidden=8, codebook_size=8, code_dim=4, n_res=1)
    return model, patch_D


@pytest.mark.parametrize("method", ["encode", "forward"])
@pytest.mark.parametrize("bad, what", [(torch.full((1, 1, 16, 16), 255.0), r"pixels in \[-1, 1\], got values from 255"),
                                       (torch.full((1, 1, 16, 16), float("nan")), r"pixels in \[-1, 1\].*256 NaN")])
def test_vqvae_refuses_nan_and_0_255_images(vq, method, bad, what):
    with pytest.raises(ValueError, match=what):
        getattr(vq[0], method)(bad)


def test_vqvae_and_patch_d_name_a_wrong_dtype_and_an_empty_batch(vq):
    model, patch_D = vq
    with pytest.raises(TypeError, match="VQVAE's weights are torch.float32 but the images are torch.float64"):
        model.encode(torch.zeros(1, 1, 16, 16, dtype=torch.float64))
    with pytest.raises(TypeError, match="PatchDiscriminator's weights are torch.float32 but the images are torch.float64"):
        patch_D(torch.zeros(2, 1, 16, 16, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"VQVAE got an empty batch \[0, 1, 16, 16\]"):
        model(torch.zeros(0, 1, 16, 16))
    with pytest.raises(ValueError, match="VectorQuantizer got an empty batch"):
        model.quantizer.train()(torch.zeros(0, 4, 4, 4))


def test_nearest_code_names_mismatched_code_sizes():
    with pytest.raises(ValueError, match=r"z's vectors have D = 3 numbers but the codes D = 4"):
        vqvae.nearest_code(torch.zeros(5, 3), torch.zeros(8, 4))
    with pytest.raises(ValueError, match=r"z \[N, D\] and codebook \[K, D\], got z \[2, 5, 3\]"):
        vqvae.nearest_code(torch.zeros(2, 5, 3), torch.zeros(8, 3))


@pytest.mark.parametrize("indices, what", [(torch.tensor([0, 5]), r"codes in \[0, 4\] \(K = 5 codes\), got values from 0 to 5"),
                                           (torch.tensor([-1, 2]), r"codes in \[0, 4\].*from -1 to 2"),
                                           (torch.tensor([0.0, 1.0]), "indices must be integer codes, got torch.float32"),
                                           (torch.tensor([0, 1, 2]), r"indices \[N\], got \[5\], \[5, 3\], \[2, 3\] and \[3\]")])
def test_ema_codebook_update_refuses_bad_indices(indices, what):
    with pytest.raises(ValueError, match=what):
        vqvae.ema_codebook_update(torch.ones(5), torch.zeros(5, 3), torch.zeros(2, 3), indices, 0.9)


# --- The prior sampler's controls -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def prior_and_model(vq):
    runtime.seed_everything(0)
    return PixelCNN(PixelCNNConfig(codebook_size=8, grid_size=4, channels=8, n_layers=1)).eval(), vq[0].eval()


@pytest.mark.parametrize("kw, what", [(dict(temperature=0), r"temperature must be in \[0.05, 5.0\], got 0"),
                                      (dict(temperature=5.5), r"temperature must be in \[0.05, 5.0\], got 5.5"),
                                      (dict(temperature=math.nan), "temperature must be in"),
                                      (dict(n_samples=0), r"n_samples must be an int >= 1 \(the number of code grids"),
                                      (dict(n_samples=-3), "n_samples must be an int >= 1"),
                                      (dict(nrow=0), "nrow must be an int >= 1"),
                                      (dict(seed=-1), "seed must be an int >= 0"),
                                      (dict(seed=2**31), r"seed must be an int <= 2147483647 \(the seed box's range\)")])
def test_prior_sampler_refuses_values_it_would_clamp(prior_and_model, kw, what):
    prior, model = prior_and_model
    with pytest.raises(ValueError, match=what):
        widgets.prior_sampler(prior, model, **kw)


def test_prior_sampler_accepts_the_ends_of_its_range_and_they_are_within_sample(prior_and_model):
    prior, model = prior_and_model
    low, high = widgets.vqvae.TEMPERATURE_RANGE
    for t in (low, 5.0):
        view = widgets.prior_sampler(prior, model, n_samples=2, temperature=t)
        assert view.controls["temperature"].value == t  # not clamped to another value
    for t in (low, high):
        prior.sample(1, temperature=t)  # the slider's range lies inside what sample() accepts
