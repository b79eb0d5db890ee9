"""Tests for gan_course.data: generated mixtures, digits, IDX files, look-up order, errors.

Nothing here downloads. The one test on the real Fashion-MNIST reads Debian's package
`dataset-fashion-mnist` and is skipped where it is not installed (CI installs it).
"""

import gzip
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_course import data
from gan_course.data import DatasetNotFound, load_dataset, read_idx, write_idx

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


# ---------------------------------------------------------------- 2D mixtures

@pytest.mark.parametrize("name, k, std", [("ring8", 8, 0.02), ("grid25", 25, 0.05)])
def test_mixture_shapes_and_labels(name, k, std):
    ds = load_dataset(name, n_samples=4000, seed=1)
    assert ds.x.shape == (4000, 2) and ds.x.dtype == torch.float32
    assert ds.y.dtype == torch.int64 and ds.centers.shape == (k, 2)
    assert ds.std == std and ds.num_classes == k and not ds.is_image
    assert ds.classes[0] == "mode 0" and ds.sample_shape == (2,)
    assert ds.y.bincount(minlength=k).min() > 0  # every mode is sampled
    # each point lies within 5 std of its labelled centre, and its empirical std matches
    offset = ds.x - ds.centers[ds.y]
    assert offset.norm(dim=1).max() < 5 * std
    assert offset.std().item() == pytest.approx(std, rel=0.05)


def test_mixture_centres():
    ring = data.ring8(10).centers
    assert torch.allclose(ring.norm(dim=1), torch.full((8,), 2.0))
    assert torch.allclose(ring[0], torch.tensor([2.0, 0.0]))
    angles = torch.atan2(ring[:, 1], ring[:, 0]).remainder(2 * torch.pi)
    assert torch.allclose(angles.diff(), torch.full((7,), torch.pi / 4), atol=1e-6)

    grid = data.grid25(10).centers
    values = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    assert {tuple(c.tolist()) for c in grid} == {(a, b) for a in values.tolist() for b in values.tolist()}


def test_mixture_determinism_and_no_global_rng():
    state = torch.get_rng_state()
    a, b = data.ring8(500, seed=3), data.ring8(500, seed=3)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, data.ring8(500, seed=4).x)
    assert torch.equal(state, torch.get_rng_state())  # the global RNG was not used


def test_limit_and_subset():
    ds = load_dataset("grid25", n_samples=100, limit=10)
    assert len(ds) == 10
    sub = ds.subset(4, seed=0)
    assert len(sub) == 4 and sub.centers is ds.centers
    assert torch.equal(ds.subset(3).x, ds.x[:3])
    with pytest.raises(ValueError, match="1..10"):
        ds.subset(11)


# ---------------------------------------------------------------- digits

@pytest.mark.parametrize("img_size", [8, 32])
def test_digits_shapes_and_range(img_size):
    ds = load_dataset("digits", img_size=img_size, split="all")
    assert ds.x.shape == (1797, 1, img_size, img_size) and ds.x.dtype == torch.float32
    assert ds.x.min() == -1.0 and ds.x.max() == 1.0
    assert ds.classes == tuple("0123456789") and ds.is_image
    assert "digits" in repr(ds) and "[-1, 1]" in repr(ds)


def test_digits_default_size_and_splits():
    train, test, full = (load_dataset("digits", split=s) for s in ("train", "test", "all"))
    assert train.sample_shape == (1, 16, 16)
    assert (len(train), len(test), len(full)) == (1437, 360, 1797)
    # train and test partition the full set: as multisets of (image, label) they add up to it
    # (compared as multisets because digits holds a few exact duplicate scans)
    def rows(ds):
        return Counter(zip(map(tuple, ds.x.flatten(1).tolist()), ds.y.tolist()))
    assert rows(train) + rows(test) == rows(full)
    assert set(train.y.tolist()) == set(range(10)) == set(test.y.tolist())
    assert torch.equal(load_dataset("digits", split="test").x, test.x)  # fixed split
    assert len(load_dataset("digits", limit=7)) == 7


# ---------------------------------------------------------------- IDX files

@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, dtype, suffix):
    array = (np.arange(2 * 3 * 4) % 100).astype(dtype).reshape(2, 3, 4)
    path = tmp_path / f"a-idx3{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == dtype and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, array)


def test_idx_labels_and_header(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], np.uint8)
    write_idx(tmp_path / "labels", labels)
    raw = (tmp_path / "labels").read_bytes()
    assert raw[:8] == bytes([0, 0, 0x08, 1, 0, 0, 0, 5])  # magic: uint8, 1 dim; size 5 big-endian
    np.testing.assert_array_equal(read_idx(tmp_path / "labels"), labels)


def test_idx_errors(tmp_path):
    (tmp_path / "junk").write_bytes(b"hello world")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "junk")
    write_idx(tmp_path / "short", np.zeros((4, 2), np.uint8))
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-1])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "short")
    with pytest.raises(ValueError, match="cannot store dtype"):
        write_idx(tmp_path / "c", np.zeros(3, np.complex64))


def write_fake_mnist(folder: Path, n: int = 5, gz: bool = True, seed: int = 0):
    """Tiny IDX files with the original names; returns the train images and labels."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ext = ".gz" if gz else ""
    out = {}
    for prefix, count in (("train", n), ("t10k", n - 2)):
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, count, dtype=np.uint8)
        write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", labels)
        out[prefix] = (images, labels)
    return out


@pytest.mark.parametrize("gz", [True, False])
def test_load_idx_from_root(tmp_path, gz):
    files = write_fake_mnist(tmp_path, gz=gz)
    images, labels = files["train"]
    ds = load_dataset("fashion-mnist", root=tmp_path)
    assert ds.x.shape == (5, 1, 28, 28) and ds.classes[0] == "T-shirt/top"
    assert torch.equal(ds.y, torch.from_numpy(labels.astype(np.int64)))
    expected = torch.from_numpy(images).float() / 127.5 - 1  # 0 -> -1, 255 -> +1
    assert torch.allclose(ds.x[:, 0], expected)
    assert len(load_dataset("mnist", root=tmp_path, split="test")) == 3
    assert len(load_dataset("mnist", root=tmp_path, split="all")) == 8
    assert load_dataset("mnist", root=tmp_path, img_size=12).sample_shape == (1, 12, 12)
    assert len(load_dataset("mnist", root=tmp_path, limit=2)) == 2


def test_gzip_detected_by_content(tmp_path):
    """A gzipped file without the .gz suffix (some mirrors do this) is still read."""
    write_idx(tmp_path / "plain", np.arange(6, dtype=np.uint8))
    (tmp_path / "zipped").write_bytes(gzip.compress((tmp_path / "plain").read_bytes()))
    np.testing.assert_array_equal(read_idx(tmp_path / "zipped"), np.arange(6))


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """Run in an empty folder with no $GAN_COURSE_DATA and no system datasets."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.setattr(data.sources, "SYSTEM_DIRS", {"mnist": (), "fashion-mnist": (str(tmp_path / "usr-share"),)})
    return tmp_path


def test_lookup_via_env_var(offline, monkeypatch):
    write_fake_mnist(offline / "shared" / "mnist", gz=False)
    monkeypatch.setenv(data.ENV_VAR, str(offline / "shared"))
    assert len(load_dataset("mnist")) == 5


def test_lookup_torchvision_layout_and_order(offline, monkeypatch):
    write_fake_mnist(offline / "data" / "FashionMNIST" / "raw", n=6)
    write_fake_mnist(offline / "shared" / "fashion-mnist", n=4)
    write_fake_mnist(offline / "usr-share", n=3)
    monkeypatch.setenv(data.ENV_VAR, str(offline / "shared"))
    assert len(load_dataset("fashion-mnist")) == 6  # ./data comes before $GAN_COURSE_DATA
    assert len(load_dataset("fashion-mnist", root=offline / "usr-share")) == 3  # root wins


def test_system_location(offline):
    write_fake_mnist(offline / "usr-share", n=3)
    assert len(load_dataset("fashion-mnist")) == 3


def test_not_found_message(offline):
    with pytest.raises(DatasetNotFound) as info:
        load_dataset("fashion-mnist")
    msg = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    for place in ("data/fashion-mnist", "data/FashionMNIST/raw", "usr-share", "GAN_COURSE_DATA"):
        assert place in msg
    assert "apt-get install dataset-fashion-mnist" in msg and "download=True" in msg

    with pytest.raises(DatasetNotFound, match="cifar-10-batches-py"):
        load_dataset("cifar10")
    with pytest.raises(DatasetNotFound, match=str(offline / "nowhere")):
        load_dataset("mnist", root=offline / "nowhere")


def test_partial_files_are_not_found(offline):
    """Images without their labels do not count as the dataset being there."""
    write_fake_mnist(offline / "data" / "mnist")
    (offline / "data" / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    assert len(load_dataset("mnist")) == 5
    with pytest.raises(DatasetNotFound):
        load_dataset("mnist", split="test")


# ---------------------------------------------------------------- bad arguments

@pytest.mark.parametrize("kwargs, match", [
    (dict(name="celeba"), "valid names: ring8, grid25, digits, mnist, fashion-mnist, cifar10"),
    (dict(name="digits", split="val"), "valid splits: train, test, all"),
    (dict(name="digits", img_size=2), r"img_size must be an int in \[4, 1024\]"),
    (dict(name="digits", img_size=16.0), r"img_size must be an int in \[4, 1024\]"),
    (dict(name="ring8", img_size=16), "image datasets only"),
    (dict(name="digits", limit=0), "limit must be a positive int"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_dataset(**kwargs)


# ---------------------------------------------------------------- the real Fashion-MNIST

@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(),
                    reason="needs `sudo apt-get install dataset-fashion-mnist` (CI installs it)")
def test_real_fashion_mnist(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # a stray ./data must not shadow the system copy
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    train = load_dataset("fashion-mnist", split="train")
    test = load_dataset("fashion-mnist", split="test")
    assert train.x.shape == (60_000, 1, 28, 28) and test.x.shape == (10_000, 1, 28, 28)
    assert torch.equal(train.y.bincount(), torch.full((10,), 6000))
    assert torch.equal(test.y.bincount(), torch.full((10,), 1000))
    assert train.x.min() == -1.0 and train.x.max() == 1.0
    assert train.classes[9] == "Ankle boot"
    # first training label of the official files is 9 (an ankle boot)
    assert train.y[0].item() == 9


def test_pad_keeps_pixels_and_centres_them():
    scans = load_dataset("digits", img_size=8, limit=5)       # the 8x8 originals
    padded = load_dataset("digits", img_size=12, fit="pad", limit=5)
    assert padded.sample_shape == (1, 12, 12)
    assert torch.equal(padded.x[:, :, 2:10, 2:10], scans.x)  # the original pixels, untouched
    assert (padded.x[:, :, :2] == -1).all() and (padded.x[:, :, :, 10:] == -1).all()  # background border
    with pytest.raises(ValueError, match="cannot pad 8x8 images to a smaller 6x6"):
        load_dataset("digits", img_size=6, fit="pad")
    with pytest.raises(ValueError, match="unknown fit 'crop'; valid: resize, pad"):
        load_dataset("digits", fit="crop")


# ---------------------------------------------------------------- super-resolution pairs (chapter 09)

@pytest.fixture(scope="module")
def sr_test():
    return data.load_sr(split="test")


def test_sr_split_is_by_image(sr_test):
    train = data.load_sr(split="train", crop=32, n_crops=200)
    assert set(sr_test.sources) == set(data.SR_NATURAL["test"]) == {"chelsea", "coffee"}
    assert set(train.sources) <= set(data.SR_NATURAL["train"]) and not set(train.sources) & set(sr_test.sources)
    assert len(set(train.sources)) == len(data.SR_NATURAL["train"])  # 200 crops reach every training photo
    everything = data.load_sr(split="all")
    assert everything.sources == data.SR_NATURAL["train"] + data.SR_NATURAL["test"]


def test_sr_test_images_are_whole_and_cropped_to_a_multiple_of_the_scale(sr_test):
    import skimage.data

    chelsea = skimage.data.chelsea()  # 300 x 451
    assert sr_test.hr[0].shape == (3, 300, 448) and sr_test.lr[0].shape == (3, 75, 112)
    want = torch.from_numpy(chelsea[:300, :448]).permute(2, 0, 1).float() / 127.5 - 1
    assert torch.equal(sr_test.hr[0], want)
    assert torch.equal(sr_test.lr[1], data.bicubic_downscale(sr_test.hr[1], 4))  # the one degradation
    x2 = data.load_sr(split="test", scale=2, limit=1)
    assert x2.hr[0].shape == (3, 300, 450) and x2.lr[0].shape == (3, 150, 225)
    with pytest.raises(ValueError, match="different sizes and cannot be stacked"):
        sr_test.tensors()


def test_sr_training_crops_come_from_their_photo_flipped_or_not():
    train = data.load_sr(split="train", crop=24, n_crops=40, seed=3)
    hr, lr = train.tensors()
    assert hr.shape == (40, 3, 24, 24) and lr.shape == (40, 3, 6, 6) and hr.dtype == torch.float32
    assert torch.equal(lr, data.bicubic_downscale(hr, 4))
    photos = data._skimage_photos(data.SR_NATURAL["train"])
    flipped = 0
    for crop, source in zip(hr[:10], train.sources[:10]):
        windows = photos[source].unfold(1, 24, 1).unfold(2, 24, 1)  # [3, H-23, W-23, 24, 24]
        found = lambda c: ((windows - c[:, None, None]).abs().amax(dim=(0, 3, 4)) == 0).any()  # noqa: E731
        plain, mirror = found(crop), found(crop.flip(-1))
        assert plain or mirror
        flipped += int(mirror and not plain)
    assert 0 < flipped < 10
    again, other = data.load_sr(split="train", crop=24, n_crops=40, seed=3), data.load_sr(split="train", crop=24, n_crops=40, seed=4)
    assert torch.equal(again.hr, hr) and not torch.equal(other.hr, hr)


def test_bicubic_downscale_matches_pil_and_keeps_constants():
    from PIL import Image

    g = torch.Generator().manual_seed(0)
    small = torch.rand(3, 12, 16, generator=g)
    hr = torch.nn.functional.interpolate(small[None], size=(48, 64), mode="bilinear")[0]  # a smooth image
    hr_uint8 = (hr * 255).round().byte()
    x = hr_uint8.float() / 127.5 - 1
    ours = ((data.bicubic_downscale(x, 4) + 1) * 127.5).round()
    pil = Image.fromarray(hr_uint8.permute(1, 2, 0).numpy()).resize((16, 12), Image.BICUBIC)
    pil = torch.from_numpy(np.array(pil)).permute(2, 0, 1).float()
    assert (ours - pil).abs().max() <= 1  # PIL's imresize to within one grey level
    grey = torch.full((1, 3, 16, 16), 0.25)
    assert torch.allclose(data.bicubic_downscale(grey, 4), torch.full((1, 3, 4, 4), 0.25))
    assert torch.allclose(data.bicubic_upscale(grey[..., :4, :4], 4), grey)
    assert data.bicubic_upscale(torch.zeros(3, 5, 7), 2).shape == (3, 10, 14)


def test_centre_crop_makes_the_lr_again(sr_test):
    crop = sr_test.centre_crop(64)
    assert [tuple(t.shape) for t in crop.hr] == [(3, 64, 64)] * 2
    assert torch.equal(crop.hr[0], sr_test.hr[0][:, 118:182, 192:256])
    assert torch.equal(crop.lr[0], data.bicubic_downscale(crop.hr[0], 4))
    with pytest.raises(ValueError, match="smaller than the crop 400x400"):
        sr_test.centre_crop(400)


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="div2k"), "valid: sr-natural, folder, stl10"),
    (dict(scale=3), r"scale must be one of \(2, 4\)"),
    (dict(scale=8), r"scale must be one of \(2, 4\)"),
    (dict(crop=30), "crop must be a positive multiple of the scale 4"),
    (dict(crop=512), "image 'rocket' is 427x640, smaller than the crop 512x512"),
    (dict(split="val"), "valid splits: train, test, all"),
    (dict(root="/tmp"), "root= does not apply"),
    (dict(name="folder"), "needs root="),
    (dict(crop=32, n_crops=0), "n_crops must be a positive int"),
])
def test_sr_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.load_sr(**kwargs)


def test_sr_bicubic_errors():
    with pytest.raises(ValueError, match="hr is 30x32: its sides must be multiples of scale=4"):
        data.bicubic_downscale(torch.zeros(3, 30, 32), 4)
    with pytest.raises(ValueError, match=r"scale must be one of \(2, 4\)"):
        data.bicubic_upscale(torch.zeros(3, 8, 8), 3)


def test_sr_folder_of_photos(tmp_path):
    from PIL import Image

    g = np.random.default_rng(0)
    for i in range(5):
        Image.fromarray(g.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(tmp_path / f"photo{i}.png")
    train, test = data.load_sr("folder", root=tmp_path), data.load_sr("folder", root=tmp_path, split="test")
    assert train.sources == ("photo0.png", "photo1.png", "photo2.png", "photo3.png") and test.sources == ("photo4.png",)
    assert test.hr[0].shape == (3, 40, 48)
    Image.fromarray(g.integers(0, 255, (40, 48), dtype=np.uint8)).save(tmp_path / "grey.png")
    (tmp_path / "train").mkdir()
    (tmp_path / "test").mkdir()
    Image.fromarray(g.integers(0, 255, (20, 20), dtype=np.uint8)).save(tmp_path / "test" / "grey.png")
    Image.fromarray(g.integers(0, 255, (36, 36, 3), dtype=np.uint8)).save(tmp_path / "train" / "a.png")
    assert data.load_sr("folder", root=tmp_path, crop=16, n_crops=3).sources == ("a.png",) * 3  # sub-folders win
    assert data.load_sr("folder", root=tmp_path, split="test").hr[0].shape == (3, 20, 20)  # grey files become RGB
    with pytest.raises(DatasetNotFound, match="not a folder of images"):
        data.load_sr("folder", root=tmp_path / "missing")


def test_a_grey_array_is_not_an_rgb_photo():
    with pytest.raises(ValueError, match="coins is not a colour image"):
        data._rgb(np.zeros((30, 40), dtype=np.uint8), "coins")


def test_stl10_is_never_downloaded_offline(offline):
    with pytest.raises(DatasetNotFound, match=r"stl10_binary[\s\S]*download=True"):
        data.load_sr("stl10")


@pytest.mark.parametrize("h, w, size", [(28, 28, 32), (8, 8, 16), (5, 7, 12), (28, 28, 28)])
def test_unpad_is_the_exact_inverse_of_pad(h, w, size):
    x = torch.rand(3, 2, h, w) * 2 - 1
    padded = data.pad(x, size)
    assert padded.shape[-2:] == (size, size)
    assert torch.equal(data.unpad(padded, h, w), x)
    border = padded.clone()
    border[..., :, :] = -1.0
    border = data.unpad(border, h, w)  # the same offsets: what unpad keeps is exactly what pad wrote
    assert torch.equal(data.pad(border, size), torch.full_like(padded, -1.0))


def test_unpad_to_a_larger_size_is_an_error():
    with pytest.raises(ValueError, match="cannot unpad 28x28 images to 32x32"):
        data.unpad(torch.zeros(1, 1, 28, 28), 32, 32)
