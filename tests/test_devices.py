"""Device-following, tested without a GPU (issue 22, must-show 3).

The rule (gan_course.metrics and gan_course.classifier document it): a function that runs a network
moves its inputs to the network's device, that of its weights, and hands tensors back on the device its
inputs came from; tensors a function makes for itself (noise, blur kernels) are made on its input's
device. A CPU machine has no second device with numbers on it, so two stand-ins play one:

- torch's fake tensors (the ones torch.compile traces with) on a fake "cuda": they carry a shape and
  a device but no numbers, and an operation that mixes devices fails exactly as on a GPU;
- `meta` tensors, for a whole computation that must return a number: `OnDevice`, a feature extractor
  whose weights sit on `meta`, refuses inputs from elsewhere as a GPU would, and returns features with
  numbers, so that the distances can run.
"""
import pytest
import torch
import torch.nn as nn
from torch._subclasses.fake_tensor import FakeTensorMode

from gan_course import classifier, data, metrics


@pytest.fixture
def fake_gpu():
    """A mode (enter it with `with`) in which torch.device("cuda") exists: fake tensors, shapes and devices
    without numbers. Build modules before entering it, then move them with `on_fake_gpu`."""
    return FakeTensorMode(allow_non_fake_inputs=True)


def on_fake_gpu(module: nn.Module) -> nn.Module:
    """Move a module's parameters and buffers to the fake "cuda" (inside the `fake_gpu` mode)."""
    for m in module.modules():
        for name, p in list(m._parameters.items()):
            if p is not None:
                m._parameters[name] = nn.Parameter(p.to("cuda"), requires_grad=p.requires_grad)
        for name, b in list(m._buffers.items()):
            if b is not None:
                m._buffers[name] = b.to("cuda")
    return module


class OnDevice(nn.Module):
    """A feature extractor with weights on `device`: an input elsewhere fails, as on a GPU. Its features
    are numbers (seeded, on the CPU), so FID and the others can be computed from them."""

    def __init__(self, device="meta", dim=4):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(dim, device=device))
        self.generator = torch.Generator().manual_seed(0)
        self.seen = []

    def forward(self, x):
        if x.device != self.weight.device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                               f"{x.device} and {self.weight.device}!")
        self.seen.append(x.device)
        return torch.randn(len(x), self.weight.shape[0], generator=self.generator)


IMAGES = torch.rand(40, 1, 16, 16) * 2 - 1


# ------------------------------------------------------------------ the classifier


@pytest.mark.parametrize("method", ["features", "forward", "predict"])
def test_classifier_hands_results_back_on_the_input_device(fake_gpu, method):
    clf = classifier.load_classifier("digits")
    with fake_gpu:
        on_fake_gpu(clf)
        x = torch.zeros(5, 1, 16, 16)  # on the CPU, the classifier on the (fake) GPU
        out = clf(x) if method == "forward" else getattr(clf, method)(x)
    assert out.device == torch.device("cpu")
    assert out.shape[0] == 5


def test_classifier_moves_inputs_to_its_weights(fake_gpu):
    clf = classifier.load_classifier("digits")  # on the CPU
    with fake_gpu:
        x = torch.zeros(5, 1, 16, 16, device="cuda")  # the generator's images, on the (fake) GPU
        feats, pred = clf.features(x), clf.predict(x)
    assert feats.device.type == "cuda" and pred.device.type == "cuda"


def test_classifier_crop_route_on_another_device(fake_gpu):
    clf = classifier.load_classifier("fashion-mnist", img_size=32, fit="pad")
    with fake_gpu:
        on_fake_gpu(clf)
        feats = clf.features(torch.zeros(3, 1, 32, 32))
    assert feats.shape == (3, clf.config.feature_dim) and feats.device == torch.device("cpu")


# ------------------------------------------------------------------ images -> features


def test_extract_features_moves_images_to_a_module_extractor(fake_gpu):
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    with fake_gpu:
        on_fake_gpu(net)
        images = torch.zeros(10, 1, 8, 8)  # CPU images, a network on the (fake) GPU
        feats = metrics.extract_features(images, net, batch_size=4)
    assert feats.shape == (10, 4) and feats.device == torch.device("cpu")  # the distances' side


def test_extract_features_finds_the_device_of_a_bound_method():
    probe = OnDevice("meta")
    metrics.extract_features(IMAGES, probe.forward, batch_size=16)
    assert probe.seen == [torch.device("meta")] * 3


@pytest.mark.parametrize("helper", ["fid", "kid", "image_precision_recall"])
def test_image_distances_run_with_the_extractor_on_another_device(helper):
    probe = OnDevice("meta")
    kwargs = {"kid": dict(n_subsets=2, subset_size=10)}.get(helper, {})
    result = getattr(metrics, helper)(IMAGES[:20], IMAGES[20:], probe, batch_size=8, **kwargs)
    assert probe.seen and set(probe.seen) == {torch.device("meta")}
    assert all(torch.isfinite(torch.tensor(result)).tolist()) if helper == "image_precision_recall" \
        else torch.isfinite(torch.tensor(result))


# ------------------------------------------------------------------ calibration


def test_gaussian_blur_makes_its_kernel_on_the_input_device(fake_gpu):
    with fake_gpu:
        blurred = metrics.gaussian_blur(torch.zeros(2, 3, 16, 16, device="cuda"), 1.0)
    assert blurred.device.type == "cuda" and blurred.shape == (2, 3, 16, 16)


def test_fid_calibration_damages_the_images_on_their_device():
    probe = OnDevice("meta")
    real = IMAGES[20:].to("meta")  # the images on another device than the CPU's noise generator
    rows = metrics.fid_calibration(IMAGES[:20], real, probe, noise=(0.1,), blur=(1.0,))
    assert [r.name for r in rows] == ["real", "noise sigma = 0.1", "blur sigma = 1 px"]
    assert set(probe.seen) == {torch.device("meta")}


# ------------------------------------------------------------------ super-resolution


def test_sr_scores_move_images_to_the_feature_extractor():
    probe = OnDevice("meta")
    hr = [torch.rand(3, 24, 24) * 2 - 1 for _ in range(2)]
    scores = metrics.sr_scores([h.flip(-1) for h in hr], hr, scale=2, extractor=probe)
    assert set(scores) == {"psnr", "ssim", "feature"}
    assert probe.seen and set(probe.seen) == {torch.device("meta")}
