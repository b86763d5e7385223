"""Hypothesis test: is cnn-deep-exp (trial 0) stuck because the learning rate stays at 1e-3?
Continue from its best checkpoint with Koo & Ploenzke's ReduceLROnPlateau (x0.2, patience 5,
monitor val loss here) for up to 40 epochs; report validation loss and test AU-ROC."""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402  (after the backend is chosen)

from deepmotif_arch.data.datasets import load_numpy  # noqa: E402
from deepmotif_arch.training.metrics import classification_metrics  # noqa: E402

src = sys.argv[1]
model = keras.models.load_model(src)
xtr, ytr = load_numpy("koo_synthetic", "train")
xva, yva = load_numpy("koo_synthetic", "validation")
xte, yte = load_numpy("koo_synthetic", "test")
def test_auroc():
    p = model.predict(xte, batch_size=500, verbose=0)
    return classification_metrics(yte, p)
before = test_auroc()
model.compile(optimizer=keras.optimizers.Adam(1e-3 * 0.2, beta_1=0.95, epsilon=1e-8),
              loss="binary_crossentropy")
print("val loss before", model.evaluate(xva, yva, batch_size=500, verbose=0), flush=True)
keras.utils.set_random_seed(0)
h = model.fit(xtr, ytr, batch_size=100, epochs=40, validation_data=(xva, yva), verbose=2,
              callbacks=[keras.callbacks.ReduceLROnPlateau(factor=0.2, patience=5, min_lr=1e-7),
                         keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)])
after = test_auroc()
out = {"test_auroc_before": before["auroc"]["mean"], "test_auroc_after": after["auroc"]["mean"],
       "best_val_loss": min(h.history["val_loss"]), "epochs": len(h.history["val_loss"])}
print(json.dumps(out, indent=1, default=float))
