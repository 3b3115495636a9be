"""Gradient descent with small and large learning rates on 2-D surfaces."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.lab.descent import SURFACES, descend, run_all


@pytest.mark.parametrize("name", list(SURFACES))
def test_eta_0_03_converges_smoothly(name):
    d = descend(SURFACES[name], 0.03)
    assert d.outcome == "converged"
    assert d.smooth  # every step lowers the cost, none turns back
    assert d.steps > 200


def test_eta_0_03_takes_thousands_of_steps_down_the_valley():
    d = descend(SURFACES["valley"], 0.03)
    assert d.outcome == "converged" and d.steps >= 1000
    assert np.allclose(d.path[-1], 0, atol=1e-4)


@pytest.mark.parametrize("name", list(SURFACES))
def test_eta_3_diverges(name):
    d = descend(SURFACES[name], 3.0)
    assert d.outcome == "diverged"
    assert d.steps < 100


def test_between_1_and_2_over_the_curvature_it_oscillates_but_converges():
    bowl = descend(SURFACES["bowl"], 1.5)  # curvature 1: each step multiplies v by -0.5
    assert bowl.outcome == "converged" and bowl.oscillating and not bowl.smooth
    valley = descend(SURFACES["valley"], 0.8)  # across the valley: factor 1 - 0.8·2 = -0.6
    assert valley.outcome == "converged" and valley.oscillating


def test_each_bowl_step_multiplies_v_by_one_minus_eta():
    eta = 0.3
    d = descend(SURFACES["bowl"], eta)
    k = np.arange(10)[:, None]
    expected = np.array(SURFACES["bowl"].start) * (1 - eta) ** k
    assert np.allclose(d.path[:10], expected)


def test_small_steps_stop_in_the_false_minimum():
    well = SURFACES["double-well"]
    near = descend(well, 0.03)
    deep = descend(well, 0.03, start=(-1.7, 1.2))
    assert near.path[-1][0] == pytest.approx(0.96, abs=0.01)
    assert deep.path[-1][0] == pytest.approx(-1.036, abs=0.01)
    assert deep.final_cost < near.final_cost


def test_run_all_covers_every_surface_and_rate():
    runs = run_all(rates=(0.03, 3.0))
    assert [(r.surface, r.eta) for r in runs] == [(s, e) for s in SURFACES for e in (0.03, 3.0)]
