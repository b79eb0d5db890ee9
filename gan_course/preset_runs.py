"""Every run a chapter's preset trains, built as its notebook builds it, for a few steps of the shared loop.

`preset_arms(chapter, preset)` lists a chapter's runs (main model, ablation arms, race entrants, pre-training,
priors) as `Arm`s; each trains through `training.train_gan` / `train_model` on random data of the preset's
shapes. `tests/test_presets_build.py` runs one step of every arm of every preset on the CPU, and
`python -m gan_course.course --gpu-check` times the full presets' arms on a GPU.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

@dataclasses.dataclass
class Arm:
    """One training run of a chapter (a main run, an ablation arm, a race entrant, a pre-training ...)."""

    chapter: str
    preset: str
    name: str
    train: Callable[[int, int | None, str], Any]  # (steps, batch_size or None = the preset's, device) -> Run
    key: str = ""  # the models' and training's settings: two arms with one key train the same thing


def _short(cfg, steps: int, batch_size: int | None):
    """The preset's config for `steps` steps (and a smaller batch); everything else as the preset says. Snapshots
    (fixed-noise samples at step 1 and every k steps) hold at most one batch: they are not what is measured."""
    batch_size = batch_size or cfg.batch_size
    if hasattr(cfg, "n_snapshot"):
        return dataclasses.replace(cfg, steps=steps, batch_size=batch_size, n_snapshot=min(cfg.n_snapshot, batch_size))
    return dataclasses.replace(cfg, steps=steps, batch_size=batch_size)


def _key(*settings) -> str:
    """What an arm trains, for spotting arms that train the same thing (a race entrant that is another chapter's
    main run); the number of steps is left out (races run open-ended configs)."""
    return repr([dataclasses.replace(s, steps=1) if hasattr(s, "steps") else s for s in settings])


def _images(n: int, shape, seed: int = 0):
    import torch
    return torch.rand(n, *shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1  # cpu: data live on the CPU


def _labels(n: int, num_classes: int):
    import torch
    return torch.randint(num_classes, (n,), generator=torch.Generator().manual_seed(1))  # cpu: data live on the CPU


def _gan_arm(chapter, preset, name, family, model_cfg, cfg, shape, *, num_classes=0, extra=None, build=None, key=None):
    """A GAN arm: models.build(family, **vars(model_cfg)) (or `build()`), trained by train_gan on random data."""
    from . import models, runtime, training

    def train(steps, batch_size, device):
        runtime.seed_everything(0)
        G, D = build() if build is not None else models.build(family, **vars(model_cfg))
        c = _short(cfg, steps, batch_size)
        n = c.batch_size * max(1, c.n_critic)
        x = _images(n, shape)
        y = _labels(n, num_classes) if num_classes else None
        kwargs = extra(c, device) if extra is not None else {}
        if c.paired:
            y = kwargs.pop("source")(x)
        return training.train_gan(G, D, x, c, y=y, device=device, progress=False, **kwargs)
    if key is None:
        key = _key("gan", family, model_cfg, cfg, shape, num_classes) if build is None and extra is None else ""
    return Arm(chapter, preset, name, train, key)


def _model_arm(chapter, preset, name, build, loss_fn, cfg, make_data):
    """A non-adversarial arm (SRResNet, VQ-VAE, PixelCNN prior) through train_model."""
    from . import runtime, training

    def train(steps, batch_size, device):
        runtime.seed_everything(0)
        c = _short(cfg, steps, batch_size)
        x, y = make_data(c.batch_size)
        return training.train_model(build(), loss_fn, x, c, y=y, device=device, progress=False)
    return Arm(chapter, preset, name, train)


def preset_arms(chapter: str, preset: str) -> list[Arm]:
    """Every training run that chapter's notebook makes with this preset, built from the preset as the notebook
    builds it (same model families, configs, training configs, content losses); data are random tensors of the
    preset's shapes, so nothing is downloaded. `python -m gan_course.course --gpu-check` times them on a GPU and
    tests/test_presets_build.py runs one step of each on the CPU."""
    from .presets import get_preset

    P = get_preset(chapter, preset)
    arms = _ARMS[chapter](chapter, preset, P)
    return arms


def _ch01(ch, pr, P):
    arms = [_gan_arm(ch, pr, "toy", "mlp", P.toy_model, P.toy_train, P.toy_model.sample_shape),
            _gan_arm(ch, pr, "collapse", "mlp", P.collapse_model, P.collapse_train, P.collapse_model.sample_shape),
            _gan_arm(ch, pr, "digits", "mlp", P.digits_model, P.digits_train, P.digits_model.sample_shape)]
    if P.fashion_train is not None:
        arms.append(_gan_arm(ch, pr, "fashion", "mlp", P.fashion_model, P.fashion_train, P.fashion_model.sample_shape))
    return arms


def _ch02(ch, pr, P):
    from .models.conditional import ConditionalDiscriminator, ConditionalGenerator

    def arm(name, model_cfg, cfg, variant):
        m = dataclasses.replace(model_cfg, discriminator=variant)
        return _gan_arm(ch, pr, name, None, None, cfg, m.sample_shape, num_classes=m.num_classes,
                        build=lambda: (ConditionalGenerator(m), ConditionalDiscriminator(m)))
    arms = [arm(f"digits ({v} D)", P.digits_model, P.digits_train, v) for v in ("concat", "projection")]
    if P.fashion_train is not None:
        arms.append(arm("fashion", P.fashion_model, P.fashion_train, P.fashion_model.discriminator))
    return arms


def _ch03(ch, pr, P):
    from . import divergences, models

    def shift():
        _, D = models.build("mlp", sample_shape=(2,), z_dim=1, hidden=64, n_layers=2)  # as the notebook's section 2
        return divergences.ShiftGenerator(theta=3.0, extra_dims=1), D
    toy_shape = P.toy_model.sample_shape
    arms = [_gan_arm(ch, pr, f"toy {name}", "mlp", P.toy_model, cfg, toy_shape) for name, cfg in P.toy_methods.items()]
    arms += [_gan_arm(ch, pr, f"shift {name}", None, None, cfg, (2,), build=shift) for name, cfg in P.shift_train.items()]
    arms += [_gan_arm(ch, pr, f"capacity {name}", "mlp", P.toy_model, cfg, toy_shape)
             for name, cfg in P.capacity_train.items()]
    arms.append(_gan_arm(ch, pr, "digits", "mlp", P.digits_model, P.digits_train, P.digits_model.sample_shape))
    if P.fashion_train is not None:
        arms.append(_gan_arm(ch, pr, "fashion", "mlp", P.fashion_model, P.fashion_train, P.fashion_model.sample_shape))
    return arms


def _image_shape(cfg):
    return (cfg.img_channels, cfg.img_size, cfg.img_size)


def _ch04(ch, pr, P):
    return [_gan_arm(ch, pr, "dcgan", "dcgan", P.model, P.train, _image_shape(P.model))]


def _progan_arms(ch, pr, model, growth, train, prefix="progan"):
    from .models import progan
    grown = _gan_arm(ch, pr, f"{prefix} (fully grown, {model.img_size}x{model.img_size})", "progan", model, train,
                     _image_shape(model))
    growing = _gan_arm(ch, pr, f"{prefix} (growth schedule from 4x4)", "progan", model, train, _image_shape(model),
                       extra=lambda c, device: {"before_step": [progan.growth_callback(growth)]},
                       key=_key("growth", model, growth, train))
    return [grown, growing]


def _ch05(ch, pr, P):
    arms = _progan_arms(ch, pr, P.model, P.growth, P.train) + [
        _gan_arm(ch, pr, "dcgan (race)", "dcgan", P.dcgan, P.dcgan_train, _image_shape(P.dcgan))]
    if P.play_train is not None:  # the shipped main run: the same growth schedule, then on at the final resolution
        from .models import progan
        arms.append(_gan_arm(ch, pr, "progan (growth schedule from 4x4) (play)", "progan", P.model, P.play_train,
                             _image_shape(P.model),
                             extra=lambda c, device: {"before_step": [progan.growth_callback(P.growth)]},
                             key=_key("growth", P.model, P.growth, P.play_train)))
    return arms


def _ch06(ch, pr, P):
    arms = []
    for d_spectral in (True, False):  # the main run (SN in D) and the ablation's other arm
        m = dataclasses.replace(P.model, d_spectral=d_spectral)
        arms.append(_gan_arm(ch, pr, f"biggan (d_spectral={d_spectral})", "biggan", m, P.train, _image_shape(m),
                             num_classes=m.num_classes))
    if P.play_train is not None:  # the shipped main run (SN in D)
        arms.append(_gan_arm(ch, pr, "biggan (d_spectral=True) (play)", "biggan", P.model, P.play_train,
                             _image_shape(P.model), num_classes=P.model.num_classes))
    return arms


def _ch07(ch, pr, P):
    arms = [_gan_arm(ch, pr, "stylegan", "stylegan", P.model, P.train, _image_shape(P.model))]
    if P.play_train is not None:  # the shipped main run; the race keeps `train`'s budget
        arms.append(_gan_arm(ch, pr, "stylegan (play)", "stylegan", P.model, P.play_train, _image_shape(P.model)))
    return arms + [*_progan_arms(ch, pr, P.progan, P.growth, P.progan_train, prefix="progan (race)"),
                   _gan_arm(ch, pr, "dcgan (race)", "dcgan", P.dcgan, P.dcgan_train, _image_shape(P.dcgan))]


def _ch08(ch, pr, P):
    shape = _image_shape(P.model)
    play = [] if P.play_train is None else [  # the shipped main run; the ablation and the race keep `train`'s budget
        _gan_arm(ch, pr, "stylegan2 (play)", "stylegan2", P.model, P.play_train, shape)]
    return [_gan_arm(ch, pr, "stylegan2", "stylegan2", P.model, P.train, shape), *play,
            _gan_arm(ch, pr, "stylegan2 (no path length)", "stylegan2", P.model,
                     dataclasses.replace(P.train, pl_weight=0.0), shape),
            _gan_arm(ch, pr, "stylegan (race)", "stylegan", P.stylegan, P.stylegan_train, _image_shape(P.stylegan))]


def _ch09(ch, pr, P):
    import torch.nn.functional as F

    from . import data, models
    from .models import srgan

    s, hr_shape = P.model.scale, (3, P.crop, P.crop)

    def pairs(n):
        hr = _images(n, hr_shape)
        return hr, data.bicubic_downscale(hr, s)

    def content(c, device):
        phi = srgan.feature_extractor(P.backbone, seed=0).to(device)
        return {"content_loss": srgan.ContentLoss(phi, weight=P.content_weight),
                "source": lambda hr: data.bicubic_downscale(hr, s)}
    pre = _model_arm(ch, pr, "srresnet (pixel MSE)", lambda: models.build("srgan", **vars(P.model))[0],
                     lambda model, hr, lr: F.mse_loss(model(lr), hr), P.pretrain, pairs)
    return [pre, _gan_arm(ch, pr, "srgan", "srgan", P.model, P.train, hr_shape, extra=content)]


def _ch10(ch, pr, P):
    import torch
    import torch.nn.functional as F

    from . import classifier, losses, models
    from .models import pixelcnn, vqvae

    shape = _image_shape(P.model)
    quantizers = {"codebook loss": dict(quantizer="loss", restart_threshold=0.0),
                  "EMA": dict(quantizer="ema", restart_threshold=0.0),
                  "EMA + restarts": dict(quantizer="ema", restart_threshold=P.model.restart_threshold)}
    arms = [_model_arm(ch, pr, f"vq-vae ({name})", lambda change=change: models.build("vqvae", **{**vars(P.model), **change})[0],
                       vqvae.vqvae_loss, P.train, lambda n: (_images(n, shape), None))
            for name, change in quantizers.items()]
    grid = P.prior.grid_size

    def codes(n):
        return torch.randint(P.prior.codebook_size, (n, grid, grid), generator=torch.Generator().manual_seed(2)), None  # cpu: data
    priors = {"pixelcnn prior": P.prior_train}
    if P.play_prior_train is not None:  # the prior the course ships (`make checkpoints`): the `play` budget
        priors["pixelcnn prior (play)"] = P.play_prior_train
    arms += [_model_arm(ch, pr, name, lambda: pixelcnn.PixelCNN(P.prior), pixelcnn.prior_loss, cfg, codes)
             for name, cfg in priors.items()]
    arms.append(_gan_arm(ch, pr, "dcgan", "dcgan", P.dcgan, P.dcgan_train, _image_shape(P.dcgan)))

    def content(c, device):
        clf = classifier.load_classifier(P.dataset, device, img_size=P.model.img_size)
        blocks = [clf.trunk[i:i + 4].requires_grad_(False).eval() for i in (0, 4)]  # as the notebook's section 6

        def content_loss(fake, real):
            return F.mse_loss(fake, real) + P.feature_weight * losses.feature_loss(blocks, fake, real)
        return {"content_loss": content_loss, "source": lambda x: x}
    arms.append(_gan_arm(ch, pr, "vq-vae + gan", "vqvae", P.model, P.gan, shape, extra=content))
    return arms


_ARMS = {"01_vanilla_gan": _ch01, "02_conditional_gan": _ch02, "03_wasserstein_gan": _ch03, "04_dcgan": _ch04,
         "05_progan": _ch05, "06_biggan": _ch06, "07_stylegan": _ch07, "08_stylegan2": _ch08, "09_srgan": _ch09,
         "10_vqvae": _ch10}
