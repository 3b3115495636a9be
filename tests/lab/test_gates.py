"""Chapter 1's perceptrons: NAND, the adder, scaling by c and sigmoids as c → ∞."""

from __future__ import annotations

import pytest

from digitnet.lab import gates
from digitnet.lab.gates import INPUTS, adder, boundary_gate, nand, perceptron, sigmoid_neuron


def test_the_nand_perceptron_truth_table():
    assert [nand(x1, x2) for x1, x2 in INPUTS] == [1, 1, 1, 0]
    # and it is the book's perceptron: weights -2, -2, bias 3
    assert [perceptron((x1, x2), (-2, -2), 3) for x1, x2 in INPUTS] == [1, 1, 1, 0]


def test_the_adder_adds_on_every_input():
    for x1, x2 in INPUTS:
        total, carry = adder(x1, x2)
        assert 2 * carry + total == x1 + x2
        assert (total, carry) == (x1 ^ x2, x1 & x2)


@pytest.mark.parametrize("c", [1e-3, 0.25, 1.0, 3.0, 1e6])
def test_scaling_every_weight_and_bias_by_c_changes_nothing(c):
    for x1, x2 in INPUTS:
        assert nand(x1, x2, c=c) == nand(x1, x2)
        assert adder(x1, x2, c=c) == adder(x1, x2)


def test_sigmoid_neurons_approach_the_perceptrons_as_c_grows():
    gaps = [gates.largest_gap(c) for c in (1, 10, 100, 1000)]
    assert gaps[0] > 0.3  # at c = 1 the sigmoid circuit is far from binary
    assert gaps == sorted(gaps, reverse=True) and gaps[1] < 1e-4 and gaps[2] < 1e-30
    for x1, x2 in INPUTS:
        sig = adder(x1, x2, sigmoid_neuron, 100.0)
        assert [round(v) for v in sig] == list(adder(x1, x2))


def test_where_w_x_plus_b_is_zero_the_sigmoid_stays_at_one_half():
    for c in (1.0, 10.0, 100.0, 1e6):
        assert boundary_gate(0, 1) == 0 and boundary_gate(1, 0) == 0
        assert boundary_gate(0, 1, sigmoid_neuron, c) == 0.5
        assert boundary_gate(1, 0, sigmoid_neuron, c) == 0.5
    # elsewhere it does approach the perceptron
    assert boundary_gate(0, 0, sigmoid_neuron, 100.0) == pytest.approx(1.0)
    assert boundary_gate(1, 1, sigmoid_neuron, 100.0) == pytest.approx(0.0)


def test_sigmoid_neuron_does_not_overflow():
    assert sigmoid_neuron((1.0,), (-1e6,), 0.0) == 0.0
    assert sigmoid_neuron((1.0,), (1e6,), 0.0) == 1.0


def test_report_prints_the_tables():
    text = gates.report()
    assert "NAND perceptron" in text and "Two-bit adder" in text
    assert text.count(" ok") == 4 and "WRONG" not in text and "DIFFERENT" not in text
    for c in ("    1 ", "   10 ", "  100 "):
        assert c in text
