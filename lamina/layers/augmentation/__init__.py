"""Image augmentation layers, as Keras 3's `keras.layers.Random*`, `MixUp`, `AugMix`, ...

`base.py` holds the shared machinery (factor checks, batching, dict inputs, affine matrices);
each other module is a family: geometric transforms, color transforms, mixing of samples,
augmentation policies that chain other layers, and bounding-box utilities. Layers here are
written against `lamina.ops` and `lamina.random` only. Bounding boxes are not supported yet:
passing them raises NotImplementedError.
"""
