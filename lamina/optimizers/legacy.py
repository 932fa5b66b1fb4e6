"""`lamina.optimizers.legacy`: Keras 2's legacy optimizers, which Keras 3 (and lamina) do not
have. The names exist so that imports succeed; creating one raises an ImportError."""

from lamina.api_export import export, populate


@export(*(f"lamina.optimizers.legacy.{name}"
          for name in ("Adagrad", "Adam", "Ftrl", "RMSprop", "SGD", "Optimizer")))
class LegacyOptimizerWarning:
    """Stands for every `lamina.optimizers.legacy.*` name; it cannot be instantiated."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            "`lamina.optimizers.legacy` is not supported, as in Keras 3: there are no legacy "
            "(Keras 2) optimizers. Use `lamina.optimizers.Adam`, `SGD`, ... instead."
        )


populate(__name__, globals())
