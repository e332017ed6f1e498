"""The PRNG's primitives, beneath xlafront.random:

* threefry2x32: the Threefry-2x32 block cipher (Salmon et al., "Parallel random numbers: as
  easy as 1, 2, 3", SC 2011) with 20 rounds, elementwise over a key pair (k1, k2) and a
  counter pair (x1, x2), all uint32; its lowering is the cipher written with lax ops, as
  JAX writes it, so its bits are JAX's. The five groups of four rounds are unrolled on
  every platform: JAX rolls them into a loop on CPU to compile faster, but with this XLA
  the unrolled form both compiles and runs faster there (benchmarks/random_nn_bench.py:
  `normal(key, (10^7,))` runs in 0.3x JAX's time; 200 normals in one program compile in
  18 s against JAX's 33 s).
* iota_2x32_shape: a 64-bit iota reshaped to `shape`, as two uint32 arrays (high and low
  halves), the counters that split and random_bits hash. Computed in uint64 inside the
  lowering, so it is the same with x64 on or off.
"""
import math

import numpy as np

from ..core import ShapedArray, bind, get_aval
from ..interpreters import ad, batching
from ..interpreters import lowering as L
from .base import primitive
from .elementwise import (add, bitwise_or, bitwise_xor, convert_element_type, shift_left,
                          shift_right_logical, sub)
from .shape import broadcast_in_dim, concatenate, full, reshape
from .slicing import slice_in_dim

__all__ = ["iota_2x32_shape", "iota_2x32_shape_p", "threefry2x32", "threefry2x32_p",
           "threefry_2x32"]

_U32 = np.dtype(np.uint32)
_U64 = np.dtype(np.uint64)

# ---------------------------------------------------------------------------------------
# threefry2x32

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))  # of the even and the odd groups of rounds
_PARITY = np.uint32(0x1BD11BDA)  # Threefish's key-schedule constant


def _broadcast_shape(avals):
    """The shape the operands broadcast to: rank-0 ones broadcast, the others must have one
    rank and agree where their dimensions are not 1 (as JAX's broadcasting ops)."""
    shapes = [a.shape for a in avals if a.shape != ()]
    if not shapes:
        return ()
    if len({len(s) for s in shapes}) > 1 or any(
            len({d for d in dims if d != 1}) > 1 for dims in zip(*shapes)):
        raise TypeError(f"threefry2x32: operand shapes {[a.shape for a in avals]} do not "
                        f"broadcast (rank-0 operands broadcast; the others need one rank, "
                        f"and sizes that agree or are 1)")
    return tuple(max(dims) for dims in zip(*shapes))


def _threefry_abstract(k1, k2, x1, x2):
    avals = (k1, k2, x1, x2)
    if any(a.dtype != _U32 for a in avals):
        raise TypeError(f"threefry2x32: operands must be uint32, got "
                        f"{[a.dtype.name for a in avals]}")
    return [ShapedArray(_broadcast_shape(avals), _U32)] * 2


def _expand(x, shape):
    """x broadcast to `shape` where its dimensions are 1 (a rank-0 x is left to the binary
    ops, which broadcast it)."""
    x_shape = get_aval(x).shape
    if x_shape == shape or not x_shape:
        return x
    return broadcast_in_dim(x, shape, tuple(range(len(shape))))


def _rotate_left(x, d):
    """x rotated left by d (a Python int) bits."""
    d = np.uint32(d)
    return bitwise_or(shift_left(x, d), shift_right_logical(x, sub(np.uint32(32), d)))


def _rounds(x, rotations):
    """Four rounds of Threefry's mix: x0 += x1; x1 = rotl(x1, r) ^ x0."""
    x0, x1 = x
    for r in rotations:
        x0 = add(x0, x1)
        x1 = bitwise_xor(x0, _rotate_left(x1, r))
    return x0, x1


def _threefry_fun(k1, k2, x1, x2):
    """The cipher on lax values: 5 groups of 4 rounds, a key injection after each. The keys
    keep their shape (under vmap often (batch, 1)) and are broadcast where they are added."""
    shape = _broadcast_shape([get_aval(v) for v in (k1, k2, x1, x2)])
    x1, x2 = (broadcast_in_dim(x, shape, ()) if not get_aval(x).shape else _expand(x, shape)
              for x in (x1, x2))
    key_shape = _broadcast_shape([get_aval(k1), get_aval(k2)])
    k1, k2 = _expand(k1, key_shape), _expand(k2, key_shape)
    ks = (k1, k2, bitwise_xor(bitwise_xor(k1, k2), _PARITY))

    def inject(x, ka, kb, step=None):
        x1 = add(x[1], _expand(kb, shape))
        return add(x[0], _expand(ka, shape)), x1 if step is None else add(x1, step)

    x = inject((x1, x2), ks[0], ks[1])
    for i in range(5):
        x = inject(_rounds(x, _ROTATIONS[i % 2]), ks[(i + 1) % 3], ks[(i + 2) % 3],
                   np.uint32(i + 1))
    return list(x)


def _threefry_batch(vals, dims):
    """Elementwise batching that keeps broadcast dimensions of size 1 (as JAX's broadcasting
    batcher): an unmapped operand gets a leading 1, a mapped rank-0 example trailing 1s, so
    keys shared along a dimension stay small."""
    size = batching.batch_size_of(vals, dims)
    example = [get_aval(v).shape if d is None else
               get_aval(v).shape[:d] + get_aval(v).shape[d + 1:] for v, d in zip(vals, dims)]
    rank = max(len(s) for s in example)
    out = []
    for v, d, s in zip(vals, dims, example):
        if d is None:
            out.append(reshape(v, (1,) + s) if s else v)
        else:
            v = batching.moveaxis(v, d, 0)
            out.append(v if s else reshape(v, (size,) + (1,) * rank))
    return bind(threefry2x32_p, *out), [0, 0]


threefry2x32_p = primitive(
    "threefry2x32", _threefry_abstract, L.lower_fun(_threefry_fun, multiple_results=True),
    multiple_results=True)
ad.defzero(threefry2x32_p)  # integer outputs
batching.primitive_batchers[threefry2x32_p] = _threefry_batch


def threefry2x32(k1, k2, x1, x2):
    """The Threefry-2x32 hash (20 rounds) of counters (x1, x2) under key (k1, k2): two
    uint32 arrays of the operands' broadcast shape (rank-0 operands broadcast, and
    dimensions of size 1)."""
    return bind(threefry2x32_p, k1, k2, x1, x2)


def threefry_2x32(keypair, count):
    """JAX's `threefry_2x32(keypair, count)`: hashes the uint32 array `count` under the key
    pair, its flattened first half as x1 and second half as x2 (padded with a 0 when odd);
    returns an array of count's shape."""
    k1, k2 = keypair
    shape = get_aval(count).shape
    n = math.prod(shape)
    flat = reshape(count, (n,))
    if n % 2:
        flat = concatenate([flat, full((1,), 0, _U32)], 0)
    half = (n + 1) // 2
    y1, y2 = threefry2x32(k1, k2, slice_in_dim(flat, 0, half), slice_in_dim(flat, half, 2 * half))
    return reshape(slice_in_dim(concatenate([y1, y2], 0), 0, n), shape)


# ---------------------------------------------------------------------------------------
# iota_2x32_shape (no operands: never batched, nothing to differentiate)

def _iota_2x32_lowering(ctx, shape):
    u64 = L.ir.RankedTensorType.get(shape, L.ir_element_type(_U64))
    strides = [math.prod(shape[d + 1:]) for d in range(len(shape))]
    counts = None
    for d, stride in enumerate(strides):
        term = L.hlo.multiply(L.broadcast_scalar(L.constant(np.uint64(stride)), shape, _U64),
                              L.hlo.iota(u64, d))
        counts = term if counts is None else L.hlo.add(counts, term)
    high = L.hlo.shift_right_logical(
        counts, L.broadcast_scalar(L.constant(np.uint64(32)), shape, _U64))
    out_type = L.ir_type(ctx.avals_out[0])
    return [L.hlo.convert(out_type, high), L.hlo.convert(out_type, counts)]


iota_2x32_shape_p = primitive(
    "iota_2x32_shape", lambda shape: [ShapedArray(shape, _U32)] * 2, _iota_2x32_lowering,
    multiple_results=True)


def iota_2x32_shape(shape):
    """(high, low): the uint32 halves of the uint64 iota of prod(shape) reshaped to `shape`."""
    shape = tuple(shape)
    if not shape:
        return [full((), 0, _U32), full((), 0, _U32)]
    return bind(iota_2x32_shape_p, shape=shape)
