"""The from-scratch engine (NumPy only): layers, costs, optimisers, models."""

from digitnet.nn.model import Sequential, build
from digitnet.nn.network import Network

__all__ = ["Network", "Sequential", "build"]
