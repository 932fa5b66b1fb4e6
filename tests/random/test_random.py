"""lamina.random: shapes, dtypes, ranges, moments (loose bounds), determinism, seed
generators, set_random_seed, and use inside a compiled function on jax."""

import random as python_random

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina import random as lrandom
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.random import seed_generator
from lamina.random.seed_generator import SeedGenerator, numpy_generator, set_random_seed
from tests.conftest import only_on

BACKEND = lamina.backend.backend()
N = 20000


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


# -- distributions -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [None, "float32", "float64", "float16", "bfloat16"])
def test_normal(dtype):
    out = lrandom.normal((N,), mean=2.0, stddev=3.0, dtype=dtype, seed=1)
    assert ops.dtype(out) == (dtype or "float32") and tuple(out.shape) == (N,)
    values = _np(out).astype("float64")
    assert abs(values.mean() - 2.0) < 0.15 and abs(values.std() - 3.0) < 0.15


@pytest.mark.parametrize("dtype", [None, "float32", "float64"])
def test_uniform(dtype):
    values = _np(lrandom.uniform((N,), minval=-2.0, maxval=5.0, dtype=dtype, seed=2))
    assert values.dtype == np.dtype(dtype or "float32")
    assert values.min() >= -2.0 and values.max() < 5.0
    assert abs(values.mean() - 1.5) < 0.1 and abs(values.var() - 49 / 12) < 0.25


def test_truncated_normal():
    values = _np(lrandom.truncated_normal((N,), mean=1.0, stddev=0.5, seed=3))
    assert values.dtype == np.float32
    assert values.min() >= 1.0 - 2 * 0.5 - 1e-6 and values.max() <= 1.0 + 2 * 0.5 + 1e-6
    # A standard normal truncated to [-2, 2] has standard deviation ~0.88.
    assert abs(values.mean() - 1.0) < 0.03 and abs(values.std() - 0.5 * 0.88) < 0.03


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "int16"])
def test_randint(dtype):
    values = _np(lrandom.randint((N,), 3, 10, dtype=dtype, seed=4))
    assert values.dtype == np.dtype(dtype)
    assert values.min() == 3 and values.max() == 9
    counts = np.bincount(values - 3, minlength=7) / N
    assert np.all(np.abs(counts - 1 / 7) < 0.02)


def test_categorical():
    logits = np.log(np.array([[0.2, 0.3, 0.5], [1.0, 1e-9, 1e-9]], "float32"))
    out = lrandom.categorical(logits, 5000, seed=5)
    values = _np(out)
    assert values.shape == (2, 5000) and ops.dtype(out) == "int32"
    frequencies = np.bincount(values[0], minlength=3) / 5000
    np.testing.assert_allclose(frequencies, [0.2, 0.3, 0.5], atol=0.03)
    assert np.all(values[1] == 0)
    assert ops.dtype(lrandom.categorical(logits, 3, dtype="int64", seed=5)) == "int64"


def test_gamma_beta_binomial_moments():
    g = _np(lrandom.gamma((N,), alpha=3.0, seed=6))
    assert g.dtype == np.float32 and g.min() > 0
    assert abs(g.mean() - 3.0) < 0.1 and abs(g.var() - 3.0) < 0.3
    b = _np(lrandom.beta((N,), alpha=2.0, beta=5.0, seed=7))
    assert b.min() > 0 and b.max() < 1 and abs(b.mean() - 2 / 7) < 0.01
    n = _np(lrandom.binomial((N,), counts=10, probabilities=0.3, seed=8))
    assert n.dtype == np.float32 and n.min() >= 0 and n.max() <= 10
    assert np.all(n == np.round(n)) and abs(n.mean() - 3.0) < 0.1 and abs(n.var() - 2.1) < 0.2
    assert ops.dtype(lrandom.binomial((6,), 4, 0.5, dtype="int32", seed=1)) == "int32"


def test_int_shape_and_empty_shape():
    assert tuple(lrandom.normal(4, seed=1).shape) == (4,)
    assert tuple(lrandom.uniform((0, 3), seed=1).shape) == (0, 3)
    assert tuple(lrandom.normal((), seed=1).shape) == ()


# -- dropout and shuffle -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout(dtype):
    x = np.ones((200, 100), dtype)
    out = _np(lrandom.dropout(x, 0.3, seed=10))
    assert out.dtype == np.dtype(dtype) and out.shape == x.shape
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)


def test_dropout_noise_shape_and_edges():
    x = np.ones((8, 5, 6), "float32")
    out = _np(lrandom.dropout(x, 0.5, noise_shape=(None, 1, 6), seed=11))
    assert np.all(out == out[:, :1, :])  # the mask is shared along axis 1
    np.testing.assert_array_equal(_np(lrandom.dropout(x, 0.0, seed=1)), x)
    np.testing.assert_array_equal(_np(lrandom.dropout(x, 1.0, seed=1)), np.zeros_like(x))
    x[0, 0, 0] = np.nan
    np.testing.assert_array_equal(_np(lrandom.dropout(x, 1.0, seed=1)), np.zeros_like(x))
    with pytest.raises(ValueError, match="rate"):
        lrandom.dropout(x, 1.5)
    with pytest.raises(ValueError, match="noise_shape"):
        lrandom.dropout(x, 0.5, noise_shape=(8, 1))


def test_shuffle():
    x = np.arange(50, dtype="int32")
    out = _np(lrandom.shuffle(x, seed=12))
    assert sorted(out.tolist()) == x.tolist() and not np.array_equal(out, x)
    grid = np.arange(12, dtype="float32").reshape(3, 4)
    shuffled = _np(lrandom.shuffle(grid, axis=1, seed=13))
    for row_in, row_out in zip(grid, shuffled):
        assert sorted(row_out.tolist()) == row_in.tolist()
    shuffled = _np(lrandom.shuffle(grid, axis=-2, seed=13))
    for col_in, col_out in zip(grid.T, shuffled.T):
        assert sorted(col_out.tolist()) == col_in.tolist()


def test_symbolic_rules():
    x = KerasTensor((None, 4))
    assert lrandom.dropout(x, 0.5).shape == (None, 4)
    assert lrandom.shuffle(x, axis=1, seed=1).shape == (None, 4)
    out = lrandom.categorical(KerasTensor((None, 3)), 7, dtype="int64")
    assert out.shape == (None, 7) and out.dtype == "int64"


# -- argument errors -----------------------------------------------------------------------


def test_argument_errors():
    with pytest.raises(ValueError, match="floating point `dtype`"):
        lrandom.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="integer `dtype`"):
        lrandom.randint((2,), 0, 5, dtype="float32")
    with pytest.raises(ValueError, match="2-D"):
        lrandom.categorical(np.zeros((3,), "float32"), 2)
    with pytest.raises(ValueError, match="shape"):
        lrandom.normal((2, -1))
    with pytest.raises(ValueError, match="Argument `seed`"):
        lrandom.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="must be an integer"):
        SeedGenerator(seed=1.5)
    with pytest.raises(ValueError, match="unrecognized"):
        SeedGenerator(seed=1, shape=3)
    with pytest.raises(ValueError, match="integer"):
        set_random_seed("7")


# -- determinism and seed generators -------------------------------------------------------

# The shapes are those of the distribution tests above, so that jax compiles each sampler once.
SAMPLERS = {
    "normal": lambda seed: lrandom.normal((N,), seed=seed),
    "uniform": lambda seed: lrandom.uniform((N,), seed=seed),
    "truncated_normal": lambda seed: lrandom.truncated_normal((N,), seed=seed),
    "randint": lambda seed: lrandom.randint((N,), 0, 1000, seed=seed),
    "categorical": lambda seed: lrandom.categorical(np.zeros((2, 3), "float32"), 5000, seed=seed),
    "dropout": lambda seed: lrandom.dropout(np.ones((200, 100), "float32"), 0.5, seed=seed),
    "shuffle": lambda seed: lrandom.shuffle(np.arange(50, dtype="int32"), seed=seed),
    "gamma": lambda seed: lrandom.gamma((N,), 2.0, seed=seed),
    "binomial": lambda seed: lrandom.binomial((N,), 100, 0.5, seed=seed),
    "beta": lambda seed: lrandom.beta((N,), 2.0, 3.0, seed=seed),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_same_int_seed_same_values(name):
    sample = SAMPLERS[name]
    np.testing.assert_array_equal(_np(sample(42)), _np(sample(42)))
    assert not np.array_equal(_np(sample(42)), _np(sample(43)))


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_seed_generator_gives_new_values_reproducibly(name):
    sample = SAMPLERS[name]
    gen = SeedGenerator(seed=7)
    first, second = _np(sample(gen)), _np(sample(gen))
    assert not np.array_equal(first, second)
    again = SeedGenerator(seed=7)
    np.testing.assert_array_equal(_np(sample(again)), first)
    np.testing.assert_array_equal(_np(sample(again)), second)


def test_seed_generator_state():
    gen = SeedGenerator(seed=5, name="noise")
    assert gen.state.path == "noise/seed_generator_state"
    assert gen.state.dtype == lamina.backend.active.core.random_seed_dtype()
    assert not gen.state.trainable and gen.state.shape == (2,)
    np.testing.assert_array_equal(_np(gen.next()), [5, 0])
    np.testing.assert_array_equal(_np(gen.state.value), [5, 1])
    gen.next()
    np.testing.assert_array_equal(_np(gen.state.value), [5, 2])
    # An int seed is the generator's first seed: both draw the same numbers.
    np.testing.assert_array_equal(_np(lrandom.normal((3,), seed=SeedGenerator(9))),
                                  _np(lrandom.normal((3,), seed=9)))


def test_seed_generator_config_and_names():
    gen = SeedGenerator(seed=3)
    assert gen.name == "seed_generator"
    assert SeedGenerator(seed=3).name == "seed_generator_1"
    clone = SeedGenerator.from_config(gen.get_config())
    assert clone.get_config() == {"seed": 3, "name": "seed_generator"}
    np.testing.assert_array_equal(_np(clone.state.value), _np(gen.state.value))
    unseeded = SeedGenerator()
    assert unseeded.get_config()["seed"] is None


def test_large_and_negative_int_seeds_wrap():
    np.testing.assert_array_equal(_np(lrandom.normal((3,), seed=2 ** 32 + 5)),
                                  _np(lrandom.normal((3,), seed=5)))
    assert tuple(lrandom.normal((3,), seed=-1).shape) == (3,)


def test_unseeded_calls_differ_and_set_random_seed_reproduces():
    assert not np.array_equal(_np(lrandom.normal((4,))), _np(lrandom.normal((4,))))
    set_random_seed(1234)
    first = [_np(lrandom.normal((4,))), _np(lrandom.uniform((4,))), np.random.rand(2),
             python_random.random(), _np(lrandom.normal((3,), seed=SeedGenerator()))]
    set_random_seed(1234)
    second = [_np(lrandom.normal((4,))), _np(lrandom.uniform((4,))), np.random.rand(2),
              python_random.random(), _np(lrandom.normal((3,), seed=SeedGenerator()))]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert seed_generator.get_random_seed() == 1234


def test_set_random_seed_export():
    from lamina.api_export import REGISTRY

    assert REGISTRY["lamina.utils"]["set_random_seed"] is set_random_seed
    for name in ("SeedGenerator", "normal", "uniform", "truncated_normal", "randint",
                 "categorical", "dropout", "shuffle", "gamma", "binomial", "beta"):
        assert getattr(lrandom, name) is REGISTRY["lamina.random"][name]


def test_numpy_generator():
    a = numpy_generator(5).normal(size=4)
    np.testing.assert_array_equal(a, numpy_generator(5).normal(size=4))
    # The int seed gives NumPy's generator for [seed, 0], the numpy backend's own stream.
    np.testing.assert_array_equal(
        a, np.random.default_rng(np.array([5, 0], np.uint32)).normal(size=4)
    )
    set_random_seed(99)
    first = [numpy_generator().normal(size=3) for _ in range(2)]
    set_random_seed(99)
    second = [numpy_generator().normal(size=3) for _ in range(2)]
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])
    gen = SeedGenerator(4)
    assert not np.array_equal(numpy_generator(gen).normal(size=3),
                              numpy_generator(gen).normal(size=3))


# -- inside a compiled function (jax) ------------------------------------------------------


@only_on("jax", reason="compiles with jax.jit")
def test_seed_generator_in_jit_with_stateless_scope():
    import jax

    gen = SeedGenerator(seed=21)

    @jax.jit
    def step(state):
        with lamina.backend.StatelessScope([(gen.state, state)]) as scope:
            values = lrandom.normal((3,), seed=gen)
            mask = lrandom.dropout(ops.ones((4,)), 0.5, seed=gen)
        return values, mask, scope.get_current_value(gen.state)

    state = gen.state.value
    values1, _, state = step(state)
    values2, _, state = step(state)
    np.testing.assert_array_equal(np.asarray(state), [21, 4])
    np.testing.assert_array_equal(np.asarray(gen.state.value), [21, 0])  # not written
    eager = SeedGenerator(seed=21)
    np.testing.assert_array_equal(np.asarray(values1), _np(lrandom.normal((3,), seed=eager)))
    lrandom.dropout(ops.ones((4,)), 0.5, seed=eager)
    np.testing.assert_array_equal(np.asarray(values2), _np(lrandom.normal((3,), seed=eager)))


@only_on("jax", reason="compiles with jax.jit")
def test_unseeded_or_unscoped_draws_under_jit_raise():
    import jax

    with pytest.raises(ValueError, match="seed=None"):
        jax.jit(lambda x: x + lrandom.normal((2,)))(np.zeros(2, "float32"))
    gen = SeedGenerator(seed=1)
    with pytest.raises(ValueError, match="StatelessScope"):
        jax.jit(lambda x: x + lrandom.normal((2,), seed=gen))(np.zeros(2, "float32"))
    out = jax.jit(lambda x: x + lrandom.normal((2,), seed=3))(np.zeros(2, "float32"))
    np.testing.assert_array_equal(np.asarray(out), _np(lrandom.normal((2,), seed=3)))


# What Keras 3's JAX backend draws (the first entries): jax.random called as Keras calls it,
# with the raw key [seed, 0] and without 64-bit mode (which lamina turns on), computed with
# jax 0.10.2 by e.g.
#   (jax.random.normal(jnp.array([1, 0], "uint32"), (N,), "float32") * 2.0 + 1.0)[:6]
#   jax.random.binomial(key, jnp.array(10), jnp.array(0.3), shape=(N,), dtype="float32")
#   jax.lax.select(jax.random.bernoulli(key, p=0.7, shape=(200, 100)), x / 0.7, zeros)
# If a new jax changes its samplers, recompute them that way. The shapes are those of the
# tests above, so that jax compiles each sampler once.
KERAS_JAX_DRAWS = {
    "normal": [-1.1950352191925049, 1.950080156326294, 2.726156711578369,
               -0.4219355583190918, 1.5058300495147705, -1.0626120567321777],
    "uniform": [1.2316737174987793, 2.4711904525756836, 1.571138858795166,
                0.05238771438598633, -0.6855392456054688, 2.111750602722168],
    "randint": [6, 9, 8, 0, 3, 4],
    "truncated_normal": [0.2116013467311859, -0.5824878215789795, 0.11760833114385605,
                         0.17397525906562805, -0.5236309766769409, -0.03087141551077366],
    "categorical": [[2, 1, 0, 2, 2, 0], [2, 0, 2, 1, 2, 1]],
    "dropout": [1 / 0.7, 0.0, 1 / 0.7, 1 / 0.7, 1 / 0.7, 0.0],
    "shuffle": [42, 40, 49, 5, 43, 37, 11, 14],
    "gamma": [2.8085412979125977, 0.84798264503479, 4.479582786560059, 2.004227876663208,
              0.23165786266326904, 1.7491505146026611],
    "binomial": [4.0, 4.0, 3.0, 2.0, 1.0, 1.0],
    "beta": [0.13405504822731018, 0.6356568932533264, 0.2248629778623581,
             0.2583984136581421, 0.08940163999795914, 0.1885446310043335],
}


@only_on("jax", reason="checks numbers of Keras 3's JAX backend")
def test_jax_numbers_match_keras_jax_backend():
    logits = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]], "float32")
    got = {
        "normal": _np(lrandom.normal((N,), 1.0, 2.0, seed=1))[:6],
        "uniform": _np(lrandom.uniform((N,), -1.0, 3.0, seed=2))[:6],
        "randint": _np(lrandom.randint((N,), 0, 10, seed=3))[:6],
        "truncated_normal": _np(lrandom.truncated_normal((N,), stddev=0.5, seed=4))[:6],
        "categorical": _np(lrandom.categorical(logits, 5000, seed=5))[:, :6],
        "dropout": _np(lrandom.dropout(np.ones((200, 100), "float32"), 0.3, seed=6))[0, :6],
        "shuffle": _np(lrandom.shuffle(np.arange(50, dtype="int32"), seed=7))[:8],
        "gamma": _np(lrandom.gamma((N,), 2.0, seed=8))[:6],
        "binomial": _np(lrandom.binomial((N,), 10, 0.3, seed=9))[:6],
        "beta": _np(lrandom.beta((N,), 2.0, 5.0, seed=10))[:6],
    }
    for name, value in got.items():
        np.testing.assert_allclose(value, KERAS_JAX_DRAWS[name], rtol=1e-6, err_msg=name)


@only_on("numpy", reason="checks numbers of Keras 3's NumPy backend")
def test_numpy_numbers_match_keras_numpy_backend():
    # Keras 3's NumPy backend samples from numpy.random.default_rng([seed, 0]).
    def rng(seed):
        return np.random.default_rng(np.array([seed, 0], np.uint32))

    np.testing.assert_array_equal(_np(lrandom.normal((3,), seed=42)),
                                  rng(42).normal(size=(3,)).astype("float32"))
    np.testing.assert_array_equal(_np(lrandom.uniform((3,), -1.0, 2.0, seed=1)),
                                  rng(1).uniform(-1.0, 2.0, size=(3,)).astype("float32"))
    np.testing.assert_array_equal(_np(lrandom.randint((5,), 0, 9, seed=2)),
                                  rng(2).integers(0, 9, size=(5,), dtype="int32"))
    np.testing.assert_array_equal(_np(lrandom.gamma((3,), 2.0, seed=3)),
                                  rng(3).gamma(2.0, size=(3,)).astype("float32"))
    np.testing.assert_array_equal(_np(lrandom.beta((3,), 2.0, 5.0, seed=4)),
                                  rng(4).beta(2.0, 5.0, size=(3,)).astype("float32"))
    np.testing.assert_array_equal(_np(lrandom.binomial((3,), 10, 0.3, seed=5)),
                                  rng(5).binomial(10, 0.3, size=(3,)).astype("float32"))
    np.testing.assert_array_equal(_np(lrandom.shuffle(np.arange(6), seed=6)),
                                  rng(6).permuted(np.arange(6)))
    mask = rng(7).uniform(size=(8,)) < 0.5
    np.testing.assert_array_equal(_np(lrandom.dropout(np.ones(8, "float32"), 0.5, seed=7)),
                                  np.where(mask, 2.0, 0.0))
