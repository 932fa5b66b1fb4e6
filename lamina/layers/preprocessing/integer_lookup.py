"""`IntegerLookup`: integer features to contiguous indices (runs on `lamina.ops`)."""

from lamina.api_export import export
from lamina.layers.preprocessing.index_lookup import IndexLookup


@export("lamina.layers.IntegerLookup")
class IntegerLookup(IndexLookup):
    """Maps integer features to contiguous indices through a vocabulary.

    Args:
        max_tokens: the largest vocabulary size (specials included); None for no limit.
        num_oov_indices: how many indices out-of-vocabulary values share (hashed by
            `x mod num_oov_indices`); 0 makes OOV values an error.
        mask_token: a value that maps to index 0 (None: no masking).
        oov_token: the value returned for OOV indices when `invert=True`.
        vocabulary: a list or 1-D array of integers, or a text file path.
        vocabulary_dtype: only "int64".
        idf_weights: with "tf_idf", one weight per vocabulary term.
        invert: map indices back to values.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        sparse: must be False.
        pad_to_max_tokens: size the encodings to `max_tokens` instead of the vocabulary.
        oov_method: "floormod" (default) or "farmhash" (a stable hash here, host-side).
        salt: key of the hash with `oov_method="farmhash"`.

    Example:
    >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
    >>> np.asarray(layer(np.array([[12, 1138, 42], [42, 1000, 36]]))).tolist()
    [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(
                "IntegerLookup: only `vocabulary_dtype='int64'` is supported at this time. "
                f"Received: vocabulary_dtype={vocabulary_dtype}"
            )
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method,
                         salt=salt, name=name, **kwargs)

    def get_config(self):
        config = super().get_config()
        if config["oov_token"] is not None:
            config["oov_token"] = int(config["oov_token"])
        if config["mask_token"] is not None:
            config["mask_token"] = int(config["mask_token"])
        if isinstance(config["vocabulary"], list):
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
