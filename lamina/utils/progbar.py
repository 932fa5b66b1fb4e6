"""`Progbar`: the Keras-style progress bar, for terminals, log files and notebooks."""

import sys
import time

import numpy as np

from lamina.api_export import export

_INTERACTIVE = [None]


@export("lamina.utils.is_interactive_logging_enabled",
        "lamina.config.is_interactive_logging_enabled")
def is_interactive_logging_enabled():
    """Whether progress is drawn in place (a terminal) rather than printed once per epoch."""
    if _INTERACTIVE[0] is not None:
        return _INTERACTIVE[0]
    return True


@export("lamina.utils.enable_interactive_logging", "lamina.config.enable_interactive_logging")
def enable_interactive_logging():
    _INTERACTIVE[0] = True


@export("lamina.utils.disable_interactive_logging", "lamina.config.disable_interactive_logging")
def disable_interactive_logging():
    _INTERACTIVE[0] = False


def _is_terminal():
    return (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()) or "ipykernel" in sys.modules


def _format_value(value):
    array = np.asarray(value)
    if array.ndim == 0:
        v = float(array)
        return f"{v:.4f}" if abs(v) >= 1e-3 or v == 0 else f"{v:.4e}"
    return " ".join(f"{float(x):.4f}" for x in array.ravel()[:8])


def _format_time(seconds):
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(round(seconds))}s"


def _format_step_time(seconds, unit):
    if seconds >= 1:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


@export("lamina.utils.Progbar")
class Progbar:
    """A progress bar.

    Args:
        target: the total number of steps, or None if unknown.
        width: the bar's width in characters.
        verbose: 1 draws the bar, 2 prints one line at the end, 0 prints nothing.
        interval: minimum seconds between redraws.
        stateful_metrics: names of values shown as given rather than averaged.
        unit_name: what a step is called ("step", "sample").

    Example:
    >>> bar = Progbar(10)
    >>> for i in range(10):
    ...     bar.update(i + 1, [("loss", 0.5)])
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or [])
        self._values = {}
        self._start = time.time()
        self._last_update = 0.0
        self._seen = 0
        self._last_width = 0
        self._interactive = is_interactive_logging_enabled() and _is_terminal()

    def update(self, current, values=None, finalize=None):
        """Moves the bar to step `current`, showing `values` (a list of (name, value))."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            # Logs from a trainer are running means already: show them as given.
            self._values[name] = value
        self._seen = current
        now = time.time()
        if self.verbose == 0:
            return
        if self.verbose == 1:
            if not finalize and now - self._last_update < self.interval:
                return
            if not self._interactive and not finalize:
                return
            line = self._bar_line(current, now, finalize)
            if self._interactive:
                padding = max(0, self._last_width - len(line))
                sys.stdout.write("\r" + line + " " * padding)
                self._last_width = len(line)
            else:
                sys.stdout.write(line)
            if finalize:
                sys.stdout.write("\n")
            sys.stdout.flush()
            self._last_update = now
        elif self.verbose == 2 and finalize:
            elapsed = now - self._start
            per_step = elapsed / max(current, 1)
            line = f"{current}/{self.target} - {_format_time(elapsed)} - " \
                   f"{_format_step_time(per_step, self.unit_name)}"
            line += self._values_text()
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def add(self, n, values=None):
        self.update(self._seen + n, values)

    def _values_text(self):
        return "".join(f" - {name}: {_format_value(value)}"
                       for name, value in sorted(self._values.items()))

    def _bar_line(self, current, now, finalize):
        elapsed = now - self._start
        if self.target is not None:
            digits = len(str(self.target))
            counter = f"{current:>{digits}}/{self.target}"
            done = int(self.width * min(current, self.target) / max(self.target, 1))
            if self._interactive:  # the rest of the bar dimmed, as Keras draws it
                bar = "\u2501" * done + "\x1b[2m" + "\u2501" * (self.width - done) + "\x1b[0m"
            else:
                bar = "\u2501" * done + " " * (self.width - done)
            line = f"{counter} {bar}"
        else:
            line = f"{current}"
        per_step = elapsed / max(current, 1)
        if finalize:
            line += f" {_format_time(elapsed)} {_format_step_time(per_step, self.unit_name)}"
        elif self.target is not None:
            eta = per_step * (self.target - current)
            line += f" {_format_time(eta)} {_format_step_time(per_step, self.unit_name)}"
        return line + self._values_text()
