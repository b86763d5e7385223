"""Classification metrics as the paper reports them: per-class AU-ROC and AU-PR, mean and std.

The areas come from scikit-learn (``roc_auc_score`` and ``average_precision_score``);
the tests cross-check them against Keras's ``AUC`` metric.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["binary_crossentropy", "classification_metrics"]


def binary_crossentropy(y_true: np.ndarray, y_prob: np.ndarray, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy over every class and example (Keras's clipping, 1e-7).

    Parameters
    ----------
    y_true, y_prob : numpy.ndarray
        Shape (n, num_classes); labels in {0, 1}, probabilities in [0, 1].
    """
    p = np.clip(np.asarray(y_prob, dtype=np.float64), eps, 1 - eps)
    y = np.asarray(y_true, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def classification_metrics(y_true: np.ndarray, y_prob: np.ndarray,
                           class_names: Sequence[str] | None = None) -> dict:
    """Per-class AU-ROC and AU-PR with their mean and standard deviation over classes.

    Parameters
    ----------
    y_true : numpy.ndarray
        Shape (n, num_classes), 0/1 labels.
    y_prob : numpy.ndarray
        Shape (n, num_classes), predicted probabilities.
    class_names : sequence of str, optional
        Names in column order; default ``class_0``, ``class_1``, ...

    Returns
    -------
    dict
        ``{"per_class": {name: {"auroc", "aupr", "positives"}}, "auroc": {"mean", "std"},
        "aupr": {"mean", "std"}, "bce": float, "num_examples": int}``. A class without
        both positives and negatives in ``y_true`` gets ``None`` and is left out of
        the mean and standard deviation (population std, as across the paper's 12
        classes).
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = np.asarray(y_true)
    p = np.asarray(y_prob)
    if y.shape != p.shape or y.ndim != 2:
        raise ValueError(f"labels {y.shape} and predictions {p.shape} must both be (n, classes)")
    names = list(class_names) if class_names is not None else [f"class_{i}" for i in
                                                                range(y.shape[1])]
    per_class = {}
    for j, name in enumerate(names):
        positives = int(y[:, j].sum())
        defined = 0 < positives < len(y)
        per_class[name] = {
            "auroc": float(roc_auc_score(y[:, j], p[:, j])) if defined else None,
            "aupr": float(average_precision_score(y[:, j], p[:, j])) if defined else None,
            "positives": positives,
        }

    def summary(key):
        values = np.array([v[key] for v in per_class.values() if v[key] is not None])
        if values.size == 0:
            return {"mean": None, "std": None}
        return {"mean": float(values.mean()), "std": float(values.std())}

    return {
        "per_class": per_class,
        "auroc": summary("auroc"),
        "aupr": summary("aupr"),
        "bce": binary_crossentropy(y, p),
        "num_examples": int(len(y)),
    }
