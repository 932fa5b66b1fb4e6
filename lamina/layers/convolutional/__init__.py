"""Convolution layers: `Conv1D`-`Conv3D`, their transposes, depthwise and separable ones.

Written once against `lamina.ops` (`conv`, `conv_transpose`, `depthwise_conv`,
`separable_conv`); no file here imports a framework.
"""
