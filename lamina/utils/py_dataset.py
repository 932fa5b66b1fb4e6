"""`PyDataset`: a Python-indexed dataset of batches, for data that does not fit in memory."""

from lamina.api_export import export


@export("lamina.utils.PyDataset", "lamina.utils.Sequence")
class PyDataset:
    """Subclass it with `__len__` (batches per epoch) and `__getitem__(index)` -> a batch
    `(x, y)` or `(x, y, sample_weight)`; `on_epoch_end` runs after each epoch.

    Args:
        workers, use_multiprocessing, max_queue_size: accepted for Keras compatibility;
            batches are read in the calling thread.

    Example:
    >>> class Batches(lamina.utils.PyDataset):
    ...     def __len__(self):
    ...         return 10
    ...     def __getitem__(self, index):
    ...         return x[index * 32:(index + 1) * 32], y[index * 32:(index + 1) * 32]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index).")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__().")

    @property
    def num_batches(self):
        return len(self)

    def on_epoch_end(self):
        """Called after each epoch (e.g. to reshuffle)."""
