"""The fast path's epoch kernel (see :mod:`digitnet.nn.fast`), compiled by numba.

It lives in its own module so that numba's on-disk cache works: the kernel refers to the
vector intrinsics of :mod:`digitnet.nn.simd` as module globals. (As variables of an
enclosing function they would be hashed into the cache key anew in every process, and
the kernel compiled again on every run.) Importing this module needs numba.
"""

from __future__ import annotations

import numba
import numpy as np

from digitnet.nn.simd import add_rows, prefetch, scatter_rows, sum_rows

# fast-math without "no NaNs" and "no infinities": the kernel must still see them
FASTMATH = {"contract", "reassoc", "nsz", "arcp"}
PREFETCH_AHEAD = 2  # images: the next rows are fetched while this one is worked on


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy", nogil=True)
def sgd_batches(
    indptr,
    indices,
    values,
    labels,
    order,
    start,
    stop,
    m,
    eta,
    decay,
    cross_entropy,
    w1t,
    w1_scale,
    b1,
    w2t,
    b2,
    hidden_units,
):
    """Mini-batches order[start:stop] (m at a time) of SGD on a 1-hidden-layer network.

    Returns -1, or the position in ``order`` of the first mini-batch whose output
    became NaN or infinite (nothing of that mini-batch is applied).

    The first layer's weights are w1_scale[0] * w1t: w1t (n_in, width) holds them
    transposed, their width padded to a multiple of simd.ROW_MULTIPLE so the sparse row
    loops run on whole vectors; the scalar w1_scale[0] takes L2's weight decay
    (``decay`` = 1 − ηλ/n per step), so a step writes only the rows of the non-zero
    pixels. b1 (width,) and b2 (n_out,) are the biases; w2t (n_hidden, out_width) holds
    the second layer's weights transposed, padded with zeros the same way; hidden_units
    is arange(n_hidden) (int32), the rows the vector loops run over. Padded units are
    never read and their δ is 0, so they never change and change nothing.
    ``cross_entropy``: BP1 is δ = a − y (else the quadratic (a − y) σ'(z)). All are
    updated in place. The results are those of the earlier plain-loop kernel to the bit
    (bench/bench_fast_ab.py compares them), so measured figures stay valid.
    """
    width = w1t.shape[1]
    n_hidden = len(hidden_units)
    n_out = len(b2)
    one = w1t.dtype.type(1)
    zero = 0 * one
    a1 = np.zeros((m, width), w1t.dtype)
    d1 = np.zeros((m, width), w1t.dtype)
    d2 = np.zeros((m, w2t.shape[1]), w1t.dtype)
    z2 = np.zeros((1, w2t.shape[1]), w1t.dtype)
    for k0 in range(start, stop, m):
        k = min(m, stop - k0)
        scale = w1t.dtype.type(-eta / k)  # the update is −(η/m) Σ_x ∇C_x
        s1 = w1t.dtype.type(w1_scale[0])
        for i in range(k):
            r = order[k0 + i]
            if k0 + i + PREFETCH_AHEAD < stop:
                later = order[k0 + i + PREFETCH_AHEAD]
                prefetch(indices, indptr[later], indptr[later + 1])
                prefetch(values, indptr[later], indptr[later + 1])
            # forward, first layer: z = b + Σ over non-zero pixels j of x_j w_j
            sum_rows(indices, values, indptr[r], indptr[r + 1], w1t, a1, i)
            for h in range(n_hidden):
                a1[i, h] = one / (one + np.exp(-(b1[h] + s1 * a1[i, h])))
            # forward, output layer (z = b + Σ_h a_h w_h), and BP1 (scaled by −η/m)
            for o in range(n_out):
                z2[0, o] = b2[o]
            add_rows(hidden_units, a1[i], 0, n_hidden, w2t, z2, 0)
            for o in range(n_out):
                z = z2[0, o]
                if not np.isfinite(z):
                    return k0
                a = one / (one + np.exp(-z))
                y = one if o == labels[r] else zero
                if cross_entropy:
                    d2[i, o] = scale * (a - y)
                else:
                    d2[i, o] = scale * (a - y) * a * (one - a)
            # BP2: δ¹ = (w² δ²) ⊙ σ'(z¹)
            for h in range(n_hidden):
                s = zero
                for o in range(n_out):
                    s += w2t[h, o] * d2[i, o]
                d1[i, h] = s * a1[i, h] * (one - a1[i, h])
        # BP3 and BP4, applied as the update once the whole mini-batch is done
        if decay != 1.0:
            w2t *= w1t.dtype.type(decay)
            w1_scale[0] *= decay
        inverse = w1t.dtype.type(1.0 / w1_scale[0])
        for i in range(k):
            r = order[k0 + i]
            scatter_rows(hidden_units, a1[i], 0, n_hidden, d2, i, w2t)  # BP4: w2t += a ⊗ δ
            for h in range(n_hidden):
                b1[h] += d1[i, h]
                d1[i, h] *= inverse
            for o in range(n_out):
                b2[o] += d2[i, o]
            scatter_rows(indices, values, indptr[r], indptr[r + 1], d1, i, w1t)
    return -1


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy", nogil=True)
def cost_and_correct(
    indptr, indices, values, labels, cross_entropy, w1t, w1_scale, b1, w2t, b2, hidden_units
):
    """(Σ of the cost over the rows, number of rows whose largest output is their label)
    for the network of :func:`sgd_batches`, on CSR rows.

    The cost per row is Σ_o ½(a − y)² (quadratic) or, with ``cross_entropy``, Σ_o
    softplus(z) − y z, the same as −[y ln a + (1 − y) ln(1 − a)] without its overflow;
    the largest output is that of a (quadratic) or of z (cross-entropy), as the engine
    takes them. Sums are in float64.
    """
    n_hidden = len(hidden_units)
    n_out = len(b2)
    one = w1t.dtype.type(1)
    s1 = w1t.dtype.type(w1_scale[0])
    a1 = np.zeros((1, w1t.shape[1]), w1t.dtype)
    z2 = np.zeros((1, w2t.shape[1]), w1t.dtype)
    total = 0.0
    right = 0
    for r in range(len(indptr) - 1):
        sum_rows(indices, values, indptr[r], indptr[r + 1], w1t, a1, 0)
        for h in range(n_hidden):
            a1[0, h] = one / (one + np.exp(-(b1[h] + s1 * a1[0, h])))
        for o in range(n_out):
            z2[0, o] = b2[o]
        add_rows(hidden_units, a1[0], 0, n_hidden, w2t, z2, 0)
        best, best_value = 0, -np.inf
        for o in range(n_out):
            z = z2[0, o]
            y = 1.0 if o == labels[r] else 0.0
            if cross_entropy:
                value = z
                zz = np.float64(z)
                total += max(zz, 0.0) + np.log1p(np.exp(-abs(zz))) - y * zz
            else:
                value = one / (one + np.exp(-z))
                total += 0.5 * (np.float64(value) - y) ** 2
            if value > best_value:
                best, best_value = o, value
        right += best == labels[r]
    return total, right
