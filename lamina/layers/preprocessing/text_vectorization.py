"""`TextVectorization`: strings to token indices or bag-of-words vectors.

Text processing (standardization, splitting, n-grams, the vocabulary lookup) runs on the host
in Python/NumPy: call the layer eagerly on arrays of strings, or vectorize the data before
`fit`/`predict`; it cannot run inside a compiled step.
"""

import re
import string

import numpy as np

from lamina import backend, ops
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.layers.preprocessing.encoding import HostInputsMixin, check_output_mode, to_host
from lamina.layers.preprocessing.index_lookup import _is_dataset_like
from lamina.layers.preprocessing.string_lookup import StringLookup
from lamina.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")
# TensorFlow's `strings.lower` (which Keras uses) lowercases ASCII letters only.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _check_choice(name, value, allowed):
    if value is None or callable(value) or value in allowed:
        return
    raise ValueError(
        f"TextVectorization: invalid value for argument `{name}`. Expected one of {allowed}, "
        f"None or a callable. Received: {name}={value!r}"
    )


def _ngrams(tokens, widths):
    """All n-grams of `tokens` for each width in `widths`, joined by spaces, width by width."""
    out = []
    for width in widths:
        out.extend(" ".join(tokens[i:i + width]) for i in range(len(tokens) - width + 1))
    return out


@export("lamina.layers.TextVectorization")
class TextVectorization(HostInputsMixin, Layer):
    """Turns strings into sequences of token indices or into bag-of-words vectors.

    Each string is standardized, split into tokens, optionally turned into n-grams, and
    looked up in a vocabulary (given, or learned by `adapt`: most frequent first, ties by
    the tokens' sort order, high to low). Index 0 is padding and index 1 the OOV token.

    Args:
        max_tokens: the largest vocabulary size (padding and OOV included).
        standardize: "lower_and_strip_punctuation" (default), "lower", "strip_punctuation",
            None, or a callable taking and returning a 1-D NumPy array of strings.
        split: "whitespace" (default), "character", None (each string is one token), or a
            callable taking a 1-D NumPy array of strings and returning one list of tokens
            per string.
        ngrams: None, an int n (all n-grams up to n), or a tuple of n-gram widths.
        output_mode: "int", "multi_hot", "count" or "tf_idf" ("one_hot" also accepted).
        output_sequence_length: with "int", pad or truncate every sequence to this length
            (otherwise sequences are padded to the longest in the batch).
        pad_to_max_tokens: size the vectors to `max_tokens` in the non-int modes.
        vocabulary: a list of terms (or a text file path).
        idf_weights: with "tf_idf" and `vocabulary`, one weight per term.
        sparse, ragged: must be False.
        encoding: the text encoding of byte-string inputs.

    Input shape:
        `(batch,)` or `(batch, 1)` strings.

    Output shape:
        `(batch, sequence_length)` int64 with "int"; `(batch, vocabulary_size)` otherwise.

    Example:
    >>> layer = TextVectorization(output_mode="int")
    >>> layer.adapt(["The cat sat.", "the dog"])
    >>> layer.get_vocabulary()
    ['', '[UNK]', 'the', 'sat', 'dog', 'cat']
    >>> np.asarray(layer(np.array(["the dog sat", "a cat"]))).tolist()
    [[2, 4, 3], [1, 5, 0]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        if sparse:
            raise ValueError("TextVectorization: `sparse=True` is not supported by lamina.")
        if ragged:
            raise ValueError("TextVectorization: `ragged=True` is not supported by lamina.")
        _check_choice("standardize", standardize,
                      ("lower_and_strip_punctuation", "lower", "strip_punctuation"))
        _check_choice("split", split, ("whitespace", "character"))
        output_mode = check_output_mode(
            "TextVectorization", output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if not (ngrams is None or isinstance(ngrams, int) or (
                isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams))):
            raise ValueError(
                "TextVectorization: `ngrams` must be None, an integer, or a tuple of integers. "
                f"Received: ngrams={ngrams}"
            )
        if output_mode == "int" and not (
                output_sequence_length is None or isinstance(output_sequence_length, int)):
            raise ValueError(
                "TextVectorization: `output_sequence_length` must be either None or an integer "
                f"when `output_mode` is 'int'. Received: "
                f"output_sequence_length={output_sequence_length}"
            )
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "TextVectorization: `output_sequence_length` must not be set if `output_mode` "
                f"is not 'int'. Received output_sequence_length={output_sequence_length}."
            )
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, autocast=False, **kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=sparse, has_input_vocabulary=self._has_input_vocabulary,
            encoding=encoding, vocabulary_size=vocabulary_size)
        self.built = True

    # -- text processing --------------------------------------------------------------------
    def _standardize_strings(self, strings):
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            strings = np.asarray([s.translate(_ASCII_LOWER) for s in strings.tolist()],
                                 dtype=object)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            strings = np.asarray([_PUNCTUATION.sub("", s) for s in strings.tolist()],
                                 dtype=object)
        if callable(self._standardize):
            strings = to_host(self._standardize(strings.astype(str)))
        return strings

    def _preprocess(self, inputs):
        """Inputs to a list of token lists (one per string) and whether they were scalar."""
        strings = to_host(inputs)
        scalar = strings.ndim == 0
        if scalar:
            strings = strings[None]
        if strings.dtype.kind not in ("U", "O"):
            strings = strings.astype(str)
        if self._split is not None and strings.ndim > 1:
            if strings.shape[-1] != 1:
                raise ValueError(
                    "When using `TextVectorization` to tokenize strings, the input rank must "
                    "be 1 or the last shape dimension must be 1. Received: "
                    f"inputs.shape={strings.shape} with rank={strings.ndim}"
                )
            strings = strings[..., 0]
        strings = self._standardize_strings(np.asarray(strings, dtype=object))
        if self._split is None:
            rows = [list(row) if strings.ndim > 1 else [row] for row in strings.tolist()]
        elif self._split == "whitespace":
            rows = [s.split() for s in strings.tolist()]
        elif self._split == "character":
            rows = [list(s) for s in strings.tolist()]
        else:
            rows = [[str(t) for t in to_host(row).reshape(-1).tolist()]
                    for row in self._split(strings.astype(str))]
        if self._ngrams is not None:
            rows = [_ngrams(row, self._ngrams) for row in rows]
        return rows, scalar

    # -- vocabulary -------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from strings: an array or list of strings, or an iterable of
        batches of strings; `steps` limits the number of batches."""
        self.reset_state()
        if _is_dataset_like(data):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        else:
            self.update_state(data)
        self.finalize_state()

    def update_state(self, data):
        if self._lookup_layer._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                "`vocabulary` argument or `set_vocabulary()` method."
            )
        rows, _ = self._preprocess(data)
        self._lookup_layer._update_rows(rows)

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary; with special tokens, term i is the term that maps to index i."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The vocabulary size, padding and OOV indices included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and IDF weights for "tf_idf") directly."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)

    # -- calling ----------------------------------------------------------------------------
    def call(self, inputs):
        rows, scalar = self._preprocess(inputs)
        lookup = self._lookup_layer
        lookup._ensure_known_vocab_size()
        indices = [lookup._lookup_host(np.asarray(row, dtype=object)) if row
                   else np.zeros((0,), "int64") for row in rows]
        if self._output_mode == "int":
            length = self._output_sequence_length
            if length is None:
                length = max((len(r) for r in indices), default=0)
            out = np.zeros((len(indices), length), dtype="int64")
            for i, row in enumerate(indices):
                row = row[:length]
                out[i, :len(row)] = row
            if scalar:
                out = out[0]
            return ops.convert_to_tensor(out)
        # Pad with -1, which encodes to nothing.
        width = max(1, max((len(r) for r in indices), default=0))
        padded = np.full((len(indices), width), -1, dtype="int64")
        for i, row in enumerate(indices):
            padded[i, :len(row)] = row
        mode = self._output_mode
        if mode == "one_hot":
            mode = "multi_hot" if width > 1 else "one_hot"
        output = lookup._encode_mode(ops.convert_to_tensor(padded), mode)
        if scalar:
            output = output[0]
        return output

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0] if input_shape else None, self._output_sequence_length)
        return (input_shape[0] if input_shape else None, self._lookup_layer._depth())

    def compute_output_spec(self, inputs):
        dtype = "int64" if self._output_mode == "int" else backend.floatx()
        return backend.KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    # -- serialization ----------------------------------------------------------------------
    def get_config(self):
        def callable_or_name(value):
            return serialize_keras_object(value) if callable(value) else value

        lookup = self._lookup_layer
        config = {
            "max_tokens": lookup.max_tokens,
            "standardize": callable_or_name(self._standardize),
            "split": callable_or_name(self._split),
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": lookup.sparse,
            "ragged": self._ragged,
            "vocabulary": lookup.get_config()["vocabulary"],
            "idf_weights": lookup.get_config()["idf_weights"],
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        if isinstance(config.get("vocabulary"), str):
            from lamina.saving.object_registration import code_loading_allowed

            if not code_loading_allowed():
                raise ValueError(
                    "TextVectorization.from_config: the config names a vocabulary file "
                    f"({config['vocabulary']!r}); in safe mode only a list of terms is "
                    "accepted from a config, since reading files named by a config is unsafe. "
                    "If you trust it, load the model with `safe_mode=False`."
                )
        return cls(**config)
