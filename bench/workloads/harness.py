"""What every benchmark program shares: the command line, the timed framework import, the
thread setting, and the one JSON line a run prints for the driver.

A workload module (one file per workload in this folder) defines `config(quick)`, and
`keras_program(keras, cfg, out)` (run with `keras` being `lamina` or Keras 3 — the same
program text for both), `jax_program(cfg, out)` and `torch_program(cfg, out)` (the
hand-written loops). A program fills `out` measure by measure, so that a failure part-way
still reports what was measured before it. Run one program directly with

    python bench/workloads/<workload>.py --framework lamina --backend jax [--quick]

Only the standard library is imported here at module level, so that the import of the
framework is timed in a process that has loaded nothing heavy before it.
"""

import argparse
import contextlib
import importlib
import json
import os
import sys
import time
import traceback

RESULT_MARKER = "BENCH_RESULT "
FRAMEWORKS = ("lamina", "keras", "hand")
BACKENDS = ("jax", "torch")


class Config(dict):
    """A workload's settings, readable as attributes (`cfg.epochs`)."""

    __getattr__ = dict.__getitem__


@contextlib.contextmanager
def timed(out, key):
    """Store the seconds the block took in `out[key]`."""
    start = time.perf_counter()
    yield
    out[key] = time.perf_counter() - start


def mean_seconds(function, repeats):
    """The mean seconds of one call of `function` over `repeats` calls (no warm-up here:
    callers warm up themselves, so that a first-call cost stays visible where it matters)."""
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - start) / repeats


def rss_mb():
    """The resident memory of this process, in MiB."""
    import gc

    import psutil

    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


class CompileCounter:
    """Counts XLA compilations from now on when the backend is jax (stays None on others)."""

    def __init__(self, backend):
        self.count = None
        if backend == "jax":
            import jax

            self.count = 0
            jax.monitoring.register_event_duration_secs_listener(self._listen)

    def _listen(self, event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            self.count += 1


def set_threads(backend):
    """Torch runs with one intra-op thread per core, the same for lamina, Keras and hand."""
    if backend == "torch":
        import torch

        torch.set_num_threads(os.cpu_count())


def import_backend(backend):
    """Import the backend alone (what the hand-written loops start from)."""
    if backend == "jax":
        import jax
        import jax.numpy  # noqa: F401
    else:
        import torch  # noqa: F401


def main(workload):
    parser = argparse.ArgumentParser(description=workload.__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=FRAMEWORKS, required=True)
    parser.add_argument("--backend", choices=BACKENDS, default="jax")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    os.environ["LAMINA_BACKEND"] = args.backend
    os.environ["KERAS_BACKEND"] = args.backend
    cfg = Config(workload.config(args.quick), backend=args.backend)
    out = {}
    try:
        cfg["start"] = time.perf_counter()
        if args.framework == "hand":
            import_backend(args.backend)
        else:
            keras = importlib.import_module(args.framework)
        out["import_s"] = time.perf_counter() - cfg.start
        out["backend_loaded_by_import"] = args.backend in sys.modules
        set_threads(args.backend)
        if args.framework == "hand":
            getattr(workload, f"{args.backend}_program")(cfg, out)
        else:
            workload.keras_program(keras, cfg, out)
    except Exception as error:  # reported, with whatever was measured before it
        out["error"] = f"{type(error).__name__}: {error}".splitlines()[0][:300]
        out["traceback"] = traceback.format_exc()[-6000:]
    print(RESULT_MARKER + json.dumps(out), flush=True)
