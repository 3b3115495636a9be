"""The fast path's row loops written out in LLVM vectors (numba intrinsics).

The fast path (:mod:`digitnet.nn.fast`) spends its time on sparse rows: the first layer
reads, and BP4 updates, one weight row per non-zero pixel. Written as plain numba loops,
each of those row operations costs dozens of instructions (alias checks, remainders,
a reload of the running sum), and the rows of a shuffled epoch arrive from memory late.
These intrinsics emit the loops directly, for rows whose width is a multiple of
``ROW_MULTIPLE`` elements:

- :func:`sum_rows`: ``dst[row, :] = Σ_p values[p] · src[indices[p], :]`` for p in [lo, hi);
  the running sums stay in four vector registers (the first layer's z = Σ x_j w_j);
  :func:`add_rows` adds the same sum onto dst's row (the output layer's z = b + Σ a_h w_h,
  the terms in the order of the book's loop, so the results stay the same to the bit).
- :func:`scatter_rows`: ``w[indices[p], :] += values[p] · d[d_row, :]`` for p in [lo, hi);
  ``d`` must not overlap ``w`` (BP4: ∂C/∂w_jk = a_k δ_j, applied as the update).
- :func:`prefetch`: asks the CPU to start fetching ``array[lo:hi]`` (the next image's
  non-zeros) while it works on the current one.

Arrays are C-contiguous; rows are (n, width) float32 or float64; indices are in range
(nothing is checked here: the callers build them). ``tests/nn/test_simd.py`` checks the
results against NumPy.

numba's on-disk cache of the fast path's kernel is keyed on fast_kernel.py alone: after
editing this file, touch fast_kernel.py (or delete its ``__pycache__``) so the kernel is
compiled anew.
"""

from __future__ import annotations

from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

VECTOR_BYTES = 32  # one AVX register; LLVM splits or joins them for other machines
GROUP = 4  # vectors handled together: four independent sums in flight
ROW_MULTIPLE = 32  # row widths must be a multiple of this (GROUP vectors of float32)

_i32 = ir.IntType(32)
_i64 = ir.IntType(64)


def _data_and_shape(context, builder, array_type, array):
    """The data pointer and the shape (a list of i64) of a numba array value."""
    a = context.make_array(array_type)(context, builder, array)
    return a.data, cgutils.unpack_tuple(builder, a.shape)


def _vector_type(context, dtype) -> ir.VectorType:
    element = context.get_value_type(dtype)
    return ir.VectorType(element, VECTOR_BYTES // context.get_abi_sizeof(element))


def _vector_at(builder, data, offset, vector: ir.VectorType):
    """A pointer to the vector that starts at element ``offset`` of ``data``."""
    return builder.bitcast(builder.gep(data, [offset]), vector.as_pointer())


def _splat(builder, scalar, vector: ir.VectorType):
    """The vector with ``scalar`` in every lane."""
    one = builder.insert_element(ir.Constant(vector, ir.Undefined), scalar, ir.Constant(_i32, 0))
    lanes = ir.Constant(ir.VectorType(_i32, vector.count), [0] * vector.count)
    return builder.shuffle_vector(one, ir.Constant(vector, ir.Undefined), lanes)


def _multiply_add(builder, a, b, c):
    """a · b + c, which LLVM fuses into one FMA instruction where the CPU has one."""
    flags = ("contract", "reassoc")
    return builder.fadd(builder.fmul(a, b, flags=flags), c, flags=flags)


def _sparse_entry(builder, context, signature, args, p):
    """(index, value) of entry p of the first two arguments (indices, values)."""
    indices, _ = _data_and_shape(context, builder, signature.args[0], args[0])
    values, _ = _data_and_shape(context, builder, signature.args[1], args[1])
    j = builder.load(builder.gep(indices, [p]))
    if j.type.width < 64:
        j = builder.sext(j, _i64)
    return j, builder.load(builder.gep(values, [p]))


def _int64(context, builder, signature, args, k):
    return context.cast(builder, args[k], signature.args[k], types.int64)


def _sums_of_rows(accumulate: bool):
    """Code for dst[row, :] (+)= Σ_p values[p] · src[indices[p], :], p in [lo, hi); with
    ``accumulate`` the sums start from dst's row, so each lane adds its terms in order
    after the value already there."""

    def codegen(context, builder, signature, args):
        src_data, src_shape = _data_and_shape(context, builder, signature.args[4], args[4])
        dst_data, dst_shape = _data_and_shape(context, builder, signature.args[5], args[5])
        lo, hi = (_int64(context, builder, signature, args, k) for k in (2, 3))
        row = _int64(context, builder, signature, args, 6)
        vector = _vector_type(context, signature.args[4].dtype)
        step = vector.count * GROUP
        width = src_shape[1]
        sums = [cgutils.alloca_once(builder, vector) for _ in range(GROUP)]
        out_row = builder.mul(row, dst_shape[1])
        with cgutils.for_range(builder, builder.udiv(width, ir.Constant(_i64, step))) as group:
            first = builder.mul(group.index, ir.Constant(_i64, step))
            outputs = [
                _vector_at(
                    builder,
                    dst_data,
                    builder.add(out_row, builder.add(first, ir.Constant(_i64, c * vector.count))),
                    vector,
                )
                for c in range(GROUP)
            ]
            for s, out in zip(sums, outputs, strict=True):
                start = builder.load(out, align=4) if accumulate else ir.Constant(vector, None)
                builder.store(start, s)
            with cgutils.for_range_slice(builder, lo, hi, ir.Constant(_i64, 1)) as (p, _):
                j, value = _sparse_entry(builder, context, signature, args, p)
                v = _splat(builder, value, vector)
                start = builder.add(builder.mul(j, width), first)
                for c, s in enumerate(sums):
                    offset = builder.add(start, ir.Constant(_i64, c * vector.count))
                    x = builder.load(_vector_at(builder, src_data, offset, vector), align=4)
                    builder.store(_multiply_add(builder, v, x, builder.load(s)), s)
            for s, out in zip(sums, outputs, strict=True):
                builder.store(builder.load(s), out, align=4)
        return context.get_dummy_value()

    return codegen


@intrinsic
def sum_rows(typingctx, indices, values, lo, hi, src, dst, row):
    """dst[row, :] = Σ_p values[p] · src[indices[p], :], p in [lo, hi) (see the module)."""
    return types.none(indices, values, lo, hi, src, dst, row), _sums_of_rows(False)


@intrinsic
def add_rows(typingctx, indices, values, lo, hi, src, dst, row):
    """dst[row, :] += Σ_p values[p] · src[indices[p], :], the terms added in order of p."""
    return types.none(indices, values, lo, hi, src, dst, row), _sums_of_rows(True)


@intrinsic
def scatter_rows(typingctx, indices, values, lo, hi, d, d_row, w):
    """w[indices[p], :] += values[p] · d[d_row, :], p in [lo, hi) (see the module)."""

    def codegen(context, builder, signature, args):
        d_data, d_shape = _data_and_shape(context, builder, signature.args[4], args[4])
        w_data, w_shape = _data_and_shape(context, builder, signature.args[6], args[6])
        lo, hi = (_int64(context, builder, signature, args, k) for k in (2, 3))
        d_start = builder.mul(_int64(context, builder, signature, args, 5), d_shape[1])
        vector = _vector_type(context, signature.args[4].dtype)
        step = vector.count * GROUP
        width = w_shape[1]
        with cgutils.for_range(builder, builder.udiv(width, ir.Constant(_i64, step))) as group:
            first = builder.mul(group.index, ir.Constant(_i64, step))
            ds = []  # this group of d's row, held in registers for all p
            for c in range(GROUP):
                offset = builder.add(
                    d_start, builder.add(first, ir.Constant(_i64, c * vector.count))
                )
                ds.append(builder.load(_vector_at(builder, d_data, offset, vector), align=4))
            with cgutils.for_range_slice(builder, lo, hi, ir.Constant(_i64, 1)) as (p, _):
                j, value = _sparse_entry(builder, context, signature, args, p)
                v = _splat(builder, value, vector)
                start = builder.add(builder.mul(j, width), first)
                for c in range(GROUP):
                    offset = builder.add(start, ir.Constant(_i64, c * vector.count))
                    ptr = _vector_at(builder, w_data, offset, vector)
                    updated = _multiply_add(builder, v, ds[c], builder.load(ptr, align=4))
                    builder.store(updated, ptr, align=4)
        return context.get_dummy_value()

    return types.none(indices, values, lo, hi, d, d_row, w), codegen


def _prefetch_name() -> str:
    """LLVM's name for the prefetch intrinsic on a byte pointer (LLVM 15 made pointers
    opaque, and the name changed with them)."""
    return "llvm.prefetch.p0" if binding.llvm_version_info[0] >= 15 else "llvm.prefetch.p0i8"


@intrinsic
def prefetch(typingctx, array, lo, hi):
    """Start fetching array[lo:hi] (1-d, contiguous) into the caches; changes nothing."""

    def codegen(context, builder, signature, args):
        data, _ = _data_and_shape(context, builder, signature.args[0], args[0])
        lo, hi = (_int64(context, builder, signature, args, k) for k in (1, 2))
        size = context.get_abi_sizeof(context.get_value_type(signature.args[0].dtype))
        byte_ptr = ir.IntType(8).as_pointer()
        start = builder.bitcast(builder.gep(data, [lo]), byte_ptr)
        n_bytes = builder.mul(builder.sub(hi, lo), ir.Constant(_i64, size))
        function_type = ir.FunctionType(ir.VoidType(), [byte_ptr, _i32, _i32, _i32])
        fetch = cgutils.get_or_insert_function(builder.module, function_type, _prefetch_name())
        read, keep, data_cache = (ir.Constant(_i32, k) for k in (0, 3, 1))
        line = ir.Constant(_i64, 64)
        with cgutils.for_range_slice(builder, ir.Constant(_i64, 0), n_bytes, line) as (offset, _):
            builder.call(fetch, [builder.gep(start, [offset]), read, keep, data_cache])
        return context.get_dummy_value()

    return types.none(array, lo, hi), codegen
