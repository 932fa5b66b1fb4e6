"""Everything `fit`/`evaluate`/`predict` accept, turned into one iterator of NumPy batches.

Arrays (NumPy, lists, dicts of arrays, pandas), Python generators and `PyDataset`s are read
here; batches are `(x, y, sample_weight)` tuples of NumPy structures. Bad input is reported
before training starts: mismatched lengths, non-numeric values, NaN.
"""

import math
import types

import numpy as np

from lamina import tree


def _to_numpy(value, what):
    if value is None:
        return None
    if hasattr(value, "to_numpy") and hasattr(value, "columns") or type(value).__name__ in (
            "DataFrame", "Series"):
        value = value.to_numpy()
    elif hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        if hasattr(value, "detach") and hasattr(value, "cpu"):
            value = value.detach().cpu()  # a torch tensor, maybe on a GPU or requiring grad
        value = value.numpy()
    array = np.asarray(value)
    if array.dtype.kind in "OUSV":
        try:
            array = array.astype("float32")
        except (TypeError, ValueError):
            raise TypeError(
                f"Argument `{what}` must hold numbers, but it holds values of type "
                f"{array.dtype} (e.g. {array.flat[0]!r}). Convert them to numbers first (for "
                "text, use a TextVectorization or StringLookup layer)."
            ) from None
    if array.dtype == np.float64:
        array = array.astype("float32")
    return array


def _standardize(structure, what):
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: _to_numpy(v, f"{what}['{k}']") for k, v in structure.items()}
    if isinstance(structure, (list, tuple)) and structure and all(
            hasattr(v, "shape") for v in structure):
        return [_to_numpy(v, f"{what}[{i}]") for i, v in enumerate(structure)]
    return _to_numpy(structure, what)


def _check_finite(structure, what):
    for i, array in enumerate(tree.flatten(structure)):
        if array is not None and array.dtype.kind == "f" and array.size and not np.isfinite(array).all():
            bad = int(np.size(array) - np.isfinite(array).sum())
            raise ValueError(
                f"Argument `{what}` contains {bad} NaN or infinite value(s) (first at flat "
                f"index {int(np.argmin(np.isfinite(array).ravel()))}). Clean or impute the data "
                "before training."
            )


def _length(structure):
    lengths = {len(a) for a in tree.flatten(structure) if a is not None}
    return lengths


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights from a `{class: weight}` dict and the targets (ids or one-hot)."""
    y = np.asarray(y)
    if y.ndim >= 2 and y.shape[-1] > 1:
        ids = np.argmax(y, axis=-1)
    else:
        ids = np.round(y.reshape(y.shape[0], -1)[:, 0]).astype("int64")
    weights = np.ones(len(ids), dtype="float32")
    for cls, weight in class_weight.items():
        weights[ids == int(cls)] = float(weight)
    return weights


class ArrayDataAdapter:
    """Batches of in-memory arrays, shuffled each epoch when asked.

    Its batches may be grouped several per compiled call (`groupable`).

    Args:
        x, y, sample_weight: arrays or structures of arrays.
        batch_size: samples per batch (32 by default).
        steps: batches per epoch, or None for all.
        shuffle: True, False or "batch".
        class_weight: an optional `{class: weight}` dict (single output only).
        check_finite: whether to refuse NaN/inf in x and y.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None,
                 shuffle=False, class_weight=None, check_finite=False):
        self.x = _standardize(x, "x")
        self.y = _standardize(y, "y")
        self.sample_weight = _standardize(sample_weight, "sample_weight")
        lengths = {}
        for name, value in (("x", self.x), ("y", self.y), ("sample_weight", self.sample_weight)):
            if value is not None:
                lengths[name] = _length(value)
        all_lengths = set().union(*lengths.values()) if lengths else set()
        if len(all_lengths) > 1:
            details = ", ".join(f"{k} sizes: {sorted(v)}" for k, v in lengths.items())
            raise ValueError(
                "Data cardinality is ambiguous: make sure all arrays contain the same number "
                f"of samples. {details}"
            )
        self.num_samples = all_lengths.pop() if all_lengths else 0
        if check_finite:
            _check_finite(self.x, "x")
            _check_finite(self.y, "y")
        if class_weight is not None:
            if self.y is None:
                raise ValueError("`class_weight` needs targets `y`.")
            if isinstance(self.y, (list, dict)) and len(tree.flatten(self.y)) > 1:
                raise ValueError("`class_weight` is only supported for models with one output.")
            cw = class_weight_to_sample_weight(tree.flatten(self.y)[0], class_weight)
            self.sample_weight = cw if self.sample_weight is None else self.sample_weight * cw
        self.batch_size = int(batch_size or 32)
        self.shuffle = shuffle
        self.groupable = True
        full = math.ceil(self.num_samples / self.batch_size) if self.num_samples else 0
        self.steps = full if steps is None else int(steps)
        self._full_steps = full

    @property
    def num_batches(self):
        return self.steps

    def _slice(self, structure, index):
        if structure is None:
            return None
        return tree.map_structure(lambda a: a[index], structure)

    def iterate(self, rng=None):
        """Yields `(x, y, sample_weight)` batches for one epoch."""
        n = self.num_samples
        if self.shuffle is True:
            order = (rng or np.random).permutation(n)
        else:
            order = None
        step = 0
        while step < self.steps:
            start = (step % max(self._full_steps, 1)) * self.batch_size
            stop = min(start + self.batch_size, n)
            if order is not None:
                index = order[start:stop]
            else:
                index = slice(start, stop)
            batch = (self._slice(self.x, index), self._slice(self.y, index),
                     self._slice(self.sample_weight, index))
            if self.shuffle == "batch" and order is None:
                perm = (rng or np.random).permutation(stop - start)
                batch = tuple(self._slice(b, perm) if b is not None else None for b in batch)
            yield batch
            step += 1


def split_arrays(x, y, sample_weight, validation_split):
    """The last `validation_split` of the samples held out, as Keras does (before shuffling)."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(
            "`validation_split` must be a float in (0, 1), received "
            f"validation_split={validation_split}."
        )
    arrays = [_standardize(v, n) for v, n in ((x, "x"), (y, "y"), (sample_weight, "sample_weight"))]
    lengths = set()
    for a in arrays:
        if a is not None:
            lengths |= _length(a)
    if len(lengths) != 1:
        raise ValueError(f"Data cardinality is ambiguous: sizes {sorted(lengths)}.")
    n = lengths.pop()
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`."
        )

    def take(a, index):
        return None if a is None else tree.map_structure(lambda v: v[index], a)

    train = tuple(take(a, slice(0, split_at)) for a in arrays)
    val = tuple(take(a, slice(split_at, None)) for a in arrays)
    return train, val


def _unpack(item):
    if isinstance(item, tuple):
        if len(item) == 1:
            return item[0], None, None
        if len(item) == 2:
            return item[0], item[1], None
        if len(item) == 3:
            return item
        raise ValueError(
            "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
            f"found a tuple of {len(item)} elements."
        )
    return item, None, None


class GeneratorDataAdapter:
    """Batches from a Python generator of `x`, `(x, y)` or `(x, y, sample_weight)`."""

    def __init__(self, generator, steps=None):
        self.generator = generator
        self.steps = steps
        self._peeked = []

    @property
    def num_batches(self):
        return self.steps

    def peek(self):
        if not self._peeked:
            self._peeked.append(next(self.generator))
        return self._peeked[0]

    def iterate(self, rng=None):
        count = 0
        while self.steps is None or count < self.steps:
            if self._peeked:
                item = self._peeked.pop()
            else:
                try:
                    item = next(self.generator)
                except StopIteration:
                    return
            x, y, sw = _unpack(item)
            yield (_standardize(x, "x"), _standardize(y, "y"), _standardize(sw, "sample_weight"))
            count += 1


class PyDatasetAdapter:
    """Batches from a `lamina.utils.PyDataset` (indexable, with a length)."""

    def __init__(self, dataset, steps=None, shuffle=False):
        self.dataset = dataset
        total = len(dataset) if hasattr(dataset, "__len__") else None
        self.steps = steps if steps is not None else total
        self.shuffle = shuffle

    @property
    def num_batches(self):
        return self.steps

    def peek(self):
        return self.dataset[0]

    def iterate(self, rng=None):
        total = len(self.dataset)
        order = np.arange(total)
        if self.shuffle:
            order = (rng or np.random).permutation(total)
        for step in range(self.steps):
            x, y, sw = _unpack(self.dataset[int(order[step % total])])
            yield (_standardize(x, "x"), _standardize(y, "y"), _standardize(sw, "sample_weight"))
        if hasattr(self.dataset, "on_epoch_end"):
            self.dataset.on_epoch_end()


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                     class_weight=None, check_finite=False):
    """The adapter for whatever the user passed as `x`."""
    from lamina.utils.py_dataset import PyDataset

    if isinstance(x, PyDataset) or (hasattr(x, "__getitem__") and hasattr(x, "__len__")
                                    and hasattr(x, "on_epoch_end") and not hasattr(x, "shape")):
        _no_targets(y, sample_weight, "a PyDataset")
        return PyDatasetAdapter(x, steps=steps, shuffle=shuffle)
    if isinstance(x, types.GeneratorType) or (hasattr(x, "__next__") and not hasattr(x, "shape")):
        _no_targets(y, sample_weight, "a generator")
        return GeneratorDataAdapter(x, steps=steps)
    if any(c.__name__ == "DataLoader" for c in type(x).__mro__):  # or a subclass of it
        _no_targets(y, sample_weight, "a DataLoader")
        return DataLoaderAdapter(x, steps=steps)
    return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size, steps=steps,
                            shuffle=shuffle, class_weight=class_weight, check_finite=check_finite)


class DataLoaderAdapter:
    """Batches from a `torch.utils.data.DataLoader`, iterated afresh every epoch (it does its
    own shuffling); each batch is `x`, `(x, y)` or `(x, y, sample_weight)` of tensors."""

    def __init__(self, loader, steps=None):
        self.loader = loader
        try:
            total = len(loader)
        except TypeError:  # an iterable dataset without a length
            total = None
        self.steps = steps if steps is not None else total

    @property
    def num_batches(self):
        return self.steps

    def peek(self):
        for item in self.loader:
            return tuple(item) if isinstance(item, list) else item
        raise ValueError("The DataLoader yielded no batches.")

    def iterate(self, rng=None):
        count = 0
        while self.steps is None or count < self.steps:
            for item in self.loader:
                if self.steps is not None and count >= self.steps:
                    return
                x, y, sw = _unpack(tuple(item) if isinstance(item, list) else item)
                yield (_standardize(x, "x"), _standardize(y, "y"),
                       _standardize(sw, "sample_weight"))
                count += 1
            if self.steps is None or count == 0:
                return


def _no_targets(y, sample_weight, what):
    if y is not None or sample_weight is not None:
        raise ValueError(
            f"When `x` is {what}, it must yield the targets itself: do not pass `y` or "
            "`sample_weight` separately."
        )
