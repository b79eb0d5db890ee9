"""Are the shipped main generators worth playing with? Scores of each stored `play` run of chapters 05-08.

    python -m gan_course.play_quality [--n 5000] [--out build/quality]

For each chapter's main generator as shipped (the stored run trained with the preset's `play_train`), on
n samples against the test set, with the course's classifier at the chapter's own resolution and route
(`fit`: "pad" scores the 28x28 centre of a 32x32 image, as in the notebooks since ERRATA 50):
- FID, next to the FIDs of real images damaged by Gaussian noise of sigma 0.1 and 0.2 (target: below 0.2);
- the classifier's mean confidence (target >= 0.75) and effective classes (target >= 9), with the real test
  images' values beside them;
- for the class-conditional BigGAN, the class accuracy of samples asked for each class in turn (target >= 0.7);
- the FID curve the run recorded while training, and a grid of 64 samples in <out>/<chapter>.png.
These are the course's own metrics (classifier features, not Inception): comparable within the course only.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

CHAPTERS = ("05_progan", "06_biggan", "07_stylegan", "08_stylegan2")
TARGETS = {"confidence": 0.75, "effective classes": 9.0, "class accuracy": 0.7}


def play_entry(chapter: str):
    """The registry entry of the chapter's main run trained with the small preset's play budget."""
    from . import checkpoints, stored_runs
    from .presets import get_preset

    P = get_preset(chapter, "small")
    play = checkpoints.plain(getattr(P, "play_train", None))
    entry = next((e for e in stored_runs.read_registry(chapter) if e.preset == "small" and e.config == play), None)
    if play is None or entry is None:
        raise LookupError(f"{chapter}: no stored run of the small preset's play budget; run "
                          f"`make checkpoints CHAPTERS={chapter[:2]}`")
    return P, entry


def score(chapter: str, n: int, out: Path, seed: int = 12345) -> dict:
    from . import checkpoints, classifier, data, metrics, stored_runs, training, viz

    P, entry = play_entry(chapter)
    G = stored_runs.load_module(entry, "G_ema" if "G_ema" in entry.modules else "G")
    fit = getattr(P, "fit", "resize")
    test = data.load_dataset(P.dataset, img_size=P.model.img_size, split="test", fit=fit)
    clf = classifier.load_classifier(P.dataset, img_size=P.model.img_size, fit=fit)
    reference, real = test.x[:n], test.x[n:2 * n] if len(test.x) >= 2 * n else test.x[-n:]
    labels = torch.arange(n) % G.num_classes if training.is_conditional(G) else None
    # as the chapters score them: clamped to [-1, 1] (ProGAN's and the style generators' outputs have no tanh)
    fake = training.sample(G, n, labels=labels, seed=seed).clamp(-1, 1)
    ref_feats = metrics.extract_features(reference, clf.features)
    noise = {c.name: c.fid for c in metrics.fid_calibration(reference, real, clf.features, blur=())}
    with torch.no_grad():
        fake_logits = torch.cat([clf(x) for x in fake.split(1000)])
        real_logits = torch.cat([clf(x) for x in real.split(1000)])
    row = {"chapter": chapter, "steps": entry.steps, "train_seconds": entry.seconds, "n": n,
           "fid": metrics.frechet_distance(ref_feats, metrics.extract_features(fake, clf.features)),
           "fid_noise_0.1": noise["noise sigma = 0.1"], "fid_noise_0.2": noise["noise sigma = 0.2"],
           "fid_real": noise["real"],
           "confidence": metrics.mean_confidence(fake_logits), "confidence_real": metrics.mean_confidence(real_logits),
           "effective classes": metrics.effective_classes(fake_logits),
           "effective classes_real": metrics.effective_classes(real_logits)}
    if labels is not None:
        row["class accuracy"] = metrics.class_accuracy(fake_logits, labels, G.num_classes).overall
    history = checkpoints.load(stored_runs.locate(entry))["history"]
    row["fid_curve"] = [(int(s), float(v)) for s, _, v in history.get("metrics", {}).get("fid", [])]
    out.mkdir(parents=True, exist_ok=True)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    viz.show_images(fake[:64], nrow=8, title=f"{chapter}: shipped main generator ({entry.steps:,} steps)")
    plt.savefig(out / f"{chapter}.png", dpi=100, bbox_inches="tight")
    plt.close("all")
    return row


def table(rows: list[dict]) -> str:
    def mark(ok: bool) -> str:
        return "yes" if ok else "NO"
    lines = ["| chapter | steps | train s | FID | noise 0.1 / 0.2 | below 0.2? | confidence (real) | effective classes "
             "(real) | class accuracy |", "|---|---:|---:|---:|---|---|---|---|---|"]
    for r in rows:
        acc = f"{r['class accuracy']:.2f} ({mark(r['class accuracy'] >= TARGETS['class accuracy'])})" \
            if "class accuracy" in r else "-"
        lines.append(
            f"| {r['chapter']} | {r['steps']:,} | {r['train_seconds']:.0f} | {r['fid']:.1f} | "
            f"{r['fid_noise_0.1']:.1f} / {r['fid_noise_0.2']:.1f} | {mark(r['fid'] < r['fid_noise_0.2'])} | "
            f"{r['confidence']:.2f} ({r['confidence_real']:.2f}) {mark(r['confidence'] >= TARGETS['confidence'])} | "
            f"{r['effective classes']:.2f} ({r['effective classes_real']:.2f}) "
            f"{mark(r['effective classes'] >= TARGETS['effective classes'])} | {acc} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from . import runtime

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="samples per generator (and real images), default 5000")
    parser.add_argument("--out", type=Path, default=Path("build/quality"))
    parser.add_argument("--only", nargs="*", default=None, help="chapter numbers, e.g. 05 07")
    args = parser.parse_args(argv)
    runtime.set_threads("auto")
    rows = []
    for chapter in CHAPTERS:
        if args.only and chapter[:2] not in args.only:
            continue
        try:
            rows.append(score(chapter, args.n, args.out))
        except LookupError as err:
            print(err, file=sys.stderr)
    print(table(rows))
    for r in rows:
        print(f"{r['chapter']} FID while training (step, FID): "
              + ", ".join(f"{s}: {v:.1f}" for s, v in r["fid_curve"]))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "quality.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
