"""Datasets: IDX reading, sources (find, download, verify), and the book's splits."""

from digitnet.data.datasets import SPLITS, load, load_all, one_hot, to_inputs

__all__ = ["SPLITS", "load", "load_all", "one_hot", "to_inputs"]
