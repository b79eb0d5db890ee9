"""Metrics: one number for "how good is this generator?" — every chapter scores itself here.

Pure functions, no global state, no downloads. Image metrics work on features from any
`extractor(images) -> [N, D]` (the course passes a small classifier's `.features`), so the numbers
are comparable *within* the course, not with published Inception-based FIDs.

- Mode coverage on 2D mixtures (ch. 01, 03): Metz et al., "Unrolled GANs" (arXiv:1611.02163);
  Srivastava et al., "VEEGAN" (arXiv:1705.07761); Lin et al., "PacGAN" (arXiv:1712.04086).
- Fréchet distance / FID: Heusel et al., "GANs Trained by a Two Time-Scale Update Rule
  Converge to a Local Nash Equilibrium" (arXiv:1706.08500).
- Kernel distance / KID: Bińkowski et al., "Demystifying MMD GANs" (arXiv:1801.01401).
- Precision & recall: Kynkäänniemi et al., "Improved Precision and Recall Metric for Assessing
  Generative Models" (arXiv:1904.06991).
- SSIM: Wang et al., "Image Quality Assessment: From Error Visibility to Structural Similarity"
  (IEEE TIP 2004). PSNR and SSIM score super-resolution (ch. 09).
- Codebook usage and perplexity, gradient energy (sharpness) (ch. 10), class accuracy (ch. 02, 06).
- Perceptual path length (ch. 07, 08): Karras et al., "A Style-Based Generator Architecture for
  Generative Adversarial Networks" (arXiv:1812.04948), sec. 4.1.

Devices, one rule for the package and the classifier: a function that runs a network moves its
inputs to the network's device (that of its weights: a module's, or a bound method's module's, e.g.
`classifier.features`; or `device=` when given), and hands tensors back on the device its inputs came
from. Tensors a function makes for itself (noise, blur kernels) are made on its input's device, with
random draws taken from a seeded CPU generator first, so a seed gives the same numbers on every device.
The distances are computed in float64 on the CPU and return Python numbers, so `extract_features`,
which feeds them, returns its features on the CPU. tests/test_devices.py checks all of it.

The package, by theme (each module's docstring gives its papers):
  coverage          mode coverage on 2D mixtures (+ the chance level)
  distances         Fréchet distance, kernel distance, precision & recall on feature sets
  features          images -> features (`extract_features`) -> fid, kid, image_precision_recall
  calibration       an FID's place between "real" and "visibly damaged" (noise, blur)
  reconstruction    PSNR, SSIM, feature distance; `sr_scores` (super-resolution)
  codebook          codebook usage and perplexity (VQ-VAE)
  classes           class accuracy of conditional samples; mean confidence and effective classes of samples
  image_statistics  gradient energy (sharpness), feature-map peak-to-mean
  paths             perceptual path length
Imports run one way (calibration -> features -> distances <- paths, reconstruction -> features); no
module imports this `__init__`.
Every public name is re-exported here, `metrics.fid(...)`, with the private helpers that the exercises
show (`_prepare`, `_code_counts`).
"""

from .calibration import Calibration, fid_calibration, gaussian_blur, place_on_scale
from .classes import ClassAccuracy, class_accuracy, effective_classes, mean_confidence
from .codebook import _code_counts, codebook_perplexity, codebook_usage
from .coverage import ModeCoverage, chance_coverage, mode_coverage
from .distances import (PrecisionRecall, frechet_distance, frechet_distance_from_stats, kernel_distance, mmd2_unbiased,
                        precision_recall)
from .features import extract_features, fid, image_precision_recall, kid
from .image_statistics import gradient_energy, peak_to_mean
from .paths import filtered_mean, path_distances, perceptual_path_length, unit_feature_distance
from .reconstruction import BT601_WEIGHTS, _prepare, feature_distance, psnr, rgb_to_y, sr_scores, ssim, to_8bit

__all__ = [
    "BT601_WEIGHTS", "Calibration", "ClassAccuracy", "ModeCoverage", "PrecisionRecall", "chance_coverage",
    "class_accuracy", "codebook_perplexity", "codebook_usage", "effective_classes", "extract_features",
    "feature_distance", "fid", "mean_confidence",
    "fid_calibration", "filtered_mean", "frechet_distance", "frechet_distance_from_stats", "gaussian_blur",
    "gradient_energy", "image_precision_recall", "kernel_distance", "kid", "mmd2_unbiased", "mode_coverage",
    "path_distances", "peak_to_mean", "perceptual_path_length", "place_on_scale", "precision_recall", "psnr",
    "rgb_to_y", "sr_scores", "ssim", "to_8bit", "unit_feature_distance",
]
