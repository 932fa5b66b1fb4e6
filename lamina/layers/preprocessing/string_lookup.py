"""`StringLookup`: string features to contiguous indices (host-side, in NumPy)."""

from lamina.api_export import export
from lamina.layers.preprocessing.index_lookup import IndexLookup


@export("lamina.layers.StringLookup")
class StringLookup(IndexLookup):
    """Maps string features to contiguous indices through a vocabulary (host-side).

    Args:
        max_tokens: the largest vocabulary size (specials included); None for no limit.
        num_oov_indices: how many indices out-of-vocabulary strings share (by a stable
            hash); 0 makes OOV strings an error.
        mask_token: a string that maps to index 0 (None: no masking).
        oov_token: the string returned for OOV indices when `invert=True`.
        vocabulary: a list or 1-D array of strings, or a text file path.
        idf_weights: with "tf_idf", one weight per vocabulary term.
        invert: map indices back to strings (a NumPy string array).
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: size the encodings to `max_tokens` instead of the vocabulary.
        sparse: must be False.
        encoding: the text encoding of byte-string inputs.
        salt: key of the OOV hash.

    Example:
    >>> layer = StringLookup(vocabulary=["a", "b", "c", "d"])
    >>> np.asarray(layer(np.array([["a", "c", "d"], ["d", "z", "b"]]))).tolist()
    [[1, 3, 4], [4, 0, 2]]
    >>> layer = StringLookup()
    >>> layer.adapt([["a", "c", "d"], ["d", "z", "b"]])
    >>> layer.get_vocabulary()
    ['[UNK]', 'd', 'z', 'c', 'b', 'a']
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None,
                 salt=None, **kwargs):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, vocabulary_dtype="string", **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        return {**config, "encoding": self.encoding}
