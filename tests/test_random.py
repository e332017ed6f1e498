"""xlafront.random: JAX 0.10.2's bits and the distributions' laws.

* Known answers: the vectors of JAX's random_kat file (KAT) and further calls covering every
  sampler's code paths (CROSS, CROSS_X64), written down from JAX 0.10.2 (threefry2x32,
  partitionable, CPU) and compared bit for bit; the raw hash against Random123's published
  threefry2x32_20 vectors and a NumPy implementation of the cipher.
* Laws: Kolmogorov-Smirnov tests against scipy.stats and moments, with fixed seeds.
* Keys (raw and typed), jit, vmap, grad (gamma's implicit gradient against the incomplete
  gamma function), and the errors for bad input.
"""
import math

import ml_dtypes
import numpy as onp
import pytest
import scipy.special
import scipy.stats

import xlafront as xf
import xlafront.numpy as jnp
from xlafront import random
from xlafront.lax import prng

bfloat16 = onp.dtype(ml_dtypes.bfloat16)
_UINT_OF = {1: onp.uint8, 2: onp.uint16, 4: onp.uint32, 8: onp.uint64, 16: onp.uint64}


def _env():
    """The names the table expressions use."""
    env = {name: getattr(random, name) for name in random.__all__}
    env.update(random=random, np=onp, jnp=jnp, jit=xf.jit, vmap=xf.vmap, grad=xf.grad,
               float16=onp.float16, bfloat16=bfloat16, uint8=onp.uint8)
    env.update(K=random.PRNGKey(42), T=random.key(42))
    return env


def _bits_of(x):
    """The raw bytes of an array, as unsigned integers of its item size."""
    x = onp.ascontiguousarray(x)
    return x.reshape(-1).view(_UINT_OF[x.dtype.itemsize])


def _check_known(expr, dtype, shape, values):
    got = eval(expr, _env())
    if isinstance(got, random.PRNGKeyArray):  # the file gives a typed key's data
        got = random.key_data(got)
    got = onp.asarray(got)
    assert got.dtype == onp.dtype(dtype) and got.shape == shape, (got.dtype, got.shape)
    if isinstance(values, str):  # raw bytes, hex
        want = onp.frombuffer(bytes.fromhex(values), dtype=onp.dtype(dtype))
    else:
        want = onp.array(values, onp.float64 if dtype == "bfloat16" else dtype).astype(dtype)
    if got.dtype.kind in "fc" and xf.runtime.compat.version[:2] != (0, 10):
        # The vectors are JAX 0.10.2's on jaxlib 0.10.2: the random bits stay exact on any
        # jaxlib, but another XLA may round log, exp or tan of them differently
        parts = lambda a: a.view(a.real.dtype) if a.dtype.kind == "c" else a  # noqa: E731
        got, want = parts(got), parts(want.reshape(shape))
        wide = onp.float64 if got.dtype.itemsize == 8 else onp.float32
        onp.testing.assert_array_max_ulp(got.astype(wide), want.astype(wide), maxulp=16)
    else:
        onp.testing.assert_array_equal(_bits_of(got), _bits_of(want.reshape(shape)),
                                       err_msg=expr)


KAT = [  # (expression, dtype, shape, values): JAX 0.10.2's outputs, from its random_kat file
    ('PRNGKey(0)', 'uint32', (2,), [0, 0]),
    ('split(PRNGKey(0))', 'uint32', (2, 2), [1797259609, 2579123966, 928981903, 3453687069]),
    ('split(PRNGKey(0), 4)', 'uint32', (4, 2),
     [1797259609, 2579123966, 928981903, 3453687069, 4146024105, 2718843009, 2467461003,
     3840466878]),
    ('fold_in(PRNGKey(0), 3)', 'uint32', (2,), [2467461003, 3840466878]),
    ('bits(PRNGKey(0), (7,))', 'uint32', (7,),
     [4070199207, 4202968722, 1427181096, 2012915765, 2447653815, 710830403, 1332275837]),
    ('uniform(PRNGKey(0), (2, 5))', 'float32', (2, 5),
     [0.9476670026779175, 0.9785798788070679, 0.33229148387908936, 0.46866846084594727,
     0.569888710975647, 0.16550302505493164, 0.31019461154937744, 0.6894805431365967,
     0.7467665672302246, 0.17101454734802246]),
    ('normal(PRNGKey(0), (9,))', 'float32', (9,),
     [1.622642159461975, 2.0252647399902344, -0.4335944354534149, -0.07861734926700592,
     0.17609089612960815, -0.9720892310142517, -0.49529874324798584, 0.49437859654426575,
     0.6643493175506592]),
    ('randint(PRNGKey(0), (8,), -5, 5)', 'int32', (8,), [4, -5, -3, -2, -4, 2, -3, -2]),
    ('PRNGKey(1)', 'uint32', (2,), [0, 1]),
    ('split(PRNGKey(1))', 'uint32', (2, 2), [507451445, 1853169794, 1948878966, 4237131848]),
    ('split(PRNGKey(1), 4)', 'uint32', (4, 2),
     [507451445, 1853169794, 1948878966, 4237131848, 2441914641, 3819641963, 3568232559,
     2761185182]),
    ('fold_in(PRNGKey(1), 3)', 'uint32', (2,), [3568232559, 2761185182]),
    ('bits(PRNGKey(1), (7,))', 'uint32', (7,),
     [1883912375, 2292451390, 1915204986, 1882898417, 3854144420, 2400655036, 4225756532]),
    ('uniform(PRNGKey(1), (2, 5))', 'float32', (2, 5),
     [0.4386324882507324, 0.5337529182434082, 0.44591832160949707, 0.4383963346481323,
     0.8973628282546997, 0.5589460134506226, 0.9838855266571045, 0.8419909477233887,
     0.38577961921691895, 0.6399573087692261]),
    ('normal(PRNGKey(1), (9,))', 'float32', (9,),
     [-0.15443718433380127, 0.08470727503299713, -0.135980486869812, -0.15503625571727753,
     1.266667366027832, 0.14829757809638977, 2.1415603160858154, 1.0026742219924927,
     -0.29033586382865906]),
    ('randint(PRNGKey(1), (8,), -5, 5)', 'int32', (8,), [1, 2, -5, -2, 3, -1, 3, -4]),
    ('PRNGKey(7)', 'uint32', (2,), [0, 7]),
    ('split(PRNGKey(7))', 'uint32', (2, 2), [3625411723, 1954958720, 195045567, 4062205631]),
    ('split(PRNGKey(7), 4)', 'uint32', (4, 2),
     [3625411723, 1954958720, 195045567, 4062205631, 966301609, 1948237315, 276534068,
     1641862660]),
    ('fold_in(PRNGKey(7), 3)', 'uint32', (2,), [276534068, 1641862660]),
    ('bits(PRNGKey(7), (7,))', 'uint32', (7,),
     [2895194379, 4185947648, 1300703658, 1906787632, 3139134342, 2709822315, 1926509400]),
    ('uniform(PRNGKey(7), (2, 5))', 'float32', (2, 5),
     [0.6740899085998535, 0.9746168851852417, 0.3028435707092285, 0.4439585208892822,
     0.7308865785598755, 0.6309295892715454, 0.44855034351348877, 0.4114811420440674,
     0.06976401805877686, 0.08973217010498047]),
    ('normal(PRNGKey(7), (9,))', 'float32', (9,),
     [0.4512351453304291, 1.9534509181976318, -0.5162394642829895, -0.14094029366970062,
     0.6154966950416565, 0.3343164920806885, -0.12932467460632324, -0.2237364947795868,
     -1.4775506258010864]),
    ('randint(PRNGKey(7), (8,), -5, 5)', 'int32', (8,), [4, -3, -5, 2, -3, 1, -1, -1]),
    ('PRNGKey(123456789)', 'uint32', (2,), [0, 123456789]),
    ('split(PRNGKey(123456789))', 'uint32', (2, 2),
     [104406182, 1336039183, 3209854053, 248229405]),
    ('split(PRNGKey(123456789), 4)', 'uint32', (4, 2),
     [104406182, 1336039183, 3209854053, 248229405, 1967704197, 330388035, 3699939943,
     1761669608]),
    ('fold_in(PRNGKey(123456789), 3)', 'uint32', (2,), [3699939943, 1761669608]),
    ('bits(PRNGKey(123456789), (7,))', 'uint32', (7,),
     [1234914217, 2979648120, 1727634118, 3045616527, 1956778536, 3263888465, 533180744]),
    ('uniform(PRNGKey(123456789), (2, 5))', 'float32', (2, 5),
     [0.2875257730484009, 0.6937533617019653, 0.4022461175918579, 0.7091127634048462,
     0.45559799671173096, 0.7599332332611084, 0.12414073944091797, 0.13348495960235596,
     0.31480538845062256, 0.09155845642089844]),
    ('normal(PRNGKey(123456789), (9,))', 'float32', (9,),
     [-0.5606274008750916, 0.5065178275108337, -0.24753747880458832, 0.550794780254364,
     -0.11153002083301544, 0.7060878872871399, -1.1545333862304688, -1.110067367553711,
     -0.48227474093437195]),
    ('randint(PRNGKey(123456789), (8,), -5, 5)', 'int32', (8,), [-4, -5, -4, -2, 4, 3, -5, 2]),
    ('PRNGKey(2147483647)', 'uint32', (2,), [0, 2147483647]),
    ('split(PRNGKey(2147483647))', 'uint32', (2, 2),
     [3894554595, 3657610310, 2391852627, 3342111533]),
    ('split(PRNGKey(2147483647), 4)', 'uint32', (4, 2),
     [3894554595, 3657610310, 2391852627, 3342111533, 1746298583, 1015193934, 911888559,
     1412594465]),
    ('fold_in(PRNGKey(2147483647), 3)', 'uint32', (2,), [911888559, 1412594465]),
    ('bits(PRNGKey(2147483647), (7,))', 'uint32', (7,),
     [840997797, 1235506558, 1419036569, 1650994062, 3053628459, 3320296850, 38724216]),
    ('uniform(PRNGKey(2147483647), (2, 5))', 'float32', (2, 5),
     [0.1958099603652954, 0.28766369819641113, 0.3303951025009155, 0.38440191745758057,
     0.7109782695770264, 0.7730667591094971, 0.009016156196594238, 0.11052465438842773,
     0.8720788955688477, 0.8894221782684326]),
    ('normal(PRNGKey(2147483647), (9,))', 'float32', (9,),
     [-0.8566831350326538, -0.5602229237556458, -0.4388223886489868, -0.29393982887268066,
     0.5562450289726257, 0.748984694480896, -2.364952564239502, -1.2237426042556763,
     1.1362735033035278]),
    ('randint(PRNGKey(2147483647), (8,), -5, 5)', 'int32', (8,), [2, -4, 1, -3, 3, 0, 4, 3]),
    ('key(5)', 'uint32', (2,), [0, 5]),
    ('uniform(PRNGKey(3), (3,), minval=-2.0, maxval=4.0)', 'float32', (3,),
     [-1.5556845664978027, 3.628865957260132, 1.8937420845031738]),
    ('uniform(PRNGKey(3), (4,), dtype=bfloat16)', 'bfloat16', (4,),
     [0.4921875, 0.765625, 0.8671875, 0.1875]),
    ('normal(PRNGKey(3), (2,), dtype=float16)', 'float16', (2,), [-1.203125, -0.7392578125]),
    ('bits(PRNGKey(3), (5,), dtype=uint8)', 'uint8', (5,), [126, 197, 222, 48, 174]),
    ('truncated_normal(PRNGKey(3), -1.0, 1.0, (5,))', 'float32', (5,),
     [-0.8091647624969482, 0.8384696245193481, 0.2577275037765503, 0.9334316253662109,
     -0.3888303339481354]),
    ('bernoulli(PRNGKey(3), 0.7, (10,))', 'bool', (10,), [1, 0, 1, 0, 1, 1, 1, 1, 1, 1]),
    ('permutation(PRNGKey(3), 12)', 'int32', (12,), [0, 5, 6, 7, 10, 4, 2, 1, 3, 9, 11, 8]),
    ('choice(PRNGKey(3), 20, (4,), replace=False)', 'int32', (4,), [0, 14, 5, 17]),
    ('choice(PRNGKey(3), 5, (6,), p=[0.1, 0.2, 0.3, 0.2, 0.2])', 'int32', (6,),
     [4, 0, 2, 0, 3, 2]),
    ('categorical(PRNGKey(3), [[0.0, 1.0, 3.0], [2.0, 0.0, -1.0]], shape=(5, 2))', 'int32', (5, 2),
     [2, 0, 2, 0, 2, 0, 2, 0, 2, 0]),
    ('gamma(PRNGKey(3), 2.5, (5,))', 'float32', (5,),
     [0.9447551369667053, 1.16017484664917, 6.683927536010742, 1.0400608777999878,
     0.2714328467845917]),
    ('beta(PRNGKey(3), 2.0, 3.0, (4,))', 'float32', (4,),
     [0.13563720881938934, 0.4228614270687103, 0.38938039541244507, 0.1966119110584259]),
    ('exponential(PRNGKey(3), (4,))', 'float32', (4,),
     [0.07693781703710556, 2.7829513549804688, 1.046846628189087, 3.7140326499938965]),
    ('gumbel(PRNGKey(3), (4,))', 'float32', (4,),
     [-0.9566569328308105, 2.7511956691741943, 0.8384301662445068, 3.7017173767089844]),
    ('laplace(PRNGKey(3), (4,))', 'float32', (4,),
     [1.90983247756958, -2.0898046493530273, -0.3536995053291321, -3.0208866596221924]),
    ('cauchy(PRNGKey(3), (4,))', 'float32', (4,),
     [-4.2205963134765625, 5.081071853637695, 0.5054053068161011, 13.031174659729004]),
    ('logistic(PRNGKey(3), (4,))', 'float32', (4,),
     [-2.5260419845581055, 2.719099998474121, 0.6144578456878662, 3.6893515586853027]),
    ('poisson(PRNGKey(3), 3.0, (6,))', 'int32', (6,), [0, 4, 2, 4, 7, 1]),
    ('dirichlet(PRNGKey(3), [1.0, 2.0, 3.0])', 'float32', (3,),
     [0.014232327230274677, 0.09605158865451813, 0.8897160887718201]),
    ('multivariate_normal(PRNGKey(3), [0.0, 1.0], [[2.0, 0.5], [0.5, 1.0]], (3,))',
     'float32', (3, 2),
     [-2.045316219329834, 1.9286301136016846, 0.5409455299377441, 2.978659152984619,
     -0.8310871720314026, 0.988118588924408]),
    ('rademacher(PRNGKey(3), (6,))', 'int32', (6,), [1, -1, -1, -1, 1, -1]),
    ('orthogonal(PRNGKey(3), 3)', 'float32', (3, 3),
     [-0.527179479598999, 0.7591920495033264, -0.38171905279159546, 0.7183464765548706,
     0.15819141268730164, -0.6774613261222839, -0.45393848419189453, -0.6313502192497253,
     -0.6287581324577332]),
    ('vmap(lambda k: normal(k, (2,)))(split(PRNGKey(3), 3))', 'float32', (3, 2),
     [-2.3783397674560547, -1.7061667442321777, -1.9432215690612793, 0.10481610149145126,
     -0.5877813696861267, -2.455145835876465]),
    ('jit(lambda k: uniform(k, (3,)))(PRNGKey(3))', 'float32', (3,),
     [0.07405257225036621, 0.938144326210022, 0.6489570140838623]),
]

CROSS = [
    ('bits(K, (5,), dtype=np.uint8)', 'uint8', (5,), [162, 217, 249, 215, 21]),
    ('bits(K, (5,), dtype=np.uint16)', 'uint16', (5,), [5026, 12505, 63993, 49623, 29461]),
    ('bits(K, (2,3))',
     'uint32', (2, 3), [2098992034, 2919706841, 2646866425, 2409546199, 1935504149, 2516274904]),
    ('bits(K)', 'uint32', (), [2098992034]),
    ('key_data(split(T, (2,3)))',
     'uint32', (2, 3, 2),
     [1832780943, 270669613, 64467757, 2916123636, 2465931498, 255383827, 3134548294, 894150801,
     2954079971, 3276725750, 2765691542, 824333390]),
    ('key_data(fold_in(T, 7))', 'uint32', (2,), [2547012911, 1371500959]),
    ('split(K, 5)',
     'uint32', (5, 2),
     [1832780943, 270669613, 64467757, 2916123636, 2465931498, 255383827, 3134548294, 894150801,
     2954079971, 3276725750]),
    ('fold_in(K, jnp.uint32(123))', 'uint32', (2,), [2238821533, 719561804]),
    ('uniform(K, (7,), dtype=np.float16)', 'float16', (7,), 'e02c1832ce3b0e3a3037ec34bc39'),
    ('uniform(K, (3,4), minval=jnp.arange(4.), maxval=10.)',
     'float32', (3, 4),
     '16639c4016c8e340f8c3dd40e8aadd40ce349040b8bac8406c4d2640a0d00641beaadf401de205419aad9940'
     '7fc11141'),
    ('normal(K, (3,), dtype=jnp.bfloat16)', 'bfloat16', (3,), 'b03e823ff23f'),
    ('normal(K, (4,), dtype=np.complex64)',
     'complex64', (4,), '62e75b3d5c4fdb3e2913b0be76a4103faf92693f8b8824bf9e1ebc3ee0fce5be'),
    ('normal(T, (2,2))', 'float32', (2, 2), '15dfe7bce82bef3e6166973e243b1d3e'),
    ('randint(K, (6,), 0, 256, dtype=np.uint8)', 'uint8', (6,), [196, 18, 183, 193, 141, 107]),
    ('randint(K, (6,), -128, 127, dtype=np.int8)', 'int8', (6,), [61, -119, -122, -109, 66, 31]),
    ('randint(K, (6,), 0, 10, dtype=np.uint32)', 'uint32', (6,), [4, 4, 1, 9, 9, 9]),
    ('randint(K, (2,3), jnp.array([0,10,100]), 1000)',
     'int32', (2, 3), [644, 484, 271, 369, 399, 619]),
    ('randint(K, (4,), 5, 3)', 'int32', (4,), [5, 5, 5, 5]),
    ('randint(K, (4,), -2**31, 2**31-1)',
     'int32', (4,), [977810628, 1236381714, -1367112521, -1019495231]),
    ('permutation(K, 10)', 'int32', (10,), [7, 4, 2, 5, 3, 6, 8, 9, 0, 1]),
    ('permutation(K, jnp.arange(12.).reshape(3,4), axis=1)',
     'float32', (3, 4),
     '0000004000004040000000000000803f0000c0400000e040000080400000a040000020410000304100000041'
     '00001041'),
    ('permutation(K, jnp.arange(12.).reshape(3,4), axis=1, independent=True)',
     'float32', (3, 4),
     '0000004000004040000000000000803f0000e040000080400000a0400000c040000020410000304100000041'
     '00001041'),
    ('permutation(K, jnp.arange(12).reshape(4,3))',
     'int32', (4, 3), [6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5]),
    ('choice(K, 10, (3,))', 'int32', (3,), [4, 4, 1]),
    ('choice(K, jnp.arange(20.).reshape(4,5), (2,), axis=1)',
     'float32', (4, 2), '0000804000008040000010410000104100006041000060410000984100009841'),
    ('choice(K, 10, (4,), replace=False)', 'int32', (4,), [7, 4, 2, 5]),
    ('choice(K, jnp.arange(8.).reshape(4,2), (3,), replace=False)',
     'float32', (3, 2), '000080400000a0400000c0400000e040000000000000803f'),
    ('choice(K, 6, (2,3), replace=False, p=jnp.array([.1,.2,.3,.1,.2,.1]))',
     'int32', (2, 3), [2, 1, 4, 5, 3, 0]),
    ('choice(K, 6, (5,), p=jnp.array([.1,.2,.3,.1,.2,.1]))', 'int32', (5,), [2, 2, 2, 2, 2]),
    ('categorical(K, jnp.array([1.,2.,3.]), shape=(4,))', 'int32', (4,), [2, 2, 2, 2]),
    ('categorical(K, jnp.array([[1.,2.,3.],[0.,0.,5.]]), axis=0)', 'int32', (3,), [0, 0, 1]),
    ('categorical(K, jnp.array([[1.,2.,3.],[0.,0.,5.]]), shape=(2,2), replace=False)',
     'int32', (2, 2), [2, 2, 1, 0]),
    ('categorical(K, jnp.zeros((2,5)), shape=(3,2), replace=False)',
     'int32', (3, 2), [1, 4, 2, 2, 3, 3]),
    ('truncated_normal(K, -2., jnp.array([0.,1.,2.]))',
     'float32', (3,), '68e027bfd3b74c3e3152903e'),
    ('truncated_normal(K, 0.5, 3., (4,), dtype=np.float16)', 'float16', (4,), '8a386439ba40b93d'),
    ('bernoulli(K, jnp.array([.1,.5,.9]))', 'bool', (3,), [0, 0, 1]),
    ("bernoulli(K, 0.3, (5,), mode='high')", 'bool', (5,), [0, 0, 0, 0, 0]),
    ('gamma(K, jnp.array([0.1, 0.5, 1., 3., 10.]))',
     'float32', (5,), '91272d3cac9e013fb87600407be5fe3f93b7f540'),
    ('gamma(K, 0.01, (4,))', 'float32', (4,), 'e371281998671133b2be242d00000000'),
    ('gamma(K, 2., (3,), dtype=jnp.bfloat16)', 'bfloat16', (3,), '364027401740'),
    ('loggamma(K, jnp.array([0.001, 0.5, 5.]))', 'float32', (3,), '197b06c4f2392ebfb35f0040'),
    ('beta(K, jnp.array([.5, 1., 2.]), 3.)', 'float32', (3,), '5dd1413e34040e3d190a233f'),
    ('beta(K, 0.1, 0.2, (4,))', 'float32', (4,), '38fb5a3fa0ff7f3f450ed33e3676dd31'),
    ('dirichlet(K, jnp.array([.5, 1., 2.]), (2,))',
     'float32', (2, 3), '35c4533e71838c3d857e393f7593d23cc9f1263ef3ae4f3f'),
    ('poisson(K, jnp.array([0., 0.5, 3., 9.9, 10., 50., 1000.]))',
     'int32', (7,), [0, 1, 2, 7, 5, 43, 983]),
    ('poisson(K, 4., (5,), dtype=np.int16)', 'int16', (5,), [6, 3, 2, 2, 5]),
    ('binomial(K, jnp.array([5., 20., 100., 1000.]), jnp.array([.3, .7, .5, .02]))',
     'float32', (4,), '0000803f0000504100005c4200008841'),
    ('binomial(K, 10., 0.4, (6,))',
     'float32', (6,), '000040400000c04000004040000080400000c04000004040'),
    ('multinomial(K, 10., jnp.array([.2, .3, .5]))', 'float32', (3,), '0000803f000000400000e040'),
    ('multinomial(K, jnp.array([5., 50.]), jnp.array([[.2, .3, .5],[.1,.1,.8]]))',
     'float32', (2, 3), '000000000000803f00008040000080400000e04000001c42'),
    ('t(K, 3., (4,))', 'float32', (4,), '4510b83df32cdebf7b87164032ee943f'),
    ('chisquare(K, jnp.array([1., 2., 7.]))', 'float32', (3,), '3cdcff3f64c5293f64bc3041'),
    ('f(K, 3., 5., (4,))', 'float32', (4,), '08763a3ff0beb63e0f43713eef5d1f3e'),
    ('exponential(K, (4,), dtype=np.float16)', 'float16', (4,), '122dc3326d43a83d'),
    ('laplace(K, (4,))', 'float32', (4,), '391abb3cb42ce4be358387bed54405be'),
    ('logistic(K, (4,))', 'float32', (4,), '900339bd1cba403faa8ff23e742c7b3e'),
    ('cauchy(K, (4,))', 'float32', (4,), '555811bde03b223f40cfc33e78ba463e'),
    ('gumbel(K, (4,))', 'float32', (4,), '4a0eab3e8cb7733f5fbc393ff8540c3f'),
    ("gumbel(K, (4,), mode='high')", 'float32', (4,), '8b6bcc3e541805bed184303d421c473e'),
    ("gumbel(K, (5,), mode='highest')",
     'float32', (5,), '856bcc3e621805be7d84303d2b1c473eb631033f'),
    ('pareto(K, 3., (4,))', 'float32', (4,), 'f012a03ffe18bb3ff224b03f886ba83f'),
    ('pareto(K, jnp.array([1., 2.]))', 'float32', (2,), 'd258fa3fd633e23f'),
    ('weibull_min(K, 2., 1.5, (4,))', 'float32', (4,), 'b62cc43f02960b40ecbff83f35e0e03f'),
    ('rayleigh(K, 2., (4,))', 'float32', (4,), 'dd2b194052ebe03f68e3fb3f7d9f0940'),
    ('maxwell(K, (4,))', 'float32', (4,), '95b70d3f7629963e81b3da3f2515c13f'),
    ('double_sided_maxwell(K, 1., 2., (4,))', 'float32', (4,), 'a48ae1bfd0e7b3be9935ae406c781640'),
    ('double_sided_maxwell(K, jnp.zeros(2), 1.)',
     'float32', (2, 2), '52c5b0bff4f92cbf99350e40d7f02c3f'),
    ('geometric(K, 0.3, (5,))', 'int32', (5,), [3, 2, 2, 2, 3]),
    ('geometric(K, jnp.array([.1, .9]))', 'int32', (2,), [7, 1]),
    ('triangular(K, 0., 1., 3., (4,))', 'float32', (4,), 'f0ce9f3ff194ce3f42c7bd3fd043b03f'),
    ('lognormal(K, 0.5, (4,))', 'float32', (4,), '0c677c3f22ada13f4765943fc9368a3f'),
    ('lognormal(K, shape=(3,), dtype=np.complex64)',
     'complex64', (3,), '52b7753ff964e03ebb4b193f235dc23eef27ff3f1b0dbfbf'),
    ('rademacher(K, (6,))', 'int32', (6,), [1, -1, -1, -1, 1, -1]),
    ('rademacher(K, (4,), dtype=np.float32)', 'float32', (4,), '0000803f000080bf000080bf000080bf'),
    ('generalized_normal(K, 1.5, (4,))', 'float32', (4,), '2dd460bf401c53be508a943ff1f4d03d'),
    ('ball(K, 3, shape=(2,))',
     'float32', (2, 3), 'fc94a53e573e7b3d2873953c18dedf3e74ce9dbd5208b83e'),
    ('ball(K, 2, p=1)', 'float32', (2,), '35380b3f80002a3d'),
    ('wald(K, 2., (4,))', 'float32', (4,), '6d800e40a45f7b405069c73e2a68793f'),
    ('vmap(lambda k: gamma(k, 2.5, (3,)))(split(K, 2))',
     'float32', (2, 3), 'f0c51c4079c50c3f0b624c4066370240d528f93ee27c8e3f'),
    ('vmap(lambda a: gamma(K, a))(jnp.array([0.5, 2., 8.]))',
     'float32', (3,), '3bdc7f3f830a6b4074f63541'),
    ('vmap(lambda k, a: beta(k, a, 2.))(split(K, 3), jnp.array([0.5, 2., 8.]))',
     'float32', (3,), 'def8ac3ea0a6993e4bcc5e3f'),
    ('jit(lambda k: poisson(k, 5., (3,)))(K)', 'int32', (3,), [7, 4, 3]),
    ('vmap(lambda k: permutation(k, 5))(split(K, 3))',
     'int32', (3, 5), [1, 3, 0, 2, 4, 2, 0, 4, 3, 1, 0, 1, 4, 2, 3]),
    ('vmap(lambda k: randint(k, (3,), 0, 10))(split(K, 2))', 'int32', (2, 3), [4, 1, 9, 5, 2, 4]),
    ('vmap(lambda k: choice(k, 5, (2,), replace=False))(split(K, 2))',
     'int32', (2, 2), [1, 3, 2, 0]),
    ('grad(lambda a: gamma(K, a, (3,)).sum())(2.5)', 'float32', (), 'd64f6540'),
    ('grad(lambda a: gamma(K, a, (3,)).sum())(0.3)', 'float32', (), 'a305c740'),
    ('grad(lambda a: loggamma(K, a, (3,)).sum())(0.3)', 'float32', (), '650d3e41'),
    ('grad(lambda a: beta(K, a, 2., (3,)).sum())(1.5)', 'float32', (), '89143f3f'),
    ('grad(lambda s: (normal(K, (3,)) * s).sum())(2.0)', 'float32', (), '2c0a3c3f'),
    ('grad(lambda lo: uniform(K, (3,), minval=lo, maxval=5.).sum())(1.0)',
     'float32', (), '638c9b3f'),
    ('grad(lambda lo: truncated_normal(K, lo, 2., (3,)).sum())(-1.0)', 'float32', (), 'ebcc4b3f'),
    ('vmap(lambda a: grad(lambda a: gamma(K, a))(a))(jnp.array([0.5, 2., 8.]))',
     'float32', (3,), '265bf03ffd94b93f29069b3f'),
    ('gamma(K, jnp.array([[1., 2.], [3., 4.]]), (3, 2, 2))',
     'float32', (3, 2, 2),
     '174d094049d38b3fb0b69b409c453740eb6a7d3e11a19d3fab69ea3fb23a283f0ada433cad4b054034b71f40'
     'ab6f7040'),
    ('uniform(K, (3,), dtype=np.float64)', 'float32', (3,), '2438fa3e30072e3ff8c31d3f'),
    ("multivariate_normal(K, jnp.zeros(3), jnp.array([[2.,.5,.1],[.5,1.,.2],[.1,.2,3.]]), (2,), method='eigh')",
     'float32', (2, 3), 'bcc7093f8da54b3e4a4624bf883b34beb76677beeb82a6be'),
    ("multivariate_normal(K, jnp.zeros(3), jnp.array([[2.,.5,.1],[.5,1.,.2],[.1,.2,3.]]), (2,), method='svd')",
     'float32', (2, 3), '8e273c3fcbac1e3cb4aa8ebda4d10cbecfa58ebede715abe'),
    ('multivariate_normal(K, jnp.ones((2,3)), jnp.array([[2.,.5,.1],[.5,1.,.2],[.1,.2,3.]]))',
     'float32', (2, 3), 'adc0753f73a6b63fb30ccc3f77cb9b3f1c32703fb730ae3f'),
    ('multivariate_normal(K, jnp.zeros(2), jnp.stack([jnp.eye(2), 2*jnp.eye(2)]))',
     'float32', (2, 2), '15dfe7bce82bef3ea01cd63eb55b5e3e'),
    ('orthogonal(K, 2, shape=(2,))',
     'float32', (2, 2, 2), '6024c3bdd1d57e3fd1d57e3f6924c33d20a5afbd860e7f3f860e7fbf3aa5afbd'),
    ('orthogonal(K, 2, m=3)',
     'float32', (2, 3), '4013b4bdcd286b3f8946c5bea74c5f3fa1fe833e07c5d43e'),
    ('orthogonal(K, 3, m=2)',
     'float32', (3, 2), '4013b4bda74c5f3fcd286b3fa1fe833e8946c5be07c5d43e'),
    ('maxwell(K, (2,3))', 'float32', (2, 3), '95b70d3f7629963e81b3da3f2515c13fbb2ce73f49658b3f'),
]
CROSS_X64 = [
    ('bits(K, (3,))',
     'uint64', (3,), [7871734211187709741, 276886910877598708, 10591095138341673235]),
    ('uniform(K, (3,))', 'float64', (3,), '8408c423814fdb3f00846e6d99bd8e3f1ae7411d645fe23f'),
    ('normal(K, (3,))', 'float64', (3,), '5921966ca2a4c7bf3abaa7facc5b01c06004b51081edc73f'),
    ('randint(K, (4,), 0, 2**40)',
     'int64', (4,), [1035216336437, 739902740158, 138006711447, 1022492192815]),
    ('PRNGKey(2**40 + 7)', 'uint32', (2,), [256, 7]),
    ('PRNGKey(-5)', 'uint32', (2,), [4294967295, 4294967291]),
    ('gamma(K, 2.5, (3,))', 'float64', (3,), '46778a8df50307407fee3f9a6d29fe3f6e9d217544071740'),
    ('poisson(K, 30., (3,))', 'int64', (3,), [34, 35, 24]),
    ('choice(K, 5, (3,), p=jnp.array([.1,.2,.3,.2,.2]))', 'int64', (3,), [2, 4, 2]),
    ('permutation(K, 6)', 'int64', (6,), [4, 2, 5, 3, 0, 1]),
    ('normal(K, (2,), dtype=np.complex128)',
     'complex128', (2,), 'b975e2706d4ce0bfbaeb373f2769dd3fd3a32f3bbe96c7bf73b6ce476972b53f'),
]


@pytest.mark.parametrize("expr,dtype,shape,values", KAT, ids=[c[0] for c in KAT])
def test_known_answers(expr, dtype, shape, values):
    _check_known(expr, dtype, shape, values)


def test_known_answers_cover_the_file():
    assert len(KAT) == 65


@pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64")  # as JAX warns
@pytest.mark.parametrize("expr,dtype,shape,values", CROSS, ids=[c[0] for c in CROSS])
def test_cross_checks(expr, dtype, shape, values):
    _check_known(expr, dtype, shape, values)


@pytest.mark.parametrize("expr,dtype,shape,values", CROSS_X64, ids=[c[0] for c in CROSS_X64])
def test_cross_checks_x64(x64, expr, dtype, shape, values):
    _check_known(expr, dtype, shape, values)


# ---------------------------------------------------------------------------------------
# The threefry2x32 hash

def _threefry_reference(k1, k2, x1, x2):
    """Threefry-2x32 with 20 rounds in NumPy (Salmon et al., SC 2011)."""
    k1, k2, x1, x2 = onp.broadcast_arrays(*(onp.asarray(v, onp.uint32) for v in (k1, k2, x1, x2)))
    rotl = lambda v, d: (v << onp.uint32(d)) | (v >> onp.uint32(32 - d))  # noqa: E731
    ks = [k1, k2, k1 ^ k2 ^ onp.uint32(0x1BD11BDA)]
    rotations = ((13, 15, 26, 6), (17, 29, 16, 24))
    with onp.errstate(over="ignore"):
        x = [x1 + ks[0], x2 + ks[1]]
        for i in range(5):
            for r in rotations[i % 2]:
                x[0] = x[0] + x[1]
                x[1] = rotl(x[1], r) ^ x[0]
            x[0] = x[0] + ks[(i + 1) % 3]
            x[1] = x[1] + ks[(i + 2) % 3] + onp.uint32(i + 1)
    return x


# Random123's kat_vectors for threefry2x32_20: (key, counter) -> output
RANDOM123 = [
    ((0, 0), (0, 0), (0x6b200159, 0x99ba4efe)),
    ((0xffffffff, 0xffffffff), (0xffffffff, 0xffffffff), (0x1cb996fc, 0xbb002be7)),
    ((0x13198a2e, 0x03707344), (0x243f6a88, 0x85a308d3), (0xc4923a9c, 0x483df7a0)),
]


@pytest.mark.parametrize("key,counter,expected", RANDOM123)
def test_threefry_random123_vectors(key, counter, expected):
    args = [onp.uint32(v) for v in (*key, *counter)]
    ways = {"primitive": prng.threefry2x32, "jit": xf.jit(prng.threefry2x32),
            # the cipher written with lax ops (its lowering), traced as plain ops
            "lax ops": prng._threefry_fun, "lax ops jit": xf.jit(prng._threefry_fun)}
    for name, fn in ways.items():
        assert [int(v) for v in fn(*args)] == list(expected), name
    assert [int(v) for v in _threefry_reference(*args)] == list(expected)


def test_threefry_matches_reference_with_broadcasting_and_vmap():
    rng = onp.random.default_rng(0)
    u32 = lambda *s: rng.integers(0, 2 ** 32, s, dtype=onp.uint32)  # noqa: E731
    k1, k2, x1, x2 = u32(4, 1), u32(4, 1), u32(1, 5), u32(4, 5)
    want = _threefry_reference(k1, k2, x1, x2)
    for fn in (prng.threefry2x32, prng._threefry_fun):
        got = fn(k1, k2, x1, x2)
        for g, w in zip(got, want):
            onp.testing.assert_array_equal(onp.asarray(g), w)
    # scalar keys, and vmap over the keys (the batched keys stay (batch, 1) inside)
    got = prng.threefry2x32(k1[0, 0], k2[0, 0], x1[0], x2[0])
    onp.testing.assert_array_equal(onp.asarray(got[0]), _threefry_reference(
        k1[0, 0], k2[0, 0], x1[0], x2[0])[0])
    got = xf.vmap(prng.threefry2x32, in_axes=(0, 0, None, 0))(k1[:, 0], k2[:, 0], x1[0], x2)
    onp.testing.assert_array_equal(onp.asarray(got[1]), want[1])
    with pytest.raises(TypeError, match="uint32"):
        prng.threefry2x32(onp.int32(1), k2[0, 0], x1[0], x2[0])
    with pytest.raises(TypeError, match="broadcast"):
        prng.threefry2x32(k1[0, 0], k2[0, 0], u32(3), u32(4))


def test_threefry_2x32_flat_counts():
    """JAX's threefry_2x32(keypair, count): the first half of the counts as x1, the second
    as x2 (an odd count padded with a 0)."""
    key = (onp.uint32(7), onp.uint32(9))
    for n in (4, 5):
        count = onp.arange(n, dtype=onp.uint32)
        padded = onp.concatenate([count, onp.zeros(n % 2, onp.uint32)])
        half = len(padded) // 2
        y1, y2 = _threefry_reference(*key, padded[:half], padded[half:])
        onp.testing.assert_array_equal(onp.asarray(prng.threefry_2x32(key, count)),
                                       onp.concatenate([y1, y2])[:n])


def test_bits_split_fold_in_follow_the_hash():
    """bits, split and fold_in hash 64-bit counters (iota_2x32_shape), as JAX's
    partitionable threefry does."""
    key = onp.array([3, 17], onp.uint32)
    hi, lo = (onp.asarray(v) for v in prng.iota_2x32_shape((2, 3)))
    onp.testing.assert_array_equal(hi, onp.zeros((2, 3), onp.uint32))
    onp.testing.assert_array_equal(lo, onp.arange(6, dtype=onp.uint32).reshape(2, 3))
    y1, y2 = _threefry_reference(key[0], key[1], hi, lo)
    onp.testing.assert_array_equal(onp.asarray(random.bits(key, (2, 3))), y1 ^ y2)
    onp.testing.assert_array_equal(onp.asarray(random.split(key, (2, 3))),
                                   onp.stack([y1, y2], -1))
    onp.testing.assert_array_equal(onp.asarray(random.fold_in(key, 5)), onp.array(
        [v[()] for v in _threefry_reference(key[0], key[1], 0, 5)], onp.uint32))
    onp.testing.assert_array_equal(onp.asarray(random.bits(key, (3,), onp.uint8)),
                                   (y1 ^ y2).reshape(-1)[:3].astype(onp.uint8))
    high, low = (v.reshape(-1)[:2].astype(onp.uint64) for v in (y1, y2))
    # 64-bit bits need x64; the 32-bit halves make them: (y1 << 32) | y2
    with xf.enable_x64(True):
        onp.testing.assert_array_equal(onp.asarray(random.bits(key, (2,), onp.uint64)),
                                       (high << onp.uint64(32)) | low)
    assert [onp.asarray(v).shape for v in prng.iota_2x32_shape(())] == [(), ()]
    onp.testing.assert_array_equal(
        onp.asarray(xf.jit(lambda: prng.iota_2x32_shape((2, 3)))()[1]), lo)


# ---------------------------------------------------------------------------------------
# Keys

def test_raw_keys_from_seeds():
    cases = {0: [0, 0], 7: [0, 7], -1: [0, 0xFFFFFFFF], 2 ** 31: [0, 2 ** 31],
             2 ** 40 + 5: [0, 5]}  # with x64 off a Python int wraps to 32 bits, as in JAX
    for seed, data in cases.items():
        key = random.PRNGKey(seed)
        assert key.dtype == onp.uint32 and key.shape == (2,)
        assert onp.asarray(key).tolist() == data, seed
    assert onp.asarray(random.PRNGKey(onp.uint32(5))).tolist() == [0, 5]
    assert onp.asarray(random.PRNGKey(jnp.int32(-2))).tolist() == [0, 2 ** 32 - 2]
    keys = xf.vmap(random.PRNGKey)(jnp.arange(3))
    assert onp.asarray(keys).tolist() == [[0, 0], [0, 1], [0, 2]]


def test_raw_keys_from_64_bit_seeds(x64):
    assert onp.asarray(random.PRNGKey(2 ** 40 + 7)).tolist() == [256, 7]
    assert onp.asarray(random.PRNGKey(onp.int64(-5))).tolist() == [2 ** 32 - 1, 2 ** 32 - 5]
    assert onp.asarray(random.PRNGKey(onp.uint64(2 ** 63))).tolist() == [2 ** 31, 0]


def test_typed_keys():
    key = random.key(42)
    assert key.shape == () and key.ndim == 0 and key.size == 1
    assert key.dtype == random.key_dtype() == random.key_dtype("threefry2x32")
    assert key.dtype.name == "key<fry>" and repr(key.dtype) == "key<fry>"
    assert key.dtype.itemsize == 8 and key.itemsize == 8
    assert jnp.issubdtype(key.dtype, xf.dtypes.prng_key)
    assert jnp.issubdtype(key.dtype, xf.dtypes.extended)
    assert not jnp.issubdtype(key.dtype, jnp.integer)
    assert not jnp.issubdtype(onp.uint32, xf.dtypes.prng_key)
    data = random.key_data(key)
    assert data.dtype == onp.uint32 and onp.asarray(data).tolist() == [0, 42]
    assert bool(random.wrap_key_data(data) == key)
    assert bool(random.wrap_key_data(data, impl="threefry2x32") == key)
    assert random.key_impl(key) == random.key_impl(random.PRNGKey(0)) == "threefry2x32"
    assert repr(key).startswith("Array((), dtype=key<fry>) overlaying:")
    assert random.key(3, dtype=random.key_dtype()).dtype == key.dtype


def test_key_functions_return_the_kind_they_get():
    typed, raw = random.key(1), random.PRNGKey(1)
    for fn in (random.split, lambda k: random.fold_in(k, 3), random.clone):
        t, r = fn(typed), fn(raw)
        assert isinstance(t, random.PRNGKeyArray) and not isinstance(r, random.PRNGKeyArray)
        onp.testing.assert_array_equal(onp.asarray(random.key_data(t)), onp.asarray(r))
    assert random.split(typed, (2, 3)).shape == (2, 3)
    assert random.split(raw, (2, 3)).shape == (2, 3, 2)
    onp.testing.assert_array_equal(onp.asarray(random.normal(typed, (3,))),
                                   onp.asarray(random.normal(raw, (3,))))


def test_typed_key_arrays_index_iterate_and_reshape():
    keys = random.split(random.key(0), 6)
    data = onp.asarray(random.key_data(keys))
    assert len(keys) == 6 and keys.shape == (6,)
    assert [onp.asarray(random.key_data(k)).tolist() for k in keys] == data.tolist()
    assert onp.asarray(random.key_data(keys[2])).tolist() == data[2].tolist()
    assert keys[1:4].shape == (3,) and keys[None].shape == (1, 6) and keys[..., 0].shape == ()
    grid = keys.reshape(2, 3)
    assert grid.shape == (2, 3) and grid.T.shape == (3, 2) and keys.reshape(-1, 2).shape == (3, 2)
    onp.testing.assert_array_equal(onp.asarray(random.key_data(grid.T)),
                                   data.reshape(2, 3, 2).transpose(1, 0, 2))
    assert grid.ravel().shape == (6,) and keys.reshape(1, 6).squeeze().shape == (6,)
    onp.testing.assert_array_equal(onp.asarray(keys == keys), onp.ones(6, bool))
    assert not bool(keys[0] != keys[0]) and bool(keys[0] != keys[1])
    # partitionable threefry: split(key, n) is a prefix of split(key, m) for n < m
    k1, k2 = random.split(random.key(0))
    assert bool(k1 == keys[0]) and bool(k2 == keys[1])
    with pytest.raises(TypeError, match="key_data"):
        onp.asarray(keys)
    with pytest.raises(TypeError, match="boolean"):
        bool(keys[0])
    with pytest.raises(TypeError, match="0-d"):
        iter(random.key(0))


def test_typed_keys_through_jit_vmap_scan():
    keys = random.split(random.key(3), 3)
    draw = lambda k: random.normal(k, (2,))  # noqa: E731
    want = onp.stack([onp.asarray(draw(k)) for k in keys])
    onp.testing.assert_array_equal(onp.asarray(xf.vmap(draw)(keys)), want)
    onp.testing.assert_array_equal(onp.asarray(xf.jit(xf.vmap(draw))(keys)), want)
    new = xf.jit(lambda k: random.split(k, 4))(keys[0])
    assert isinstance(new, random.PRNGKeyArray) and new.shape == (4,)
    assert xf.vmap(random.split)(keys).shape == (3, 2)
    total, _ = xf.lax.scan(lambda c, k: (c + random.normal(k), None), 0.0, keys)
    onp.testing.assert_allclose(float(total),
                                sum(float(random.normal(k)) for k in keys), rtol=1e-6)
    out = xf.vmap(lambda k: random.fold_in(k, 1))(keys)
    assert isinstance(out, random.PRNGKeyArray) and out.shape == (3,)


def test_implementations_other_than_threefry_are_refused():
    for impl in ("rbg", "unsafe_rbg"):
        with pytest.raises(NotImplementedError, match="threefry2x32"):
            random.key(0, impl=impl)
        with pytest.raises(NotImplementedError, match="threefry2x32"):
            random.PRNGKey(0, impl=impl)
        with pytest.raises(NotImplementedError):
            xf.config.update("jax_default_prng_impl", impl)
    assert xf.config.read("default_prng_impl") == "threefry2x32"
    with pytest.raises(ValueError, match="unrecognized PRNG implementation"):
        random.key(0, impl="nope")
    with pytest.raises(ValueError, match="both"):
        random.key(0, impl="threefry2x32", dtype=random.key_dtype())


# ---------------------------------------------------------------------------------------
# Bad input

@pytest.mark.parametrize("bad", [5, 1.5, [0, 1], onp.ones(2, onp.float32),
                                 onp.ones(2, onp.int32), onp.ones(3, onp.uint32)],
                         ids=["int", "float", "list", "float array", "int32 array",
                              "uint32[3]"])
def test_a_non_key_is_a_type_error_saying_how_to_make_one(bad):
    for fn in (lambda k: random.normal(k, (2,)), random.split, random.key_data,
               lambda k: random.fold_in(k, 1), lambda k: random.choice(k, 3)):
        with pytest.raises(TypeError, match=r"PRNG key.*PRNGKey\(seed\)"):
            fn(bad)
    if not isinstance(bad, list):
        with pytest.raises(TypeError, match="PRNG key"):
            xf.jit(lambda k: random.uniform(k))(jnp.asarray(bad))


def test_bad_input_errors():
    key = random.PRNGKey(0)
    with pytest.raises(ValueError, match=r"normal accepts a single key.*\(3, 2\)"):
        random.normal(random.split(key, 3), (2,))
    with pytest.raises(ValueError, match=r"single key.*\(3,\)"):
        random.normal(random.split(random.key(0), 3), (2,))
    shape_cases = [lambda: random.uniform(key, (3,), minval=jnp.ones(4)),
                   lambda: random.gamma(key, jnp.ones(4), (3,)),
                   lambda: random.beta(key, jnp.ones(4), 1.0, (3,)),
                   lambda: random.randint(key, (3,), jnp.zeros(4, int), 9),
                   lambda: random.bernoulli(key, jnp.full(4, 0.5), (3,)),
                   lambda: random.truncated_normal(key, jnp.zeros(4), 1.0, (3,)),
                   lambda: random.categorical(key, jnp.zeros((4, 3)), shape=(5,))]
    for case in shape_cases:
        with pytest.raises(ValueError, match=r"\(4,\).*shape argument \((3|5),\)"):
            case()
    with pytest.raises(ValueError, match="beta: parameter shapes"):
        random.beta(key, jnp.ones(2), jnp.ones(3))
    with pytest.raises(ValueError, match=r"larger sample \(size 5\) than population \(size 3\)"):
        random.choice(key, 3, (5,), replace=False)
    with pytest.raises(ValueError, match="larger sample"):
        random.choice(key, jnp.arange(3.0), (2, 2), replace=False, p=jnp.ones(3) / 3)
    with pytest.raises(ValueError, match="p must be None or a 1D vector"):
        random.choice(key, 3, (2,), p=jnp.ones(4) / 4)
    with pytest.raises(ValueError, match="cannot exceed number of categories"):
        random.categorical(key, jnp.zeros(3), shape=(4,), replace=False)
    with pytest.raises(ValueError, match="must be a float dtype, got int32"):
        random.uniform(key, dtype=jnp.int32)
    with pytest.raises(ValueError, match="float or complex dtype"):
        random.normal(key, dtype=int)
    with pytest.raises(ValueError, match="unsigned int dtype"):
        random.bits(key, dtype=jnp.int32)
    with pytest.raises(TypeError, match="integer dtypes"):
        random.randint(key, (2,), 0, 3, dtype=jnp.float32)
    with pytest.raises(TypeError, match="floating dtype"):
        random.bernoulli(key, 1)
    with pytest.raises(ValueError, match="'high' or 'low'"):
        random.bernoulli(key, mode="mid")
    with pytest.raises(ValueError, match="valid mode for gumbel"):
        random.gumbel(key, mode="mid")
    with pytest.raises(TypeError, match="seed must be an integer"):
        random.PRNGKey(1.5)
    with pytest.raises(TypeError, match="scalar seed"):
        random.key(jnp.arange(2))
    with pytest.raises(TypeError, match="scalar seed, but was given a PRNG key"):
        random.key(random.key(0))
    with pytest.raises(TypeError, match="fold_in accepts a scalar"):
        random.fold_in(key, jnp.arange(2))
    with pytest.raises(OverflowError):
        random.fold_in(key, -1)
    with pytest.raises(TypeError, match="x must be an integer"):
        random.permutation(key, 2.5)
    with pytest.raises(ValueError, match="method must be one of"):
        random.multivariate_normal(key, jnp.zeros(2), jnp.eye(2), method="lu")
    with pytest.raises(ValueError, match="alpha.ndim >= 1"):
        random.dirichlet(key, 1.0)
    with pytest.raises(xf.dtypes.TypePromotionError, match="cannot safely cast"):
        random.t(key, jnp.ones(3, jnp.float32), dtype=jnp.bfloat16)


# ---------------------------------------------------------------------------------------
# Laws: Kolmogorov-Smirnov against scipy.stats, moments (fixed seeds, so deterministic)

N = 10000
st = scipy.stats

CONTINUOUS = {  # name: (draw(key, n), scipy distribution)
    "uniform": (lambda k, n: random.uniform(k, (n,), minval=-2.0, maxval=4.0),
                st.uniform(-2, 6)),
    "uniform_f16": (lambda k, n: random.uniform(k, (n,), jnp.float16), st.uniform()),
    "normal": (lambda k, n: random.normal(k, (n,)), st.norm()),
    "normal_bf16": (lambda k, n: random.normal(k, (n,), jnp.bfloat16), st.norm()),
    "exponential": (lambda k, n: random.exponential(k, (n,)), st.expon()),
    "gamma_small": (lambda k, n: random.gamma(k, 0.3, (n,)), st.gamma(0.3)),
    "gamma_one": (lambda k, n: random.gamma(k, 1.0, (n,)), st.gamma(1.0)),
    "gamma": (lambda k, n: random.gamma(k, 4.5, (n,)), st.gamma(4.5)),
    "loggamma": (lambda k, n: jnp.exp(random.loggamma(k, 0.5, (n,))), st.gamma(0.5)),
    "beta": (lambda k, n: random.beta(k, 2.0, 3.0, (n,)), st.beta(2, 3)),
    "beta_small": (lambda k, n: random.beta(k, 0.5, 0.5, (n,)), st.beta(0.5, 0.5)),
    "t": (lambda k, n: random.t(k, 3.0, (n,)), st.t(3)),
    "chisquare": (lambda k, n: random.chisquare(k, 4.0, (n,)), st.chi2(4)),
    "f": (lambda k, n: random.f(k, 3.0, 7.0, (n,)), st.f(3, 7)),
    "laplace": (lambda k, n: random.laplace(k, (n,)), st.laplace()),
    "logistic": (lambda k, n: random.logistic(k, (n,)), st.logistic()),
    "gumbel": (lambda k, n: random.gumbel(k, (n,)), st.gumbel_r()),
    "gumbel_high": (lambda k, n: random.gumbel(k, (n,), mode="high"), st.gumbel_r()),
    "gumbel_highest": (lambda k, n: random.gumbel(k, (n,), mode="highest"), st.gumbel_r()),
    "cauchy": (lambda k, n: random.cauchy(k, (n,)), st.cauchy()),
    "pareto": (lambda k, n: random.pareto(k, 3.0, (n,)), st.pareto(3)),
    "weibull_min": (lambda k, n: random.weibull_min(k, 2.0, 1.5, (n,)),
                    st.weibull_min(1.5, scale=2.0)),
    "rayleigh": (lambda k, n: random.rayleigh(k, 2.0, (n,)), st.rayleigh(scale=2.0)),
    "maxwell": (lambda k, n: random.maxwell(k, (n,)), st.maxwell()),
    "double_sided_maxwell": (  # |x - loc| / scale is Maxwell
        lambda k, n: jnp.abs(random.double_sided_maxwell(k, 1.0, 2.0, (n,)) - 1.0) / 2.0,
        st.maxwell()),
    "lognormal": (lambda k, n: random.lognormal(k, 0.5, (n,)), st.lognorm(0.5)),
    "truncated_normal": (lambda k, n: random.truncated_normal(k, -1.0, 2.0, (n,)),
                         st.truncnorm(-1, 2)),
    "wald": (lambda k, n: random.wald(k, 2.0, (n,)), st.invgauss(2.0)),
    "generalized_normal": (lambda k, n: random.generalized_normal(k, 1.5, (n,)),
                           st.gennorm(1.5)),
    "triangular": (lambda k, n: random.triangular(k, 0.0, 1.0, 3.0, (n,)),
                   st.triang(1 / 3, loc=0, scale=3)),
    "ball_radius": (  # |x|^d of points uniform in the d-ball is uniform on [0, 1]
        lambda k, n: jnp.sum(random.ball(k, 3, shape=(n,)) ** 2, -1) ** 1.5, st.uniform()),
}


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_laws(name):
    draw, dist = CONTINUOUS[name]
    x = onp.asarray(draw(random.PRNGKey(11), N), onp.float64)
    assert onp.isfinite(x).all()
    assert st.kstest(x, dist.cdf).pvalue > 1e-3


def test_normal_complex():
    z = onp.asarray(random.normal(random.PRNGKey(5), (N,), jnp.complex64))
    assert z.dtype == onp.complex64
    assert abs(z.real.var() - 0.5) < 0.03 and abs(z.imag.var() - 0.5) < 0.03
    assert abs(onp.corrcoef(z.real, z.imag)[0, 1]) < 0.05


def test_truncated_normal_stays_inside():
    x = onp.asarray(random.truncated_normal(random.PRNGKey(1), 0.5, 0.50001, (1000,)))
    assert ((x > 0.5) & (x < 0.50001)).all()


@pytest.mark.parametrize("lam", [0.7, 3.0, 30.0, 400.0])
def test_poisson_moments(lam):
    x = onp.asarray(random.poisson(random.PRNGKey(2), lam, (N,)))
    assert x.dtype == onp.int32 and x.min() >= 0
    se = math.sqrt(lam / N)
    assert abs(x.mean() - lam) < 5 * se and abs(x.var() / lam - 1) < 0.1
    assert onp.asarray(random.poisson(random.PRNGKey(2), 0.0, (5,))).tolist() == [0] * 5


@pytest.mark.parametrize("n,p", [(20, 0.3), (7.5, 0.9), (1000, 0.4), (200, 0.97)])
def test_binomial_moments(n, p):
    x = onp.asarray(random.binomial(random.PRNGKey(4), n, p, (N,)))
    n_int = math.floor(n)
    assert x.dtype == onp.float32 and x.min() >= 0 and x.max() <= n_int
    assert (x == onp.round(x)).all()
    mean, var = n_int * p, n_int * p * (1 - p)
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / N) and abs(x.var() / var - 1) < 0.1
    bad = onp.asarray(random.binomial(random.PRNGKey(4), jnp.array([-1.0, 5.0, jnp.inf]),
                                      jnp.array([0.5, -0.1, 0.5])))
    assert onp.isnan(bad[:2]).all() and bad[2] == onp.inf


def test_discrete_samplers():
    key = random.PRNGKey(8)
    g = onp.asarray(random.geometric(key, 0.3, (N,)))
    assert g.min() >= 1 and abs(g.mean() - 1 / 0.3) < 0.1
    counts = onp.asarray(random.multinomial(key, 50.0, jnp.array([0.2, 0.3, 0.5]),
                                            shape=(N, 3)))
    assert (counts.sum(-1) == 50).all() and (counts >= 0).all()
    onp.testing.assert_allclose(counts.mean(0), [10, 15, 25], rtol=0.02)
    b = onp.asarray(random.bernoulli(key, 0.3, (N,)))
    assert b.dtype == onp.bool_ and abs(b.mean() - 0.3) < 0.015
    b = onp.asarray(random.bernoulli(key, 1e-9, (N,), mode="high"))
    assert not b.any()
    r = onp.asarray(random.rademacher(key, (N,)))
    assert set(onp.unique(r)) == {-1, 1} and abs(r.mean()) < 0.03
    i = onp.asarray(random.randint(key, (N,), -3, 4))
    assert i.min() == -3 and i.max() == 3
    assert st.chisquare(onp.bincount(i + 3)).pvalue > 1e-3
    u8 = onp.asarray(random.randint(key, (N,), 0, 256, jnp.uint8))
    assert u8.dtype == onp.uint8 and u8.max() == 255
    assert onp.asarray(random.randint(key, (4,), 5, 3)).tolist() == [5] * 4  # empty range
    d = onp.asarray(random.dirichlet(key, jnp.array([0.5, 1.0, 2.5]), (N,)))
    onp.testing.assert_allclose(d.sum(-1), 1, rtol=1e-5)
    onp.testing.assert_allclose(d.mean(0), [0.125, 0.25, 0.625], atol=0.01)


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal_covariance(method):
    cov = onp.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 3.0]], onp.float32)
    mean = onp.array([1.0, -2.0, 0.5], onp.float32)
    x = onp.asarray(random.multivariate_normal(random.PRNGKey(17), mean, cov, (N,),
                                               method=method), onp.float64)
    assert x.shape == (N, 3)
    onp.testing.assert_allclose(x.mean(0), mean, atol=0.06)
    onp.testing.assert_allclose(onp.cov(x.T), cov, atol=0.1)


def test_orthogonal_matrices():
    key = random.PRNGKey(18)
    q = onp.asarray(random.orthogonal(key, 4, shape=(50,)), onp.float64)
    assert q.shape == (50, 4, 4)
    onp.testing.assert_allclose(q @ q.transpose(0, 2, 1), onp.broadcast_to(onp.eye(4), q.shape),
                                atol=1e-5)
    wide = onp.asarray(random.orthogonal(key, 2, m=5), onp.float64)  # orthonormal rows
    assert wide.shape == (2, 5)
    onp.testing.assert_allclose(wide @ wide.T, onp.eye(2), atol=1e-5)
    # Haar measure: the entries of a random orthogonal n x n matrix have mean 0 and
    # variance 1/n
    many = onp.asarray(random.orthogonal(key, 3, shape=(N // 3,)))
    assert abs(many.mean()) < 0.01 and abs(many.var() - 1 / 3) < 0.01


def test_categorical_and_choice_frequencies():
    key = random.PRNGKey(9)
    logits = jnp.log(jnp.array([0.1, 0.2, 0.7]))
    c = onp.asarray(random.categorical(key, logits, shape=(N,)))
    onp.testing.assert_allclose(onp.bincount(c, minlength=3) / N, [0.1, 0.2, 0.7], atol=0.015)
    c2 = onp.asarray(random.categorical(key, jnp.stack([logits, logits[::-1]]), shape=(N, 2)))
    onp.testing.assert_allclose(onp.bincount(c2[:, 1], minlength=3) / N, [0.7, 0.2, 0.1],
                                atol=0.015)
    p = jnp.array([0.5, 0.0, 0.25, 0.25])
    ch = onp.asarray(random.choice(key, 4, (N,), p=p))
    onp.testing.assert_allclose(onp.bincount(ch, minlength=4) / N, p, atol=0.015)
    draws = onp.asarray(xf.vmap(lambda k: random.choice(k, 4, (3,), replace=False, p=p))(
        random.split(key, 200)))
    assert (onp.sort(draws, -1) == [0, 2, 3]).all()  # without replacement: never p == 0
    rows = onp.asarray(xf.vmap(lambda k: random.categorical(
        k, jnp.zeros(5), shape=(5,), replace=False))(random.split(key, 50)))
    assert (onp.sort(rows, -1) == onp.arange(5)).all()


def test_permutation_and_choice_without_replacement():
    key = random.PRNGKey(10)
    p = onp.asarray(random.permutation(key, 100))
    assert sorted(p) == list(range(100)) and (p != onp.arange(100)).any()
    x = jnp.arange(12.0).reshape(3, 4)
    rows = onp.asarray(random.permutation(key, x, axis=1))
    assert (onp.sort(rows, 1) == onp.asarray(x)).all()
    assert (rows - rows[:, :1] == (rows - rows[:, :1])[0]).all()  # one permutation for all
    ind = onp.asarray(random.permutation(key, x, axis=1, independent=True))
    assert (onp.sort(ind, 1) == onp.asarray(x)).all()
    c = onp.asarray(random.choice(key, 1000, (50,), replace=False))
    assert len(set(c.tolist())) == 50
    big = onp.asarray(random.permutation(key, 5000))  # two rounds of sorting
    assert sorted(big.tolist()) == list(range(5000))
    assert random.choice(key, 5, (0,)).shape == (0,)


def test_shapes_and_dtypes():
    key = random.key(0)
    assert random.gamma(key, jnp.ones((2, 3))).shape == (2, 3)
    assert random.gamma(key, jnp.ones(3), (4, 3)).shape == (4, 3)
    assert random.beta(key, jnp.ones((2, 1)), jnp.ones(3)).shape == (2, 3)
    assert random.dirichlet(key, jnp.ones(4), (2, 3)).shape == (2, 3, 4)
    assert random.multinomial(key, 5.0, jnp.ones((2, 3)) / 3).shape == (2, 3)
    assert random.categorical(key, jnp.zeros((2, 5)), axis=0).shape == (5,)
    assert random.double_sided_maxwell(key, jnp.zeros(2), 1.0, (3,)).shape == (3, 2)
    assert random.ball(key, 4, shape=(2, 3)).shape == (2, 3, 4)
    assert random.choice(key, jnp.arange(20.0).reshape(4, 5), (2, 3), axis=1).shape == (4, 2, 3)
    for fn, dtype in [(lambda d: random.uniform(key, (2,), d), jnp.bfloat16),
                      (lambda d: random.normal(key, (2,), d), jnp.float16),
                      (lambda d: random.exponential(key, (2,), d), jnp.float16),
                      (lambda d: random.randint(key, (2,), 0, 9, d), jnp.uint16),
                      (lambda d: random.bits(key, (2,), d), jnp.uint8),
                      (lambda d: random.rademacher(key, (2,), d), jnp.float32),
                      (lambda d: random.geometric(key, 0.5, (2,), d), jnp.int8),
                      (lambda d: random.lognormal(key, shape=(2,), dtype=d), jnp.complex64)]:
        assert fn(dtype).dtype == dtype


# ---------------------------------------------------------------------------------------
# Transformations

def _same_bits(a, b):
    onp.testing.assert_array_equal(_bits_of(onp.asarray(a)), _bits_of(onp.asarray(b)))


SAMPLERS = {
    "normal": lambda k: random.normal(k, (5,)),
    "gamma": lambda k: random.gamma(k, jnp.array([0.2, 1.0, 7.0])),
    "poisson": lambda k: random.poisson(k, jnp.array([2.0, 50.0])),
    "binomial": lambda k: random.binomial(k, jnp.array([5.0, 500.0]), 0.3),
    "permutation": lambda k: random.permutation(k, 7),
    "choice_p": lambda k: random.choice(k, 4, (3,), replace=False, p=jnp.ones(4) / 4),
    "categorical": lambda k: random.categorical(k, jnp.zeros((2, 3))),
    "split": lambda k: random.split(k, 3),
    "fold_in": lambda k: random.fold_in(k, 99),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_jit_and_vmap_give_the_eager_bits(name):
    fn = SAMPLERS[name]
    keys = random.split(random.PRNGKey(12), 3)
    eager = [fn(k) for k in keys]
    _same_bits(xf.jit(fn)(keys[0]), eager[0])
    batched = xf.vmap(fn)(keys)
    for i in range(3):
        _same_bits(batched[i], eager[i])
    typed = xf.vmap(fn)(random.wrap_key_data(keys))
    _same_bits(random.key_data(typed) if isinstance(typed, random.PRNGKeyArray) else typed,
               batched)


def test_vmap_over_parameters_and_keys_together():
    keys = random.split(random.PRNGKey(13), 3)
    a = jnp.array([0.5, 2.0, 9.0])
    got = xf.vmap(lambda k, a: random.gamma(k, a, (2,)))(keys, a)
    for i in range(3):
        _same_bits(got[i], random.gamma(keys[i], a[i], (2,)))
    # random_gamma_p is public: one key per entry of a's leading dimension
    direct = random.random_gamma_p.bind(keys, jnp.broadcast_to(a[:, None], (3, 2)),
                                        log_space=False)
    _same_bits(direct, got)


def test_grad_through_location_scale():
    key = random.PRNGKey(14)
    z = random.normal(key, (3,))
    g = xf.grad(lambda s: (random.normal(key, (3,)) * s).sum())(2.0)
    onp.testing.assert_allclose(float(g), float(z.sum()), rtol=1e-6)
    # uniform(minval=m, maxval=M) = m + (M - m) * u: d/dm = 1 - u
    u = onp.asarray(random.uniform(key, (3,)))
    g = xf.grad(lambda m: random.uniform(key, (3,), minval=m, maxval=5.0).sum())(1.0)
    onp.testing.assert_allclose(float(g), (1 - u).sum(), rtol=1e-5)
    g = xf.grad(lambda lo: random.truncated_normal(key, lo, 2.0, (3,)).sum())(-1.0)
    assert onp.isfinite(float(g)) and float(g) > 0


@pytest.mark.parametrize("a", [0.3, 1.5, 6.0])
def test_gamma_implicit_gradient(a):
    """d sample / d a = -(dF/da)(x) / f(x) for the Gamma(a) CDF F and density f."""
    key = random.PRNGKey(15)
    x, dx = xf.jvp(lambda a: random.gamma(key, a, (40,)), (a,), (1.0,))
    x = onp.asarray(x, onp.float64)
    h = 1e-6
    dF = (scipy.special.gammainc(a + h, x) - scipy.special.gammainc(a - h, x)) / (2 * h)
    onp.testing.assert_allclose(onp.asarray(dx), -dF / st.gamma.pdf(x, a), rtol=2e-3)
    # loggamma: d log(x) / da = (dx / da) / x, on the same draws (loggamma's own sampler)
    lx, dlx = xf.jvp(lambda a: random.loggamma(key, a, (40,)), (a,), (1.0,))
    x = onp.exp(onp.asarray(lx, onp.float64))
    dF = (scipy.special.gammainc(a + h, x) - scipy.special.gammainc(a - h, x)) / (2 * h)
    onp.testing.assert_allclose(onp.asarray(dlx), -dF / st.gamma.pdf(x, a) / x, rtol=2e-3)
    g = xf.grad(lambda a: random.gamma(key, a, (40,)).sum())(a)
    onp.testing.assert_allclose(float(g), float(onp.asarray(dx).sum()), rtol=1e-5)


def test_gradients_of_gamma_based_samplers():
    key = random.PRNGKey(16)
    # beta = X / (X + Y) with X ~ Gamma(a): increasing in X, which increases with a
    assert float(xf.grad(lambda a: random.beta(key, a, 2.0, (5,)).sum())(1.7)) > 0
    assert onp.isfinite(float(xf.grad(lambda a: random.dirichlet(key, jnp.stack([a, 1.0]))[0])(
        1.7)))
    per = xf.vmap(xf.grad(lambda a: random.gamma(key, a)))(jnp.array([0.5, 2.0]))
    for i, a in enumerate([0.5, 2.0]):
        onp.testing.assert_allclose(float(per[i]),
                                    float(xf.grad(lambda a: random.gamma(key, a))(a)),
                                    rtol=1e-6)
