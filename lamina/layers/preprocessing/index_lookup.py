"""`IndexLookup`: the vocabulary lookup shared by `IntegerLookup` and `StringLookup`.

A vocabulary is a list of tokens given up front or learned by `adapt` (most frequent first;
ties broken by the tokens' sort order, high to low, as Keras does). Index 0 is the mask
token when `mask_token` is set (in "int" mode), then `num_oov_indices` out-of-vocabulary
indices, then the tokens.

`IntegerLookup` with the default `oov_method="floormod"` runs on `lamina.ops` (it works
inside compiled models). `StringLookup` (and `IntegerLookup` with `oov_method="farmhash"`)
works on the host in NumPy: call it eagerly on arrays or apply it to the data before
`fit`/`predict`. Hashed OOV buckets use a stable BLAKE2b hash, not Keras' FarmHash: which
OOV index a token lands in differs from Keras'.
"""

import collections

import numpy as np

from lamina import backend, ops
from lamina.layers.layer import Layer
from lamina.layers.preprocessing.encoding import (HostInputsMixin, check_output_mode,
                                                  encode_categorical, encoded_shape, to_host)
from lamina.layers.preprocessing.hashing import _check_salt, _text, stable_hash


def _listify(values):
    if values is None:
        return None
    if isinstance(values, str):
        return values
    array = to_host(values)
    return array.tolist()


def _is_dataset_like(data):
    """True for an iterable of batches (generator, dataset), False for array-likes."""
    return hasattr(data, "__iter__") and not (
        isinstance(data, (list, tuple, np.ndarray, str)) or ops.is_tensor(data))


class IndexLookup(HostInputsMixin, Layer):
    """The shared implementation of `IntegerLookup` and `StringLookup`."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", name=None,
                 salt=None, **kwargs):
        layer_name = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(
                f"{layer_name}: if set, `max_tokens` must be greater than 1. Received: "
                f"max_tokens={max_tokens}"
            )
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(
                f"{layer_name}: if pad_to_max_tokens is True, must set `max_tokens`. "
                f"Received: max_tokens={max_tokens}"
            )
        if num_oov_indices < 0:
            raise ValueError(
                f"{layer_name}: `num_oov_indices` must be greater than or equal to 0. "
                f"Received: num_oov_indices={num_oov_indices}"
            )
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(
                f"{layer_name}: invalid value for argument `oov_method`. Expected one of "
                f"('floormod', 'farmhash'). Received: oov_method={oov_method!r}"
            )
        if salt is not None and vocabulary_dtype != "string" and oov_method != "farmhash":
            raise ValueError(
                f"{layer_name}: `salt` can only be used when `oov_method='farmhash'`. "
                f"Received: oov_method={oov_method}"
            )
        salt = _check_salt(layer_name, salt)
        output_mode = check_output_mode(
            layer_name, output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if invert and output_mode != "int":
            raise ValueError(
                f"{layer_name}: `output_mode` must be `'int'` when `invert` is true. "
                f"Received: output_mode={output_mode}"
            )
        if sparse:
            raise ValueError(f"{layer_name}: `sparse=True` is not supported by lamina.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                f"{layer_name}: `idf_weights` should only be set if `output_mode` is "
                f"`'tf_idf'`. Received: idf_weights={idf_weights} and "
                f"output_mode={output_mode}"
            )
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary",
                                                vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"{layer_name}: unrecognized keyword argument(s): {kwargs}")
        super().__init__(name=name, autocast=False)
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self.input_vocabulary = None if isinstance(vocabulary, str) else vocabulary
        self.input_idf_weights = idf_weights
        self._tokens = []
        self._index = {}
        self._sorted_keys = np.zeros((0,), "int64")
        self._sorted_values = np.zeros((0,), "int64")
        self.idf_weights = None
        self.reset_state()
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError(
                f"{layer_name}: when specifying the `vocabulary` argument in TF-IDF output "
                "mode, the `idf_weights` argument must also be provided."
            )
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # -- vocabulary -------------------------------------------------------------------------
    def _token(self, value):
        """A token as a plain Python value (str or int)."""
        if self.vocabulary_dtype == "string":
            return value.decode("utf-8") if isinstance(value, bytes) else str(value)
        return int(value)

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The size of the vocabulary, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary: the term at index i is the term the layer maps to i.

        Args:
            include_special_tokens: include the mask and OOV tokens at the front.
        """
        specials = ([self.mask_token] * self._oov_start_index()
                    + [self.oov_token] * self.num_oov_indices)
        vocab = specials + list(self._tokens)
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return vocab

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for "tf_idf", the IDF weights) directly.

        Args:
            vocabulary: a list, tuple or 1-D array of terms, or the path of a text file with
                one term per line (refused while loading a model in safe mode).
            idf_weights: the inverse document frequency of each term ("tf_idf" only).
        """
        layer_name = type(self).__name__
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(
                    f"{layer_name}: `idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(
                f"{layer_name}: `idf_weights` should only be set if output_mode is "
                f"`'tf_idf'`. Received: output_mode={self.output_mode} and "
                f"idf_weights={idf_weights}"
            )
        if isinstance(vocabulary, str):
            vocabulary = self._read_vocabulary_file(vocabulary)
            self.input_vocabulary = vocabulary
        vocabulary = [self._token(v) for v in to_host(vocabulary).reshape(-1).tolist()]
        if not vocabulary:
            raise ValueError(
                f"{layer_name}: cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        token_start = self._token_start_index()
        special_tokens = ([self.mask_token] * self._oov_start_index()
                          + [self.oov_token] * self.num_oov_indices)
        found_special_tokens = vocabulary[:token_start] == special_tokens
        tokens = vocabulary[token_start:] if found_special_tokens else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(
                f"{layer_name}: the passed vocabulary has at least one repeated term. Please "
                f"uniquify your dataset. The repeated terms are: {repeated}"
            )
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(
                f"{layer_name}: found reserved mask token at unexpected location in "
                "`vocabulary`. Either remove all mask and OOV tokens, or include them only at "
                f"the start of the vocabulary in precisely this order: {special_tokens}. "
                f"Received: mask_token={self.mask_token} at vocabulary index "
                f"{vocabulary.index(self.mask_token)}"
            )
        if self.oov_token is not None and self.invert and self.oov_token in tokens:
            raise ValueError(
                f"{layer_name}: found reserved OOV token at unexpected location in "
                "`vocabulary`. Either remove all mask and OOV tokens, or include them only at "
                f"the start of the vocabulary in precisely this order: {special_tokens}. "
                f"Received: oov_token={self.oov_token} at vocabulary index "
                f"{vocabulary.index(self.oov_token)}"
            )
        if self.max_tokens is not None and token_start + len(tokens) > self.max_tokens:
            raise ValueError(
                f"{layer_name}: attempted to set a vocabulary larger than the maximum vocab "
                f"size. Received vocabulary size is {token_start + len(tokens)}; "
                f"`max_tokens` is {self.max_tokens}."
            )
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf_weights = np.asarray(to_host(idf_weights), dtype="float64")
            if len(vocabulary) != len(idf_weights):
                raise ValueError(
                    f"{layer_name}: `idf_weights` must be the same length as vocabulary. "
                    f"len(idf_weights) is {len(idf_weights)}; len(vocabulary) is "
                    f"{len(vocabulary)}"
                )
            if idf_weights.ndim != 1:
                raise ValueError(f"{layer_name}: TF-IDF data must be a 1-index array.")
            front = 0 if found_special_tokens else token_start
            front_value = 0.0 if found_special_tokens else float(np.average(idf_weights))
            self._set_idf(idf_weights, front, front_value)

    def _read_vocabulary_file(self, path):
        from lamina.saving.object_registration import in_safe_mode

        if in_safe_mode():
            raise ValueError(
                "Requested the loading of a vocabulary file outside of the model archive. "
                "This carries a potential risk of loading arbitrary and sensitive files and "
                "thus it is disallowed in safe mode. If you trust the source of the artifact, "
                "load it with `safe_mode=False`. Vocabulary file: " + repr(path)
            )
        if self.output_mode == "tf_idf":
            raise ValueError(
                "output_mode `'tf_idf'` does not support loading a vocabulary from file.")
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except OSError:
            raise ValueError(f"Vocabulary file {path} does not exist.") from None
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        self._index = {t: i + self._token_start_index() for i, t in enumerate(self._tokens)}
        if self.vocabulary_dtype != "string":
            keys = np.asarray(self._tokens, dtype="int64")
            order = np.argsort(keys, kind="stable")
            self._sorted_keys = keys[order]
            self._sorted_values = (order + self._token_start_index()).astype("int64")
        self._check_vocab_size_unchanged()

    def _set_idf(self, idf_weights, front, front_value):
        weights = np.pad(idf_weights, (front, 0), constant_values=front_value)
        if self.pad_to_max_tokens and self.max_tokens is not None:
            weights = np.pad(weights, (0, self.max_tokens - len(weights)), constant_values=0.0)
        self.idf_weights = weights.astype(backend.floatx())

    def _check_vocab_size_unchanged(self):
        size = self.vocabulary_size()
        fixed_depth = self.output_mode != "int" and not self.pad_to_max_tokens
        if fixed_depth and self._frozen_vocab_size is not None and (
                size != self._frozen_vocab_size) and getattr(self, "_called", False):
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "the vocabulary size cannot be changed after the layer is called. Old vocab "
                f"size is {self._frozen_vocab_size}, new vocab size is {size}"
            )
        self._frozen_vocab_size = size

    # -- adapt ------------------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Learns the vocabulary (tokens by frequency) from `data`: an array, a list, or an
        iterable of batches; `steps` limits the number of batches."""
        self.reset_state()
        if _is_dataset_like(data):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        else:
            array = to_host(data)
            if array.ndim == 1:
                array = array[:, None]
            self.update_state(array)
        self.finalize_state()

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                "`vocabulary` argument or `set_vocabulary()` method."
            )
        array = to_host(data)
        if array.ndim == 0:
            array = array[None]
        if array.ndim == 1:
            array = array[None]
        rows = [row.reshape(-1).tolist() for row in array]
        self._update_rows(rows)

    def _update_rows(self, rows):
        """Counts the tokens of `rows` (one list of tokens per document)."""
        for row in rows:
            tokens = [self._token(t) for t in row]
            self._counts.update(tokens)
            if self.output_mode == "tf_idf":
                self._document_counts.update(set(tokens))
        self._num_documents += len(rows)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._counts:
            return
        counts = dict(self._counts)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._token(special), None)

        def order(item):
            token, count = item
            return (count, token.encode("utf-8") if isinstance(token, str) else token)

        ranked = [t for t, _ in sorted(counts.items(), key=order, reverse=True)]
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start_index()]
        self._set_tokens(ranked)
        if self.output_mode == "tf_idf":
            document_counts = np.asarray([self._document_counts[t] for t in ranked], "float64")
            idf = np.log(1 + self._num_documents / (1 + document_counts))
            self._set_idf(idf, self._token_start_index(),
                          float(np.mean(idf)) if idf.size else 0.0)
        self.reset_state()

    def reset_state(self):
        if self._has_input_vocabulary:
            return
        self._counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    # -- calling ----------------------------------------------------------------------------
    def _runs_on_host(self):
        return self.vocabulary_dtype == "string" or (
            self.oov_method == "farmhash" and self.num_oov_indices > 1)

    def _lookup_host(self, array):
        """Indices (int64 NumPy array) of the tokens in a NumPy array."""
        flat = [self._token(v) for v in array.reshape(-1).tolist()]
        if self.num_oov_indices == 1:
            default = self._oov_start_index()
        else:
            default = -1
        indices = np.asarray([self._index.get(t, default) for t in flat], dtype="int64")
        if self.num_oov_indices == 0 and (indices == -1).any():
            bad = [t for t, i in zip(flat, indices) if i == -1]
            raise ValueError(
                "When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values "
                f"{bad}, consider setting `num_oov_indices=1`."
            )
        if self.num_oov_indices > 1:
            for k, (token, index) in enumerate(zip(flat, indices)):
                if index == -1 and token not in self._index:
                    if self.vocabulary_dtype != "string" and self.oov_method == "floormod":
                        bucket = token % self.num_oov_indices
                    else:
                        bucket = stable_hash(_text(token), self.num_oov_indices, self.salt)
                    indices[k] = bucket + self._oov_start_index()
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else -1
            mask = np.asarray([t == self._token(self.mask_token) for t in flat], dtype=bool)
            indices = np.where(mask, mask_value, indices)
        return indices.reshape(array.shape)

    def _lookup_ops(self, inputs):
        """Indices of integer tokens with `lamina.ops` (works inside compiled steps)."""
        x = ops.cast(inputs, "int64")
        oov_start = self._oov_start_index()
        if self.num_oov_indices == 1:
            default = ops.full_like(x, oov_start)
        elif self.num_oov_indices > 1:
            default = ops.add(ops.mod(x, self.num_oov_indices), oov_start)
        else:
            default = ops.full_like(x, -1)
        if self._tokens:
            n = len(self._tokens)
            position = ops.minimum(ops.searchsorted(self._sorted_keys, x), n - 1)
            found = ops.equal(ops.take(self._sorted_keys, position), x)
            indices = ops.where(found, ops.take(self._sorted_values, position), default)
        else:
            indices = default
        if self.num_oov_indices == 0:
            self._raise_if_oov(inputs, indices)
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else -1
            indices = ops.where(ops.equal(x, int(self.mask_token)), mask_value, indices)
        return indices

    def _raise_if_oov(self, inputs, indices):
        try:
            values = np.asarray(ops.convert_to_numpy(indices))
        except Exception:  # traced inside a compiled step: values are not known here
            return
        if (values == -1).any():
            bad = np.asarray(ops.convert_to_numpy(inputs))[values == -1].tolist()
            raise ValueError(
                "When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values "
                f"{bad}, consider setting `num_oov_indices=1`."
            )

    def _invert(self, inputs):
        vocab = self.get_vocabulary()
        size = len(vocab)
        if self.vocabulary_dtype == "string":
            indices = to_host(inputs).astype("int64")
            table = np.asarray(vocab + [self.oov_token], dtype=object)
            valid = (indices >= 0) & (indices < size)
            out = table[np.where(valid, indices, size)]
            if self.mask_token is not None:
                out = np.where(indices == 0, self.mask_token, out)
            return out.astype(str)
        table = np.asarray(vocab, dtype="int64")
        x = ops.cast(inputs, "int64")
        valid = ops.logical_and(ops.greater_equal(x, 0), ops.less(x, size))
        out = ops.where(valid, ops.take(table, ops.clip(x, 0, size - 1)), int(self.oov_token))
        if self.mask_token is not None:
            out = ops.where(ops.equal(x, 0), int(self.mask_token), out)
        return out

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    def _encode(self, indices):
        if self.output_mode == "int":
            return indices
        return self._encode_mode(indices, self.output_mode)

    def _encode_mode(self, indices, output_mode):
        mode = "count" if output_mode == "tf_idf" else output_mode
        output = encode_categorical(indices, mode, self._depth(), backend.floatx())
        if output_mode == "tf_idf":
            if self.idf_weights is None:
                raise ValueError(
                    "When `output_mode` is `'tf_idf'`, `idf_weights` must be provided.")
            output = ops.multiply(output, self.idf_weights)
        return output

    def _ensure_known_vocab_size(self):
        if self.output_mode == "int" or self.pad_to_max_tokens:
            return
        if not self._tokens and self._frozen_vocab_size is None:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "you must set the layer's vocabulary before calling it. Either pass a "
                "`vocabulary` argument to the layer, or call `adapt` with some sample data."
            )

    def call(self, inputs):
        self._ensure_known_vocab_size()
        if self.invert:
            return self._invert(inputs)
        if self._runs_on_host():
            indices = ops.convert_to_tensor(self._lookup_host(to_host(inputs)))
        else:
            indices = self._lookup_ops(inputs)
        return self._encode(indices)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs):
        if self.output_mode == "int":
            dtype = self.vocabulary_dtype if self.invert else "int64"
        else:
            dtype = backend.floatx()
        return backend.KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    # -- serialization ----------------------------------------------------------------------
    def get_config(self):
        config = {
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("vocabulary"), str):
            from lamina.saving.object_registration import code_loading_allowed

            if not code_loading_allowed():
                raise ValueError(
                    f"{cls.__name__}.from_config: the config names a vocabulary file "
                    f"({config['vocabulary']!r}); in safe mode only a list of terms is "
                    "accepted from a config, since reading files named by a config is unsafe. "
                    "If you trust it, load the model with `safe_mode=False` (or call "
                    "`lamina.config.enable_unsafe_deserialization()`)."
                )
        return cls(**config)

    def save_assets(self, dir_path):
        """Writes an adapted vocabulary to `dir_path/vocabulary.txt` (Keras' asset layout)."""
        if self.input_vocabulary is not None:
            return
        import os

        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as handle:
            handle.write("\n".join(str(w) for w in self.get_vocabulary()))

    def load_assets(self, dir_path):
        """Reads the vocabulary written by `save_assets` (inside the model archive)."""
        if self.input_vocabulary is not None:
            return
        import os

        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = lines if self.vocabulary_dtype == "string" else [int(v) for v in lines]
        idf = None
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            idf = self.idf_weights[:len(values)]
        self._has_input_vocabulary = False
        self.set_vocabulary(values, idf_weights=idf)

    def get_build_config(self):
        return {}

    def build_from_config(self, config):
        self.built = True
