"""jnp.einsum (contraction order from opt_einsum, as JAX), einsum_path and kron against
NumPy, with JAX's dtype rules and errors, under jit, vmap and grad."""
import numpy as onp
import pytest

import op_records  # noqa: F401  (registry snapshot first, see op_records)
import xlafront as xf
from xlafront.numpy._einsum import einsum, einsum_path, kron
from xlafront.test_util import check_grads

from conftest import assert_close, rng_for

pytest.importorskip("opt_einsum")

f32 = onp.dtype(onp.float32)

SPECS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 4), (4, 5), (5, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("iji->ij", [(3, 2, 3)]),
    ("iij,jkk->ik", [(3, 3, 2), (2, 4, 4)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("...ij,...jk", [(5, 2, 3), (3, 4)]),
    ("ij,ij->ij", [(2, 1), (2, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ijk->kji", [(2, 3, 4)]),
    ("ijk->", [(2, 3, 4)]),
    ("ij,j", [(2, 3), (3,)]),
    ("i,i,i->", [(4,), (4,), (4,)]),
]


def _operands(shapes, *key, dtype=f32):
    rng = rng_for("einsum", tuple(shapes), *key)
    return [rng.uniform(-2, 2, s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("optimize", ["auto", True, False, "greedy"])
@pytest.mark.parametrize("spec,shapes", SPECS, ids=[s for s, _ in SPECS])
def test_values(spec, shapes, optimize):
    ops = _operands(shapes, spec)
    want = onp.einsum(spec, *[o.astype(onp.float64) for o in ops])
    assert_close(einsum(spec, *ops, optimize=optimize), want.astype(f32), atol=1e-5,
                 rtol=1e-5)


def test_forms_and_paths():
    a, b, c = _operands([(2, 3), (3, 4), (4, 5)], "forms")
    want = onp.einsum("ij,jk,kl->il", a, b, c)
    assert_close(einsum("ij,jk,kl->il", a, b, c, optimize=[(1, 2), (0, 1)]), want, atol=1e-5)
    assert_close(einsum(a, [0, 1], b, [1, 2], c, [2, 3], [0, 3]), want, atol=1e-5)
    assert_close(einsum(a, [0, 1], b, [1, 2]), onp.einsum(a, [0, 1], b, [1, 2]), atol=1e-5)
    path, info = einsum_path("ij,jk,kl->il", a, b, c)
    assert [tuple(p) for p in path] == [(0, 1), (0, 1)] and isinstance(str(info), str)
    path, _ = einsum_path("ij,jk,kl->il", a, b, c, optimize=False)
    assert path == [(0, 1), (0, 1)]
    # the optimal order contracts the small pair first
    x, y, z = onp.ones((20, 2)), onp.ones((2, 20)), onp.ones((20, 1))
    assert einsum_path("ij,jk,kl->il", x, y, z, optimize="optimal")[0] == [(1, 2), (0, 1)]
    # one dot_general per pairwise contraction
    jaxpr = xf.make_jaxpr(lambda a, b, c: einsum("ij,jk,kl->il", a, b, c))(a, b, c)
    assert sum(e.prim.name == "dot_general" for e in jaxpr.jaxpr.eqns) == 2


def test_dtypes():
    i8 = onp.ones((2, 3), onp.int8)
    # JAX's promotion: int8 with float32 computes in float32
    assert einsum("ij,jk", i8, onp.ones((3, 2), f32)).dtype == f32
    assert_close(einsum("ij,jk", i8, i8.T), onp.full((2, 2), 3, onp.int8))
    assert_close(einsum("ij,jk", i8, i8.T, preferred_element_type=onp.int32),
                 onp.full((2, 2), 3, onp.int32))
    assert_close(einsum("ij,jk", i8.astype(bool), i8.T.astype(bool)), onp.ones((2, 2), bool))
    out = einsum(",", 2.0, 3.0)
    assert out.weak_type and float(out) == 6.0
    assert not einsum("i,i", onp.ones(3, f32), onp.ones(3, f32)).weak_type
    c = (onp.arange(3) + 1j).astype(onp.complex64)
    assert_close(einsum("i,i", c, c), onp.einsum("i,i", c, c).astype(onp.complex64))


def test_errors():
    a = onp.ones((2, 3), f32)
    with pytest.raises(NotImplementedError, match="'out' argument"):
        einsum("ij->ij", a, out=a)
    with pytest.raises(TypeError, match="requires ndarray"):
        einsum("i,i", [1, 2], [3, 4])
    with pytest.raises(ValueError):
        einsum("ij,jk->ik", a, onp.ones((4, 2), f32))   # j: 3 vs 4 (opt_einsum's message)
    with pytest.raises(ValueError):
        einsum("ij,jk", a)                              # too few operands


def test_transforms(x64):
    a, b, c = _operands([(2, 3), (3, 4), (4, 2)], "transforms", dtype=onp.float64)
    f = lambda a, b, c: einsum("ij,jk,kl->li", a, b, c)  # noqa: E731
    assert_close(xf.jit(f)(a, b, c), onp.einsum("ij,jk,kl->li", a, b, c))
    batched = xf.vmap(f, in_axes=(0, None, 1))(onp.stack([a, 2 * a]), b,
                                               onp.stack([c, c], axis=1))
    assert_close(batched[1], 2 * onp.einsum("ij,jk,kl->li", a, b, c))
    check_grads(f, (a, b, c), order=2)
    check_grads(lambda x: einsum("iij,jkk->ik", x, x.transpose(2, 0, 1)[:, :2, :2]),
                (_operands([(2, 2, 2)], "diag", dtype=onp.float64)[0],), order=2)


@pytest.mark.parametrize("shapes", [((2,), (3,)), ((2, 3), (4, 5)), ((2,), (3, 4)),
                                    ((2, 3, 1), (2,)), ((), (3,))])
def test_kron(shapes):
    a, b = _operands(shapes, "kron")
    assert_close(kron(a, b), onp.kron(a, b).astype(f32), atol=1e-6)
    assert kron(onp.ones(2, onp.int8), onp.ones(2, f32)).dtype == f32
    with pytest.raises(TypeError, match="requires ndarray"):
        kron([1, 2], a)
