"""`lamina.dtype_policies`: which dtype a layer computes in and stores its variables in.

"float32" computes and stores in float32; "mixed_float16" / "mixed_bfloat16" compute in the
half type and keep variables in float32.
"""

from lamina.api_export import export, populate
from lamina.backend import config
from lamina.backend.common import dtypes

_GLOBAL_POLICY = [None]


@export("lamina.DTypePolicy", "lamina.dtype_policies.DTypePolicy",
        "lamina.FloatDTypePolicy", "lamina.dtype_policies.FloatDTypePolicy",
        "lamina.mixed_precision.DTypePolicy", "lamina.mixed_precision.Policy")
class DTypePolicy:
    """A layer's dtypes: `compute_dtype` for its computations, `variable_dtype` for weights.

    Args:
        name: "float32", "float16", "bfloat16", "float64", "mixed_float16" or
            "mixed_bfloat16" (default: `floatx()`).

    Example:
    >>> DTypePolicy("mixed_float16").compute_dtype
    'float16'
    """

    def __init__(self, name=None):
        if name is None:
            name = config.floatx()
        if not isinstance(name, str):
            raise TypeError(
                f"'name' must be a string, such as 'mixed_float16'. Received: name={name!r} "
                f"(of type {type(name).__name__})"
            )
        if name in ("mixed_float16", "mixed_bfloat16"):
            self._compute_dtype = name.split("_")[1]
            self._variable_dtype = "float32"
        else:
            try:
                self._compute_dtype = self._variable_dtype = dtypes.standardize_dtype(name)
            except ValueError:
                raise ValueError(
                    f"Cannot convert {name!r} to a mixed precision DTypePolicy. Valid policies "
                    "include 'mixed_float16', 'mixed_bfloat16', and the name of any float dtype "
                    "such as 'float32'."
                ) from None
            name = self._compute_dtype
        self._name = name

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._compute_dtype

    @property
    def variable_dtype(self):
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return None

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config_entry(self):
        """How a layer config stores the policy, as Keras 3 writes it."""
        return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": self._name},
                "registered_name": None}

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)


def get_policy(value):
    """A DTypePolicy from None (the global policy), a name, a policy, or a config dict."""
    if value is None:
        return _GLOBAL_POLICY[0] or DTypePolicy(config.floatx())
    if isinstance(value, DTypePolicy):
        return value
    if isinstance(value, str):
        return DTypePolicy(value)
    if isinstance(value, dict):
        inner = value.get("config", value)
        return DTypePolicy(inner.get("name"))
    try:
        return DTypePolicy(dtypes.standardize_dtype(value))
    except ValueError:
        raise ValueError(f"Invalid dtype argument: {value!r}.") from None


@export("lamina.dtype_policies.get")
def get(identifier):
    """A DTypePolicy from a name or config."""
    return get_policy(identifier)


@export("lamina.dtype_policies.serialize")
def serialize(policy):
    return policy.get_config_entry()


@export("lamina.dtype_policies.deserialize")
def deserialize(config, custom_objects=None):
    return get_policy(config)


@export("lamina.config.set_dtype_policy", "lamina.mixed_precision.set_dtype_policy",
        "lamina.mixed_precision.set_global_policy")
def set_dtype_policy(policy):
    """Sets the default policy of layers created from now on."""
    _GLOBAL_POLICY[0] = get_policy(policy)


@export("lamina.config.dtype_policy", "lamina.mixed_precision.dtype_policy",
        "lamina.mixed_precision.global_policy")
def dtype_policy():
    """The default policy of new layers."""
    return get_policy(None)


populate(__name__, globals())
