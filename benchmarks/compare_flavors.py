"""How fast CNN-25 learns koo_synthetic under the paper's text and under the released code.

Not a speed benchmark: validation AU-ROC after each epoch for each flavor (paper: Adam
3e-4, He-normal, no BatchNorm after the dense layer; released: Adam 1e-3, beta_1 0.95,
epsilon 1e-8, Glorot-uniform, BatchNorm after the dense layer), plain `model.fit` on the
`paper` config's arrays, same seed. Ablations switch one released choice at a time.

    python benchmarks/compare_flavors.py [--epochs 30] [--model cnn-25] [--data-dir D]
        [--variants paper released released-lr3e-4 released-he paper-lr1e-3]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

#: variant -> (architecture flavor, optimizer flavor, overrides)
VARIANTS = {
    "paper": ("paper", "paper", {}),
    "released": ("released", "released", {}),
    "released-lr3e-4": ("released", "released", {"learning_rate": 3e-4}),
    "released-he": ("released", "released", {"kernel_initializer": "he_normal"}),
    "paper-lr1e-3": ("paper", "paper", {"learning_rate": 1e-3}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--model", default="cnn-25")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--variants", nargs="+", default=["paper", "released"],
                        choices=sorted(VARIANTS))
    args = parser.parse_args()

    import keras

    from deepmotif_arch.data import datasets
    from deepmotif_arch.training.metrics import classification_metrics
    from deepmotif_arch.training.trainer import OPTIMIZERS
    from deepmotif_arch.zoo.architectures import get_spec
    from deepmotif_arch.zoo.models import build_model

    x, y = datasets.load_numpy("koo_synthetic", "train", data_dir=args.data_dir)
    xv, yv = datasets.load_numpy("koo_synthetic", "validation", data_dir=args.data_dir)
    curves = {}
    for variant in args.variants:
        arch_flavor, opt_flavor, overrides = VARIANTS[variant]
        spec = get_spec(args.model, flavor=arch_flavor)
        if "kernel_initializer" in overrides:
            spec = spec.derive(kernel_initializer=overrides["kernel_initializer"], name=spec.name)
        opt = {**OPTIMIZERS[opt_flavor],
               **{k: v for k, v in overrides.items() if k in OPTIMIZERS[opt_flavor]}}
        keras.utils.set_random_seed(0)
        model = build_model(spec)
        model.compile(keras.optimizers.Adam(**opt), "binary_crossentropy")
        curves[variant] = []
        for epoch in range(args.epochs):
            model.fit(x, y, batch_size=100, epochs=1, verbose=0, shuffle=True)
            p = model.predict(xv, batch_size=500, verbose=0)
            auroc = classification_metrics(yv, p)["auroc"]["mean"]
            curves[variant].append(auroc)
            print(f"{variant} epoch {epoch + 1}: val AU-ROC {auroc:.3f}", flush=True)
    print(f"\n| epoch | {' | '.join(args.variants)} |")
    print("|---|" + "---|" * len(args.variants))
    for epoch in range(args.epochs):
        if (epoch + 1) in (1, 5, 10, 15, 20, 25, 30) or epoch + 1 == args.epochs:
            print(f"| {epoch + 1} | " + " | ".join(f"{curves[v][epoch]:.3f}"
                                                   for v in args.variants) + " |")


if __name__ == "__main__":
    main()
