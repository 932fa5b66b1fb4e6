"""`BatchNormalization`: normalize with batch statistics in training, moving ones otherwise."""

from lamina import backend, constraints, initializers, ops, regularizers
from lamina.api_export import export
from lamina.layers.layer import InputSpec, Layer
from lamina.saving.serialization_lib import serialize_keras_object


@export("lamina.layers.BatchNormalization")
class BatchNormalization(Layer):
    """`gamma * (x - mean) / sqrt(var + epsilon) + beta` per feature along `axis`.

    In training (and only when the layer is trainable: a frozen layer always runs in
    inference mode), `mean` and `var` are the batch's, and the moving statistics move toward
    them: `moving = moving * momentum + batch * (1 - momentum)`. Otherwise the moving
    statistics are used.

    Args:
        axis: the features axis (usually -1; 1 for channels-first images).
        momentum: the moving averages' momentum.
        epsilon: added to the variance.
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer, beta_regularizer, gamma_regularizer, beta_constraint,
        gamma_constraint: for the weights.
        synchronized: statistics across devices; not supported yet (must be False).
        renorm, renorm_clipping, renorm_momentum: batch renormalization (Ioffe, 2017).

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to use (and update with) the batch statistics.
        mask: `inputs.shape[:-1]` booleans; masked entries are left out of the statistics.

    Weights:
        `gamma`, `beta` (trainable), then `moving_mean`, `moving_variance` (non-trainable),
        each of shape `(inputs.shape[axis],)`.

    Example:
    >>> layer = BatchNormalization()
    >>> layer(np.random.rand(8, 3), training=True).shape
    (8, 3)
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        if synchronized:
            raise ValueError(
                "BatchNormalization: synchronized=True (statistics across devices) is not "
                "supported by lamina yet; use synchronized=False."
            )
        self.synchronized = synchronized
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.renorm = renorm
        if renorm:
            renorm_clipping = renorm_clipping or {}
            unknown = set(renorm_clipping) - {"rmax", "rmin", "dmax"}
            if unknown:
                raise ValueError(
                    f"Received invalid keys for `renorm_clipping` argument: {renorm_clipping}. "
                    "Supported values: ['rmax', 'rmin', 'dmax']."
                )
            rmax, rmin = renorm_clipping.get("rmax"), renorm_clipping.get("rmin")
            dmax = renorm_clipping.get("dmax")
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(
                    "rmax should be greater than rmin in the `renorm_clipping` argument. "
                    f"Received: rmax={rmax}, rmin={rmin}."
                )
            if dmax is not None and dmax < 0:
                raise ValueError(
                    "dmax should be non-negative in the `renorm_clipping` argument. "
                    f"Received: dmax={dmax}."
                )
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None
        self._reduction_axes = None

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"BatchNormalization: axis {self.axis} is out of bounds for input shape "
                f"{tuple(input_shape)}."
            )
        size = input_shape[self.axis]
        if size is None:
            raise ValueError(
                f'Layer "{self.name}": axis {self.axis} of the inputs must have a defined size; '
                f"received input shape {tuple(input_shape)}."
            )
        shape = (size,)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape, name="gamma", initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                trainable=True, autocast=False)
        if self.center:
            self.beta = self.add_weight(
                shape=shape, name="beta", initializer=self.beta_initializer,
                regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                trainable=True, autocast=False)
        self.moving_mean = self.add_weight(
            shape=shape, name="moving_mean", initializer=self.moving_mean_initializer,
            trainable=False, autocast=False)
        self.moving_variance = self.add_weight(
            shape=shape, name="moving_variance", initializer=self.moving_variance_initializer,
            trainable=False, autocast=False)
        if self.renorm:
            variance_initializer = self.moving_variance_initializer

            def stddev_initializer(shape, dtype=None):
                return ops.sqrt(variance_initializer(shape, dtype=dtype))

            self.moving_stddev = self.add_weight(
                shape=shape, name="moving_stddev", initializer=stddev_initializer,
                trainable=False, autocast=False)
            self.renorm_mean = self.add_weight(
                shape=shape, name="renorm_mean", initializer=self.moving_mean_initializer,
                trainable=False, autocast=False)
            self.renorm_stddev = self.add_weight(
                shape=shape, name="renorm_stddev", initializer=stddev_initializer,
                trainable=False, autocast=False)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: size})
        self._reduction_axes = [i for i in range(rank) if i != self.axis % rank]
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError(
                "The mask provided should be one dimension less than the inputs. Received: "
                f"mask.shape={mask.shape}, inputs.shape={inputs.shape}"
            )
        inputs = ops.cast(inputs, backend.result_type(inputs.dtype, "float32"))
        dtype = inputs.dtype
        moving_mean = ops.cast(self.moving_mean, dtype)
        moving_variance = ops.cast(self.moving_variance, dtype)
        gamma = ops.cast(self.gamma, dtype) if self.scale else None
        beta = ops.cast(self.beta, dtype) if self.center else None
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            if self.renorm:
                r, d = self._renorm_correction(mean, variance)
                gamma, beta = self._compose_renorm(r, d, gamma, beta, dtype)
                self._update_renorm_statistics(mean, variance)
            else:
                self.moving_mean.assign(ops.add(ops.multiply(moving_mean, self.momentum),
                                                ops.multiply(mean, 1.0 - self.momentum)))
                self.moving_variance.assign(
                    ops.add(ops.multiply(moving_variance, self.momentum),
                            ops.multiply(variance, 1.0 - self.momentum)))
        else:
            mean, variance = moving_mean, moving_variance
        outputs = ops.batch_normalization(inputs, mean, variance, axis=self.axis, offset=beta,
                                          scale=gamma, epsilon=self.epsilon)
        return ops.cast(outputs, self.compute_dtype)

    def _moments(self, inputs, mask):
        if mask is None:
            return ops.moments(inputs, axes=self._reduction_axes)
        weights = ops.broadcast_to(ops.expand_dims(ops.cast(mask, "bool"), -1), ops.shape(inputs))
        count = ops.sum(ops.cast(weights, inputs.dtype), self._reduction_axes, keepdims=True)
        count = ops.add(count, backend.epsilon())
        total = ops.sum(ops.where(weights, inputs, 0), self._reduction_axes, keepdims=True)
        mean = ops.divide(total, count)
        deviation = ops.where(weights, ops.subtract(inputs, mean), 0)
        variance = ops.divide(ops.sum(ops.square(deviation), self._reduction_axes, keepdims=True),
                              count)
        return ops.reshape(mean, (-1,)), ops.reshape(variance, (-1,))

    def _renorm_correction(self, mean, variance):
        stddev = ops.sqrt(ops.add(variance, self.epsilon))
        renorm_mean = ops.cast(self.renorm_mean, mean.dtype)
        renorm_stddev = ops.maximum(ops.cast(self.renorm_stddev, mean.dtype),
                                    self.epsilon ** 0.5)
        r = ops.divide(stddev, renorm_stddev)
        d = ops.divide(ops.subtract(mean, renorm_mean), renorm_stddev)
        clipping = self.renorm_clipping or {}
        if clipping.get("rmin") is not None:
            r = ops.maximum(r, clipping["rmin"])
        if clipping.get("rmax") is not None:
            r = ops.minimum(r, clipping["rmax"])
        if clipping.get("dmax") is not None:
            d = ops.clip(d, -clipping["dmax"], clipping["dmax"])
        return r, d

    def _compose_renorm(self, r, d, gamma, beta, dtype):
        r, d = ops.stop_gradient(r), ops.stop_gradient(d)
        if gamma is not None:
            new_gamma, new_beta = ops.multiply(r, gamma), ops.multiply(d, gamma)
        else:
            new_gamma, new_beta = ops.cast(r, dtype), ops.cast(d, dtype)
        if beta is not None:
            new_beta = ops.add(new_beta, beta)
        return new_gamma, new_beta

    def _update_renorm_statistics(self, mean, variance):
        stddev = ops.sqrt(ops.add(variance, self.epsilon))

        def moved(variable, value, momentum):
            old = ops.cast(variable, value.dtype)
            return ops.add(ops.multiply(old, momentum), ops.multiply(value, 1.0 - momentum))

        self.renorm_mean.assign(moved(self.renorm_mean, mean, self.renorm_momentum))
        self.renorm_stddev.assign(moved(self.renorm_stddev, stddev, self.renorm_momentum))
        self.moving_mean.assign(moved(self.moving_mean, mean, self.momentum))
        new_stddev = moved(self.moving_stddev, stddev, self.momentum)
        self.moving_stddev.assign(new_stddev)
        self.moving_variance.assign(
            ops.relu(ops.subtract(ops.square(new_stddev), self.epsilon)))

    def compute_output_shape(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(
                f"Axis {self.axis} is out of bounds for input shape {tuple(input_shape)}. "
                f"Received: axis={self.axis}"
            )
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(self.gamma_initializer),
            "moving_mean_initializer": serialize_keras_object(self.moving_mean_initializer),
            "moving_variance_initializer": serialize_keras_object(
                self.moving_variance_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }
