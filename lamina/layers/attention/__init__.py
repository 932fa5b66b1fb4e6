"""Attention layers: dot-product/additive `Attention`, `MultiHeadAttention` and
`GroupQueryAttention`. Written against `lamina.ops` only.
"""
