"""ONNX export: any digitnet model as an ONNX graph that onnxruntime (or any ONNX runtime,
in a browser, on a phone) runs without digitnet.

The graph is built from the NumPy engine's own layers and weights, so exporting needs
the ``onnx`` package but not PyTorch (``pip install 'digitnet[onnx]'``). It takes
``pixels``: float32 (N, input_size), the same flat inputs as ``Sequential.forward``
(pixel values in [0, 1]), and gives ``scores``: float32 (N, classes), the output layer's
activations. Weights are stored as float32; a float64 model is rounded once.

Layer by layer: Dense -> Gemm (transB, since w is (n_out, n_in) as in the book);
Maxout -> Gemm, Reshape (N, units, pieces), ReduceMax; Conv2D -> Conv (pads for "same");
MaxPool2D -> MaxPool (kernel = stride, remainder dropped, as in the engine); Flatten ->
Flatten; activations -> their ONNX operators; Dropout is the identity at test time and
is left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from digitnet import __version__
from digitnet.config import ModelSpec
from digitnet.errors import DigitnetError
from digitnet.fileio import atomic_write
from digitnet.nn import activations as act
from digitnet.nn.conv import Conv2D, Flatten, MaxPool2D
from digitnet.nn.layers import Dense, Dropout, Maxout
from digitnet.nn.model import Sequential

OPSET = 17
INPUT, OUTPUT = "pixels", "scores"


def require_onnx():
    """The onnx module, or a one-line error saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise DigitnetError("ONNX export needs onnx: pip install 'digitnet[onnx]'") from None
    return onnx


class _Graph:
    """Nodes and weights collected layer by layer; each value gets a fresh name."""

    def __init__(self, onnx: Any) -> None:
        self.onnx, self.nodes, self.weights = onnx, [], []
        self.count = 0

    def name(self, hint: str) -> str:
        self.count += 1
        return f"{hint}_{self.count}"

    def weight(self, hint: str, array: np.ndarray) -> str:
        name = self.name(hint)
        self.weights.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], hint: str | None = None, **attrs: Any) -> str:
        out = self.name(hint or op.lower())
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [out], **attrs))
        return out


ACTIVATION_OPS = {
    act.Sigmoid: ("Sigmoid", {}),
    act.Tanh: ("Tanh", {}),
    act.ReLU: ("Relu", {}),
    act.Softmax: ("Softmax", {"axis": 1}),
}


def _layer(g: _Graph, layer: Any, x: str) -> str:
    """Append the nodes of one engine layer applied to value ``x``; returns the output name."""
    f32 = np.float32
    if isinstance(layer, Dense):  # Maxout too: its pieces first
        w = g.weight("weight", layer.weight.astype(f32))
        b = g.weight("bias", layer.bias.astype(f32))
        z = g.node("Gemm", [x, w, b], "dense", transB=1)
        if not isinstance(layer, Maxout):
            return z
        shape = g.weight("shape", np.array([-1, layer.n_out, layer.pieces], np.int64))
        pieces = g.node("Reshape", [z, shape], "pieces")
        return g.node("ReduceMax", [pieces], "maxout", axes=[2], keepdims=0)
    if isinstance(layer, Conv2D):
        ph, pw = layer.pad
        w = g.weight("weight", layer.weight.astype(f32))
        b = g.weight("bias", layer.bias.astype(f32))
        return g.node("Conv", [x, w, b], "conv", pads=[ph, pw, ph, pw])
    if isinstance(layer, MaxPool2D):
        s = layer.size
        return g.node("MaxPool", [x], "pool", kernel_shape=[s, s], strides=[s, s])
    if isinstance(layer, Flatten):
        return g.node("Flatten", [x], "flatten", axis=1)
    if isinstance(layer, Dropout | act.Identity):
        return x
    if isinstance(layer, act.LeakyReLU):
        return g.node("LeakyRelu", [x], "leaky_relu", alpha=float(layer.alpha))
    if isinstance(layer, act.ELU):
        return g.node("Elu", [x], "elu", alpha=float(layer.alpha))
    if type(layer) in ACTIVATION_OPS:
        op, attrs = ACTIVATION_OPS[type(layer)]
        return g.node(op, [x], op.lower(), **attrs)
    raise DigitnetError(f"ONNX export: no ONNX form for layer {type(layer).__name__}")


def to_onnx(model: Sequential, spec: ModelSpec, metadata: dict[str, str] | None = None):
    """The model as an ``onnx.ModelProto`` (checked by onnx's checker)."""
    onnx = require_onnx()
    h = onnx.helper
    g = _Graph(onnx)
    x = INPUT
    if spec.input_shape:
        shape = g.weight("input_shape", np.array([-1, *spec.input_shape], np.int64))
        x = g.node("Reshape", [x, shape], "image")
    for layer in model.layers:
        x = _layer(g, layer, x)
    g.nodes.append(h.make_node("Identity", [x], [OUTPUT]))
    graph = h.make_graph(
        g.nodes,
        "digitnet",
        [h.make_tensor_value_info(INPUT, onnx.TensorProto.FLOAT, ["N", spec.input_size])],
        [h.make_tensor_value_info(OUTPUT, onnx.TensorProto.FLOAT, ["N", model.n_out])],
        initializer=g.weights,
    )
    proto = h.make_model(
        graph,
        producer_name="digitnet",
        producer_version=__version__,
        opset_imports=[h.make_opsetid("", OPSET)],
    )
    proto.ir_version = min(proto.ir_version, 8)  # readable by onnxruntime releases since 1.14
    h.set_model_props(proto, {"spec": spec.to_json(), **(metadata or {})})
    onnx.checker.check_model(proto)
    return proto


def export(
    model: Sequential,
    spec: ModelSpec,
    path: str | Path,
    dataset: str = "mnist",
    classes: list[str] | None = None,
) -> Path:
    """Write the model to ``path`` as ONNX, atomically; returns the path.

    The model's metadata carries the spec, the dataset and the class names (JSON).
    """
    metadata = {"dataset": dataset, "classes": json.dumps(classes or [])}
    proto = to_onnx(model, spec, metadata)
    return atomic_write(path, proto.SerializeToString())
