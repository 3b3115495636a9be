"""A training step recorded once as a CUDA graph and replayed for every mini-batch.

At the book's mini-batch of 10 a step of a small network is some sixty tiny kernels, and
launching them from Python takes far longer than running them (on an H100, eager steps of
``book-ch6-conv2`` took ~1.7 ms, replays of the captured step ~0.2 ms). :func:`capture`
records ``step`` (forward, backward, optimiser) so that :meth:`CUDAGraph.replay` runs it
with one launch. Everything the step reads or writes must stay where it was captured: the
parameters, the optimiser's state, and the buffers the step takes its mini-batch from.
"""

from __future__ import annotations

from collections.abc import Callable

from digitnet.torch_backend import require_torch


def state_tensors(module, optimizer) -> list:
    """The parameters and every tensor of the optimiser's state (momenta, Adam's moments)."""
    torch = require_torch()
    tensors = list(module.parameters())  # the Parameters themselves: ids must stay the same
    for state in optimizer.state.values():
        tensors += [v for v in state.values() if torch.is_tensor(v)]
    return tensors


def capture(step: Callable[[], object], module, optimizer, warmup: int = 2):
    """Record ``step`` as a CUDA graph and leave the training state as it was.

    Capturing needs a few eager steps first (they create the optimiser's state and pick
    the convolution algorithms); their changes are undone afterwards: the parameters and
    any optimiser state that existed get their values back, state the warm-up created
    starts from zero, which is what a first step would find (a zero momentum, Adam's
    moments and step count). So a run with graphs takes the same steps as one without.
    Returns the ``torch.cuda.CUDAGraph``.
    """
    torch = require_torch()
    before = state_tensors(module, optimizer)
    saved = [t.detach().clone() for t in before]  # a clone of a Parameter would keep its
    # gradient node alive on the current stream, which capturing must not touch
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(warmup):
            optimizer.zero_grad(set_to_none=True)
            step()
    torch.cuda.current_stream().wait_stream(side)
    optimizer.zero_grad(set_to_none=True)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph, stream=side):  # where the warm-up ran: autograd's
        step()  # nodes from it keep that stream
    known = {id(t) for t in before}
    with torch.no_grad():
        for t, value in zip(before, saved, strict=True):
            t.copy_(value)
        for t in state_tensors(module, optimizer):
            if id(t) not in known:
                t.zero_()
    return graph
