"""Optimisers and schedules against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitnet.errors import DigitnetError
from digitnet.nn import optim


def one(value: float, grad: float, name: str = "0.weight"):
    p = np.array([value])
    g = np.array([grad])
    return p, g, [(name, p, g)]


def test_sgd_with_l2_is_the_books_weight_decay():
    p, _g, pairs = one(2.0, 0.5)
    opt = optim.make("sgd", pairs, 0.1, l2=5.0, n_train=50)
    opt.step()
    # w ← (1 − ηλ/n) w − η g = (1 − 0.01)·2 − 0.05
    assert p[0] == pytest.approx(0.99 * 2.0 - 0.05)


def test_l2_and_l1_leave_biases_alone():
    p, _g, pairs = one(2.0, 0.5, name="0.bias")
    optim.make("sgd", pairs, 0.1, l2=5.0, l1=3.0, n_train=50).step()
    assert p[0] == pytest.approx(2.0 - 0.05)


def test_l1_step():
    p, _g, pairs = one(-2.0, 0.5)
    optim.make("sgd", pairs, 0.1, l1=3.0, n_train=50).step()
    # w ← w − η(g + (λ/n) sgn w) = −2 − 0.1(0.5 − 0.06)
    assert p[0] == pytest.approx(-2.0 - 0.1 * (0.5 - 0.06))


def test_momentum_two_steps():
    p, g, pairs = one(1.0, 1.0)
    opt = optim.make("momentum", pairs, 0.1, momentum=0.9)
    opt.step()  # v = −0.1; p = 0.9
    assert p[0] == pytest.approx(0.9)
    g[0] = 0.5
    opt.step()  # v = 0.9·(−0.1) − 0.05 = −0.14; p = 0.76
    assert p[0] == pytest.approx(0.76)


def test_nesterov_two_steps():
    p, g, pairs = one(1.0, 1.0)
    opt = optim.make("nesterov", pairs, 0.1, momentum=0.9)
    opt.step()  # v = −0.1; p += μv − ηg = −0.09 − 0.1
    assert p[0] == pytest.approx(1.0 - 0.19)
    g[0] = 0.5
    opt.step()  # v = −0.14; p += 0.9·(−0.14) − 0.05
    assert p[0] == pytest.approx(0.81 - 0.126 - 0.05)


def test_adam_matches_the_paper():
    p, g, pairs = one(1.0, 0.5)
    opt = optim.make("adam", pairs, 0.01)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    value, m, v = 1.0, 0.0, 0.0
    for t, grad in enumerate([0.5, -0.2, 0.3], start=1):
        g[0] = grad
        opt.step()
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        value -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        assert p[0] == pytest.approx(value, rel=1e-12)
    assert opt.t == 3


def test_first_adam_step_has_size_eta():
    p, _g, pairs = one(1.0, 123.0)
    optim.make("adam", pairs, 0.001).step()
    assert p[0] == pytest.approx(1.0 - 0.001, rel=1e-6)


def test_schedules():
    assert optim.schedule("constant", 0.5, 10).rate(7) == 0.5
    step = optim.schedule("step", 1.0, 30, every=10, gamma=0.1)
    assert [step.rate(e) for e in (0, 9, 10, 25)] == pytest.approx([1, 1, 0.1, 0.01])
    cos = optim.schedule("cosine", 1.0, 10)
    assert cos.rate(0) == 1.0 and cos.rate(5) == pytest.approx(0.5) and cos.rate(10) == 0


def test_book_plateau_rule_halves_and_stops_at_eta_over_128():
    s = optim.schedule("plateau", 1.0, 1000, patience=2)
    assert s.observe(100) and s.rate(1) == 1.0
    assert s.observe(100)  # no better: waited 1
    assert s.observe(99) and s.rate(3) == 0.5  # waited 2: halved
    assert s.observe(101) and s.rate(4) == 0.5  # better: the wait starts again
    observed = [s.observe(0) for _ in range(2 * 6)]  # halve 6 more times: 0.5 -> 1/128
    assert s.rate(99) == 1 / 128
    assert observed[-1] is False and all(observed[:-1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1000, 300), (40, 20, 5, 5), (7,)])
def test_the_one_pass_update_rounds_as_numpy_does(dtype, shape):
    from digitnet.nn.optim_kernel import add_scaled

    rng = np.random.default_rng(3)
    p = rng.standard_normal(shape).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    expected = p - dtype(0.03) * g
    add_scaled(p, g, -0.03)
    assert p.dtype == dtype and np.array_equal(p, expected)  # to the bit


def test_the_one_pass_update_takes_strided_arrays():
    from digitnet.nn.optim_kernel import add_scaled

    rng = np.random.default_rng(4)
    p = rng.standard_normal((300, 200)).T  # not C-contiguous: NumPy's expression
    g = rng.standard_normal((200, 300))
    expected = p + 0.5 * g
    add_scaled(p, g, 0.5)
    assert np.array_equal(p, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1000, 300), (64, 32, 3, 3), (7,)])
def test_the_one_pass_adam_step_rounds_as_numpy_does(dtype, shape):
    from digitnet.nn.optim_kernel import adam_step

    rng = np.random.default_rng(5)
    p, m, v = (rng.standard_normal(shape).astype(dtype) for _ in range(3))
    v = np.abs(v)
    want_p, want_m, want_v = p.copy(), m.copy(), v.copy()
    for _ in range(3):
        g = rng.standard_normal(shape).astype(dtype)
        want_m = want_m * dtype(0.9) + dtype(1 - 0.9) * g
        want_v = want_v * dtype(0.999) + dtype(1 - 0.999) * g * g
        want_p = want_p - dtype(0.002) * want_m / (np.sqrt(want_v) + dtype(1e-8))
        adam_step(p, g, m, v, (0.9, 0.999), 0.002, 1e-8)
    for got, want in ((p, want_p), (m, want_m), (v, want_v)):
        assert got.dtype == dtype and np.array_equal(got, want)  # to the bit


def test_sgd_steps_large_weights_as_the_book_writes_it():
    rng = np.random.default_rng(5)
    w = rng.standard_normal((640, 1000)).astype(np.float32)
    g = rng.standard_normal((640, 1000)).astype(np.float32)
    before = w.copy()
    optim.make("sgd", [("0.weight", w, g)], 0.03).step()
    assert np.array_equal(w, before - np.float32(0.03) * g)


def test_a_schedule_restored_from_its_state_goes_on_the_same():
    scores = [90, 91, 91, 91, 92, 92, 92, 92, 92, 92]
    whole = optim.HalveOnPlateau(1.0, 10, patience=2)
    rates = []
    for s in scores:
        rates.append(whole.rate(0))
        whole.observe(s)
    first = optim.HalveOnPlateau(1.0, 10, patience=2)
    for s in scores[:3]:
        first.observe(s)
    resumed = optim.HalveOnPlateau(1.0, 10, patience=2)
    resumed.restore(first.state())
    later = []
    for s in scores[3:]:
        later.append(resumed.rate(0))
        resumed.observe(s)
    assert later == rates[3:] and min(rates) < 1.0  # it did halve, after the restore too


def test_optimiser_state_goes_back_into_a_new_one():
    w, g = np.ones((3, 2)), np.full((3, 2), 0.5)
    adam = optim.make("adam", [("0.weight", w, g)], 0.01)
    adam.step()
    other = optim.make("adam", [("0.weight", w.copy(), g)], 0.01)
    other.restore(*adam.state())
    assert other.t == 1 and np.array_equal(other.m[0], adam.m[0])
    with pytest.raises(DigitnetError, match="needs"):
        optim.make("momentum", [("0.weight", w, g)], 0.01).restore({}, {})
