"""`Hashing` and `HashedCrossing`: values (or crosses of values) to hash bins.

The hash is BLAKE2b (hashlib, 64-bit digest) of the value's text form, keyed by `salt`
when given. It is stable across runs, machines and processes, but it is not Keras'
(FarmHash / SipHash through TensorFlow): the bin a value lands in differs from Keras'. The
hashing runs on the host in NumPy: call these layers eagerly on arrays or apply them to the
data before `fit`/`predict`; they cannot run inside a compiled step.
"""

import hashlib

import numpy as np

from lamina import backend, ops
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.layers.preprocessing.encoding import (HostInputsMixin, check_output_mode,
                                                  encode_categorical, encoded_shape, to_host)


def _text(value):
    """The text form that gets hashed: integers (and floats, truncated) as decimal."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (float, np.floating)):
        value = int(value)
    if isinstance(value, (bool, np.bool_)):
        value = int(value)
    return str(value).encode("utf-8")


def stable_hash(data, num_bins, salt=None):
    """`data` (bytes) to a bin in `[0, num_bins)` with keyed BLAKE2b."""
    key = b"" if salt is None else b"".join(int(s).to_bytes(8, "little", signed=True)
                                           for s in salt)
    digest = hashlib.blake2b(data, digest_size=8, key=key).digest()
    return int.from_bytes(digest, "little") % num_bins


def hash_array(values, num_bins, salt=None):
    """Hashes every element of a NumPy array; returns int64 bins of the same shape."""
    flat = [stable_hash(_text(v), num_bins, salt) for v in values.reshape(-1).tolist()]
    return np.asarray(flat, dtype="int64").reshape(values.shape)


def _check_salt(layer_name, salt):
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return list(salt)
    if isinstance(salt, int):
        return [salt, salt]
    raise ValueError(
        f"The `salt` argument for `{layer_name}` can only be a tuple of size 2 integers, or a "
        f"single integer. Received: salt={salt}."
    )


@export("lamina.layers.Hashing")
class Hashing(HostInputsMixin, Layer):
    """Hashes integers or strings into `num_bins` bins (host-side; see the module docs).

    Args:
        num_bins: the number of bins, including the mask bin when `mask_value` is set.
        mask_value: a value that maps to bin 0; others then hash into `[1, num_bins)`.
        salt: an int or a pair of ints keying the hash (a different, still stable, mapping).
        output_mode: "int" (bins), "one_hot", "multi_hot" or "count".
        sparse: must be False.

    Example:
    >>> np.asarray(Hashing(num_bins=3)(np.array([["A"], ["B"], ["C"]]))).tolist()
    [[1], [1], [2]]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else backend.floatx()
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(
                "The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                f"Received: num_bins={num_bins}."
            )
        if output_mode == "int" and self.dtype_policy.name not in ("int32", "int64"):
            raise ValueError(
                'Hashing: when `output_mode="int"`, `dtype` should be an integer type, '
                f"'int32' or 'int64'. Received: dtype={kwargs['dtype']}"
            )
        output_mode = check_output_mode("Hashing", output_mode,
                                        ("int", "one_hot", "multi_hot", "count"))
        if sparse:
            raise ValueError("Hashing: `sparse=True` is not supported by lamina.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse
        self.salt = _check_salt("Hashing", salt)

    def _hash_values_to_bins(self, values):
        bins = self.num_bins
        if self.mask_value is not None and bins > 1:
            mask = np.asarray([v == self.mask_value for v in values.reshape(-1).tolist()],
                              dtype=bool).reshape(values.shape)
            hashed = hash_array(values, bins - 1, self.salt) + 1
            return np.where(mask, 0, hashed)
        return hash_array(values, bins, self.salt)

    def call(self, inputs):
        values = to_host(inputs)
        if self.output_mode == "one_hot" and values.ndim > 0 and values.shape[-1] == 1:
            values = values.reshape(values.shape[:-1])
        indices = ops.convert_to_tensor(self._hash_values_to_bins(values))
        return encode_categorical(indices, self.output_mode, self.num_bins, self.dtype)

    def compute_output_spec(self, inputs):
        if self.output_mode == "int":
            return backend.KerasTensor(inputs.shape, self.dtype)
        base = tuple(inputs.shape)[:-1] if len(inputs.shape) >= 1 else ()
        return backend.KerasTensor(base + (self.num_bins,), self.dtype)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt,
                       "mask_value": self.mask_value, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config


@export("lamina.layers.HashedCrossing")
class HashedCrossing(HostInputsMixin, Layer):
    """Hashes the cross of two or more categorical features into `num_bins` bins.

    The cross of values `(a, b)` hashes the text `"a_X_b"` (see the module docs: the bins
    differ from Keras').

    Args:
        num_bins: the number of bins.
        output_mode: "int" (bins) or "one_hot".
        sparse: must be False.

    Input shape:
        A list of two or more tensors of equal shape `()`, `(batch,)` or `(batch, 1)`,
        integer or string.

    Example:
    >>> layer = HashedCrossing(num_bins=5)
    >>> np.asarray(layer((np.array([1, 2]), np.array(["A", "B"])))).tolist()
    [1, 1]
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("HashedCrossing: `sparse=True` is not supported by lamina.")
        self.output_mode = check_output_mode("HashedCrossing", output_mode, ("int", "one_hot"))
        self.num_bins = num_bins
        self.sparse = sparse

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(
                "`HashedCrossing` should be called on a list or tuple of at least two inputs. "
                f"Received: inputs={inputs}"
            )
        arrays = [to_host(x) for x in inputs]
        first_shape = arrays[0].shape
        if len(first_shape) > 2 or (len(first_shape) == 2 and first_shape[-1] != 1):
            raise ValueError(
                "All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                f"`(batch_size, 1)`. Received shape {first_shape}."
            )
        if not all(a.shape == first_shape for a in arrays[1:]):
            raise ValueError(
                "All `HashedCrossing` inputs should have equal shape. Received shapes "
                f"{[a.shape for a in arrays]}."
            )
        for a in arrays:
            if a.dtype.kind not in ("i", "u", "U", "S", "O"):
                raise ValueError(
                    "All `HashedCrossing` inputs should have an integer or string dtype. "
                    f"Received dtype {a.dtype}."
                )
        flat = [a.reshape(-1).tolist() for a in arrays]
        bins = [stable_hash(b"_X_".join(_text(v) for v in row), self.num_bins)
                for row in zip(*flat)]
        bins = np.asarray(bins, dtype="int64").reshape(first_shape)
        dtype = self.dtype if self.output_mode == "int" else self.compute_dtype
        return encode_categorical(ops.convert_to_tensor(bins), self.output_mode,
                                  self.num_bins, dtype)

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        return encoded_shape(first, "one_hot", self.num_bins)

    def compute_output_spec(self, inputs):
        shape = self.compute_output_shape([tuple(x.shape) for x in inputs])
        dtype = self.dtype if self.output_mode == "int" else self.compute_dtype
        return backend.KerasTensor(shape, dtype)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}
