"""Accuracy, confusion matrix and the per-class report."""

from __future__ import annotations

import numpy as np


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of predicted (N,) equal to labels (N,)."""
    return float(np.mean(predicted == labels)) if len(labels) else 0.0


def confusion_matrix(predicted: np.ndarray, labels: np.ndarray, classes: int = 10) -> np.ndarray:
    """(classes, classes) counts: row = true class, column = predicted class."""
    m = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(m, (labels, predicted), 1)
    return m


def per_class_report(cm: np.ndarray, names: tuple[str, ...] | list[str]) -> str:
    """A table of each class's count, recall (accuracy on that class) and precision."""
    width = max(5, *(len(n) for n in names))
    lines = [f"{'class':<{width}}  {'count':>6}  {'correct':>7}  {'recall':>7}  {'precision':>9}"]
    for k, name in enumerate(names):
        count, correct, called = int(cm[k].sum()), int(cm[k, k]), int(cm[:, k].sum())
        recall = correct / count if count else 0.0
        precision = correct / called if called else 0.0
        lines.append(
            f"{name:<{width}}  {count:>6}  {correct:>7}  {recall:>7.2%}  {precision:>9.2%}"
        )
    total, right = int(cm.sum()), int(np.trace(cm))
    lines.append(f"{'all':<{width}}  {total:>6}  {right:>7}  {right / max(total, 1):>7.2%}")
    return "\n".join(lines)


def per_class_recall(predicted: np.ndarray, labels: np.ndarray, classes: int = 10) -> np.ndarray:
    """(classes,) share of each class's examples that were predicted as that class; NaN for a
    class with no examples. predicted and labels are (N,) class indices."""
    cm = confusion_matrix(predicted, labels, classes)
    counts = cm.sum(axis=1)
    return np.divide(np.diag(cm), counts, out=np.full(classes, np.nan), where=counts > 0)


STALLED_RECALL = 0.1


def silent_classes(recall: np.ndarray) -> list[int]:
    """The classes a network almost never names for their own examples (recall (classes,)
    under 10%). A trained MNIST network names every digit; one that skips a digit has
    stalled, typically with that digit's output neuron saturated off."""
    return [k for k, r in enumerate(recall) if r < STALLED_RECALL]
