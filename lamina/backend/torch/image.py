"""torch backend: image resampling.

`resize` (nearest, and bilinear without antialiasing) runs on the device. The other
functions run the NumPy reference on host copies of the tensors and move the result back:
the values equal the numpy backend's, but there is no gradient with respect to the images
and each call copies to and from the host (see GAPS.md).
"""

import numpy as np
import torch

from lamina import tree
from lamina.backend.torch.core import convert_to_numpy, convert_to_tensor


def _on_host(name, *args, **kwargs):
    from lamina.backend.numpy import image as reference

    def to_host(a):
        return convert_to_numpy(a) if isinstance(a, torch.Tensor) else a

    args = tree.map_structure(to_host, args)
    kwargs = tree.map_structure(to_host, kwargs)
    out = getattr(reference, name)(*args, **kwargs)
    return tree.map_structure(
        lambda a: convert_to_tensor(a) if isinstance(a, (np.ndarray, np.generic)) else a, out)


def resize(images, size, interpolation="bilinear", antialias=False, data_format="channels_last"):
    """Integer images come back as floats (the op rounds them).

    Nearest and bilinear resampling of float32/64 images (bilinear without antialiasing, or
    when enlarging) run on the device with half-pixel centers, as jax.image.resize; the rest
    on the host.
    """
    spatial = (1, 2) if data_format == "channels_last" else (2, 3)
    if images.ndim == 3:
        spatial = tuple(a - 1 for a in spatial)
    in_size = tuple(images.shape[a] for a in spatial)
    enlarging = all(o >= i for o, i in zip(size, in_size))
    on_device = (
        images.dtype in (torch.float32, torch.float64)
        and min(in_size) > 0
        and (interpolation == "nearest"
             or (interpolation == "bilinear" and (not antialias or enlarging)))
    )
    if on_device:
        x = images if images.ndim == 4 else images[None]
        if data_format == "channels_last":
            x = x.permute(0, 3, 1, 2)
        mode = "nearest-exact" if interpolation == "nearest" else "bilinear"
        kwargs = {} if mode == "nearest-exact" else {"align_corners": False}
        out = torch.nn.functional.interpolate(x, size=tuple(size), mode=mode, **kwargs)
        if data_format == "channels_last":
            out = out.permute(0, 2, 3, 1)
        return out if images.ndim == 4 else out[0]
    return _on_host("resize", images, size, interpolation=interpolation, antialias=antialias,
                    data_format=data_format)


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    return _on_host("scale_and_translate", images, output_shape, scale, translation,
                    spatial_dims, method, antialias=antialias)


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    coordinates = [convert_to_numpy(c) if isinstance(c, torch.Tensor) else c
                   for c in coordinates]
    return _on_host("map_coordinates", inputs, coordinates, order, fill_mode=fill_mode,
                    fill_value=fill_value)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0):
    return _on_host("affine_transform", images, transform, interpolation=interpolation,
                    fill_mode=fill_mode, fill_value=fill_value)


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0):
    return _on_host("perspective_transform", images, start_points, end_points,
                    interpolation=interpolation, fill_value=fill_value)


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None):
    return _on_host("elastic_transform", images, alpha=alpha, sigma=sigma,
                    interpolation=interpolation, fill_mode=fill_mode, fill_value=fill_value,
                    seed=seed)
