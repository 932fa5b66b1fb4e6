"""`SpectralNormalization`: a wrapper dividing a layer's kernel by its largest singular value."""

from lamina import initializers, ops
from lamina.api_export import export
from lamina.layers.layer import InputSpec
from lamina.layers.rnn.time_distributed import Wrapper


@export("lamina.layers.SpectralNormalization")
class SpectralNormalization(Wrapper):
    """Wraps a layer with a `kernel` (or `embeddings`) and, in training, replaces it by
    `kernel / sigma`, `sigma` its spectral norm estimated by power iteration (Miyato et al.,
    2018).

    Args:
        layer: the wrapped layer (e.g. `Dense`, `Conv2D`, `Embedding`).
        power_iterations: power iterations per training call.

    Weights:
        the wrapped layer's, and `vector_u` `(1, kernel.shape[-1])` (non-trainable).

    Example:
    >>> layer = SpectralNormalization(Dense(4))
    >>> layer(np.ones((2, 3)), training=True).shape
    (2, 4)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError(
                "`power_iterations` should be greater than zero. Received: "
                f"`power_iterations={power_iterations}`"
            )
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(tuple(input_shape))
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if getattr(self.layer, "kernel", None) is not None:
            self.kernel = self.layer.kernel
        elif getattr(self.layer, "embeddings", None) is not None:
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(
                f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'"
            )
        self.kernel_shape = tuple(self.kernel.shape)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]), initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False, name="vector_u", dtype=self.kernel.dtype)
        self.built = True

    def call(self, inputs, training=False):
        if training:
            kernel = self.kernel.value
            new_vector_u, new_kernel = ops.cond(
                ops.all(ops.equal(kernel, 0)),
                lambda: (self.vector_u.value, kernel),
                self.normalized_weights,
            )
            self.vector_u.assign(new_vector_u)
            self.kernel.assign(new_kernel)
        outputs = self.layer(inputs)
        return ops.cast(outputs, inputs.dtype)

    def normalized_weights(self):
        """(new `vector_u`, `kernel / sigma`) after `power_iterations` power iterations."""
        weights = ops.reshape(self.kernel.value, (-1, self.kernel_shape[-1]))
        vector_u = self.vector_u.value
        for _ in range(self.power_iterations):
            vector_v = ops.normalize(ops.matmul(vector_u, ops.transpose(weights)), axis=None)
            vector_u = ops.normalize(ops.matmul(vector_v, weights), axis=None)
        vector_u = ops.stop_gradient(vector_u)
        vector_v = ops.stop_gradient(vector_v)
        sigma = ops.matmul(ops.matmul(vector_v, weights), ops.transpose(vector_u))
        kernel = ops.reshape(ops.divide(self.kernel.value, sigma), self.kernel_shape)
        return ops.cast(vector_u, self.vector_u.dtype), ops.cast(kernel, self.kernel.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}

