"""Pooling layers: windowed (`MaxPooling2D`, ...), global and adaptive pooling.

Written once against `lamina.ops` (`max_pool`, `average_pool`, `adaptive_*_pool`, reductions).
"""
