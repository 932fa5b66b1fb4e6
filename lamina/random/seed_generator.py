"""Seeds for lamina's random functions: `SeedGenerator`, the global generator, and
`set_random_seed`.

A seed handed to a backend is always a `(2,)` tensor of `random_seed_dtype()`: `[seed, 0]`
for an int, the state of a `SeedGenerator` (which then advances) otherwise. A generator keeps
its state in a non-trainable `lamina.Variable` and advances it with `assign`, so that inside a
compiled function run under a `StatelessScope` the new state is recorded, not written.
"""

import random as python_random

import numpy as np

from lamina.api_export import export
from lamina.backend import active
from lamina.backend.common import global_state
from lamina.backend.common.stateless_scope import get_stateless_scope
from lamina.backend.common.variables import Variable

GLOBAL_SEED_GENERATOR = "global_seed_generator"
GLOBAL_RANDOM_SEED = "global_random_seed"
_SEED_MASK = 0xFFFFFFFF  # seeds are 32-bit; larger or negative ints wrap around


def _seed_pair(seed, dtype):
    return active.core.convert_to_tensor(np.array([int(seed) & _SEED_MASK, 0]), dtype=dtype)


@export("lamina.random.SeedGenerator")
class SeedGenerator:
    """A source of seeds for the random functions that gives a new seed at each draw.

    Args:
        seed: an int for a reproducible sequence; None draws one from Python's `random`
            (made reproducible by `lamina.utils.set_random_seed`).
        name: the generator's name; its state variable is "<name>/seed_generator_state".

    Example:
    >>> gen = lamina.random.SeedGenerator(seed=42)
    >>> a = lamina.random.normal((2, 3), seed=gen)
    >>> b = lamina.random.normal((2, 3), seed=gen)   # different from a, same on every run
    >>> bool((ops.convert_to_numpy(a) != ops.convert_to_numpy(b)).any())
    True
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)  # accepted for Keras compatibility; one backend per process
        if kwargs:
            raise ValueError(f"SeedGenerator: unrecognized keyword arguments {sorted(kwargs)}.")
        self.name = name or global_state.auto_name(self.__class__.__name__)
        self._initial_seed = seed
        if seed is None:
            seed = make_default_seed()
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(
                f"SeedGenerator: argument `seed` must be an integer. Received: seed={seed!r} "
                f"(of type {type(seed).__name__})."
            )
        seed = int(seed)

        def initial_state(shape, dtype=None):
            return _seed_pair(seed, dtype)

        with global_state.name_scope(self.name, caller=self):
            self.state = Variable(
                initial_state,
                shape=(2,),
                dtype=active.core.random_seed_dtype(),
                trainable=False,
                aggregation="none",
                name="seed_generator_state",
            )

    def next(self, ordered=True):
        """The current seed, advancing the state (by one, or scrambled when not `ordered`)."""
        if active.core.in_tracing_scope() and get_stateless_scope() is None:
            raise ValueError(
                f"SeedGenerator {self.name!r} was drawn from while a function is being traced "
                "(e.g. inside jax.jit) without a StatelessScope: its new state would be lost. "
                "Run the traced code in a `lamina.backend.StatelessScope` that maps "
                f"`{self.name}.state` to a traced value and read the new state back from it."
            )
        value = self.state.value
        state = value
        if get_stateless_scope() is None and str(self.state.dtype) == "uint32":
            # Eagerly, the walk is done in NumPy (the same uint32 arithmetic): an eager device
            # op per draw would compile a small program the first time.
            state = np.asarray(value).astype(np.uint32)
            step = np.array([0, 1], np.uint32)
        else:
            step = active.core.convert_to_tensor(np.array([0, 1]), dtype=self.state.dtype)
        with np.errstate(over="ignore"):
            if ordered:
                self.state.assign(state + step)
            else:
                # A scrambled walk through [0, 933199): the global generator's seeds, as in
                # Keras.
                self.state.assign((state + 1) * 5387 % 933199)
        return value

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def make_default_seed():
    """A seed from Python's `random` (reproducible after `set_random_seed`)."""
    return python_random.randint(1, int(1e9))


def global_seed_generator():
    """The process-wide generator used by random functions called with `seed=None`."""
    if active.core.in_tracing_scope():
        raise ValueError(
            "A random function was called with seed=None while a function is being traced "
            "(e.g. inside jax.jit): the global seed generator cannot be used there, its draws "
            "would become constants. Create a `lamina.random.SeedGenerator(seed=...)`, keep it "
            "on your layer or model, and pass it as the `seed` argument."
        )
    generator = global_state.get_global_attribute(GLOBAL_SEED_GENERATOR)
    if generator is None:
        generator = SeedGenerator(name="global_seed_generator")
        global_state.set_global_attribute(GLOBAL_SEED_GENERATOR, generator)
    return generator


def draw_seed(seed):
    """`seed` (int, None, SeedGenerator, or a `(2,)` tensor) as a backend seed tensor."""
    dtype = active.core.random_seed_dtype()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return global_seed_generator().next(ordered=False)
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return _seed_pair(seed, dtype)
    if hasattr(seed, "shape") and hasattr(seed, "dtype") and tuple(seed.shape) == (2,):
        return active.core.convert_to_tensor(seed, dtype=dtype)
    raise ValueError(
        "Argument `seed` must be an integer, None, or a `lamina.random.SeedGenerator`. "
        f"Received: seed={seed!r} (of type {type(seed).__name__})."
    )


@export("lamina.utils.set_random_seed")
def set_random_seed(seed):
    """Seeds Python's `random`, NumPy's global generator and lamina's global seed generator.

    Afterwards a program gives the same numbers on every run: random functions called with
    `seed=None`, `SeedGenerator()`s without a seed and weight initializers all derive from it.

    Args:
        seed: the seed, an int.

    Example:
    >>> lamina.utils.set_random_seed(1337)
    >>> a = lamina.random.normal((2,))
    >>> lamina.utils.set_random_seed(1337)
    >>> bool((ops.convert_to_numpy(a) == ops.convert_to_numpy(lamina.random.normal((2,)))).all())
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            "set_random_seed: expected `seed` to be an integer. Received: "
            f"seed={seed!r} (of type {type(seed).__name__})."
        )
    seed = int(seed)
    global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)
    # The global generator is rebuilt on next use, from Python's newly seeded `random`.
    global_state.set_global_attribute(GLOBAL_SEED_GENERATOR, None)
    python_random.seed(seed)
    np.random.seed(seed & _SEED_MASK)


def get_random_seed():
    """The seed given to `set_random_seed`, or None if it was not called."""
    return global_state.get_global_attribute(GLOBAL_RANDOM_SEED)


def numpy_generator(seed=None):
    """A `numpy.random.Generator` for host-side sampling (weight initializers).

    With an int, the generator is the one the NumPy backend uses for that seed; with None, it
    is seeded by a draw from the global seed generator (so `set_random_seed` makes it
    reproducible, and the same on every backend); a `SeedGenerator` gives its next seed.

    Args:
        seed: an int, None, or a `SeedGenerator`.

    Returns:
        A `numpy.random.Generator`.
    """
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        state = np.array([int(seed) & _SEED_MASK, 0], dtype=np.uint32)
    else:
        state = np.asarray(active.core.convert_to_numpy(draw_seed(seed))).astype(np.uint32)
    return np.random.default_rng(state)
