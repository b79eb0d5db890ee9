"""One file per model family; `MODELS` maps a family's name to its (config, Generator, Discriminator).

An explicit dict (not class names in strings) so an editor can jump straight to each class.
"""
import dataclasses

from . import biggan, conditional, dcgan, mlp, progan, srgan, stylegan, stylegan2, vqvae

MODELS = {
    "mlp": (mlp.MLPConfig, mlp.Generator, mlp.Discriminator),
    "dcgan": (dcgan.DCGANConfig, dcgan.Generator, dcgan.Discriminator),
    "conditional": (conditional.ConditionalConfig, conditional.ConditionalGenerator,
                    conditional.ConditionalDiscriminator),
    "progan": (progan.ProGANConfig, progan.Generator, progan.Discriminator),
    "biggan": (biggan.BigGANConfig, biggan.Generator, biggan.Discriminator),
    "stylegan": (stylegan.StyleGANConfig, stylegan.Generator, stylegan.Discriminator),
    "stylegan2": (stylegan2.StyleGAN2Config, stylegan2.Generator, stylegan2.Discriminator),
    "srgan": (srgan.SRGANConfig, srgan.SRResNet, srgan.Discriminator),
    "vqvae": (vqvae.VQVAEConfig, vqvae.VQVAE, vqvae.PatchDiscriminator),  # (autoencoder, patch D): ch. 10
}


def build(family: str, **config):
    """Build (G, D) of a model family from config keywords, e.g. build("mlp", sample_shape=(2,))."""
    if family not in MODELS:
        raise ValueError(f"unknown model family {family!r}; valid: {', '.join(MODELS)}")
    Config, Generator, Discriminator = MODELS[family]
    fields = [f.name for f in dataclasses.fields(Config)]
    unknown = sorted(set(config) - set(fields))
    if unknown:
        raise ValueError(f"{family} models have no setting {', '.join(unknown)}; valid: {', '.join(fields)}")
    cfg = Config(**config)
    return Generator(cfg), Discriminator(cfg)
