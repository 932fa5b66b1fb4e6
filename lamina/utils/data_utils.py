"""Small data helpers Keras users reach for: one-hot labels, normalization, padding,
packing of `(x, y, sample_weight)`, dataset splitting, file download."""

import hashlib
import os
import shutil
import tarfile
import urllib.request
import zipfile

import numpy as np

from lamina.api_export import export


@export("lamina.utils.to_categorical")
def to_categorical(x, num_classes=None):
    """Class ids as one-hot rows (float32), with `num_classes` columns (max id + 1 by default).

    Example:
    >>> to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.], [0., 0., 1.]], dtype=float32)
    """
    x = np.asarray(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical: class ids must be >= 0, received {int(x.min())}.")
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    elif x.size and x.max() >= num_classes:
        raise ValueError(
            f"to_categorical: class id {int(x.max())} is out of range for num_classes="
            f"{num_classes}."
        )
    out = np.zeros((x.size, num_classes), dtype="float32")
    out[np.arange(x.size), x] = 1.0
    return out.reshape(shape + (num_classes,))


@export("lamina.utils.normalize")
def normalize(x, axis=-1, order=2):
    """`x` divided by its `order`-norm along `axis` (zero norms left as zero)."""
    from lamina import ops

    if isinstance(x, np.ndarray):
        norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
        norm[norm == 0] = 1
        return x / norm
    return ops.normalize(x, axis=axis, order=order)


@export("lamina.utils.pad_sequences", "lamina.preprocessing.sequence.pad_sequences")
def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads (or truncates) a list of sequences to one length.

    Args:
        sequences: a list of lists (or arrays) of values.
        maxlen: the length; the longest sequence's by default.
        padding: "pre" or "post": where to add values.
        truncating: "pre" or "post": where to cut long sequences.
        value: the padding value.

    Returns:
        An array of shape `(len(sequences), maxlen, ...)`.
    """
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood: expected "pre" or "post".')
    if truncating not in ("pre", "post"):
        raise ValueError(
            f'Truncating type "{truncating}" not understood: expected "pre" or "post".')
    lengths = [len(s) for s in sequences]
    maxlen = max(lengths, default=0) if maxlen is None else maxlen
    sample_shape = ()
    for s in sequences:
        if len(s):
            sample_shape = np.asarray(s).shape[1:]
            break
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        s = np.asarray(s)
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if padding == "post":
            out[i, :len(trunc)] = trunc
        else:
            out[i, maxlen - len(trunc):] = trunc
    return out


@export("lamina.utils.pack_x_y_sample_weight")
def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """`(x, y, sample_weight)` packed the way fit reads it: `x`, `(x, y)` or the triple."""
    if y is None:
        if not isinstance(x, tuple):
            return x
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


@export("lamina.utils.unpack_x_y_sample_weight")
def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` from what `pack_x_y_sample_weight` returns."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return data
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found: {data}"
    )


@export("lamina.utils.split_dataset")
def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Splits arrays (or a tuple of arrays) into two parts by size or fraction."""
    arrays = dataset if isinstance(dataset, tuple) else (dataset,)
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError("split_dataset: all arrays must have the same length.")

    def size(value):
        if value is None:
            return None
        if isinstance(value, float):
            if not 0 < value < 1:
                raise ValueError(f"A float size must be in (0, 1), received {value}.")
            return int(round(value * n))
        return int(value)

    left, right = size(left_size), size(right_size)
    if left is None and right is None:
        raise ValueError("split_dataset: pass `left_size`, `right_size` or both.")
    left = n - right if left is None else left
    right = n - left if right is None else right
    if left + right > n:
        raise ValueError(f"split_dataset: sizes {left} + {right} exceed the {n} samples.")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    pick = lambda idx: tuple(np.asarray(a)[idx] for a in arrays)  # noqa: E731
    first, second = pick(order[:left]), pick(order[left:left + right])
    if not isinstance(dataset, tuple):
        return first[0], second[0]
    return first, second


@export("lamina.utils.get_file")
def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Downloads `origin` into the cache (~/.lamina/<cache_subdir>) unless present.

    Returns:
        The path of the file (or of the extracted folder when `extract`).
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    cache_dir = cache_dir or os.path.join(os.path.expanduser("~"), ".lamina")
    directory = os.path.join(cache_dir, cache_subdir)
    os.makedirs(directory, exist_ok=True)
    fname = fname or os.path.basename(origin.split("?")[0])
    path = os.path.join(directory, fname)
    expected = file_hash or md5_hash
    if force_download or not os.path.exists(path) or (
            expected and not _hash_matches(path, expected, hash_algorithm)):
        tmp = path + ".part"
        with urllib.request.urlopen(origin) as response, open(tmp, "wb") as out:
            shutil.copyfileobj(response, out)
        if expected and not _hash_matches(tmp, expected, hash_algorithm):
            os.remove(tmp)
            raise ValueError(f"The file downloaded from {origin} does not match the hash "
                             f"{expected}: it may be corrupted.")
        os.replace(tmp, path)
    if extract or untar:
        target = os.path.join(directory, fname.split(".")[0])
        _extract(path, target)
        return target
    return path


def _hash_matches(path, expected, algorithm):
    if algorithm == "auto":
        algorithm = "sha256" if len(expected) == 64 else "md5"
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == expected


def _extract(path, target):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("/") or ".." in name.split("/"):
                    raise ValueError(f"Refusing to extract unsafe member {name!r} of {path}.")
            archive.extractall(target)
    elif tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            archive.extractall(target, filter="data")
    else:
        raise ValueError(f"{path} is neither a zip nor a tar archive.")
