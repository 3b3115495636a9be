"""digitnet: neural networks that read handwritten digits.

The from-scratch engine follows Michael Nielsen's *Neural Networks and Deep Learning*;
``Network([784, 30, 10])`` is the book's chapter 1 network with its interface.
"""

__version__ = "0.1.0"

from digitnet.errors import DigitnetError
from digitnet.nn.network import Network

__all__ = ["DigitnetError", "Network", "__version__"]
