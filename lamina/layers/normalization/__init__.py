"""Normalization layers: batch, layer, group, unit, RMS and spectral normalization.

Written once against `lamina.ops`; moving statistics change only through `Variable.assign`,
which a compiled training step (running inside a `StatelessScope`) collects as new state.
"""
