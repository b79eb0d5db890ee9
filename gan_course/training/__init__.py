"""The course's ONE training loop, reused by every chapter.

- `loop.py`: `fit(run, step_fn, steps)` is generic: it calls `step_fn(run)` until `run.step == steps`,
  keeps a loss history, stops on NaN/Inf with a clear message, calls callbacks, and writes
  checkpoints from which a run resumes *exactly* (weights, optimiser moments, data order, random state).
- `gan.py`: `gan_step` is the adversarial step: `n_critic` updates of D, then one of G, with the loss
  pair, penalties and regularisers named in the `TrainConfig`. Chapters change the *config* (loss,
  n_critic, penalty, optimiser, EMA, lazy regularisation, paired inputs), never the loop: WGAN-GP is
  `loss="wasserstein", gp_lambda=10, n_critic=5`.
- `supervised.py`: non-adversarial models (an SRResNet pre-training, a VQ-VAE, a prior over codes)
  train through the same `fit` with `train_model` and its one-loss step function.
"""
from .gan import (OPTIMIZERS, TrainConfig, check_samples, discriminator_update, ema_update, gan_step,
                  generator_update, health_callback, is_conditional, lazy_adam, lr_factor, make_optimizer,
                  path_length_regulariser, sample, snapshot_callback, train_gan)
from .loop import (PROGRESS_ENV, RESUMABLE_CHANGES, Batches, Callback, History, Run, fit, metric_callback,
                   resume_run, save_run, start_or_resume, time_budget)
from .supervised import FitConfig, supervised_step, train_model

__all__ = [
    "OPTIMIZERS", "PROGRESS_ENV", "RESUMABLE_CHANGES", "Batches", "Callback", "FitConfig", "History", "Run",
    "TrainConfig", "check_samples", "discriminator_update", "ema_update", "fit", "gan_step", "generator_update",
    "health_callback", "is_conditional", "lazy_adam", "lr_factor", "make_optimizer", "metric_callback",
    "path_length_regulariser", "resume_run", "sample", "save_run", "snapshot_callback", "start_or_resume", "supervised_step", "time_budget",
    "train_gan", "train_model",
]
