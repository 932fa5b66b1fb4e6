"""Hostile files: each is built here, and loading it is refused with no side effect.

The loader resolves names only through lamina's modeling namespaces, registered objects and
`custom_objects`; it never imports, unpickles or unmarshals; it checks archive members and
HDF5 links, layouts and shapes before reading anything.
"""

import base64
import io
import json
import marshal
import zipfile

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import keras_file


def small_model():
    return lamina.Sequential([lamina.Input((3,)), layers.Dense(2)])


def saved(tmp_path, model=None):
    path = tmp_path / "valid.keras"
    (model or small_model()).save(path)
    return path


def read_archive(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_archive(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def with_config(tmp_path, edit, name="hostile.keras"):
    """A copy of a valid file whose config.json went through `edit(config)`."""
    members = read_archive(saved(tmp_path))
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    return write_archive(tmp_path / name, members)


def dense_entry(config):
    return config["config"]["layers"][1]


# -- code in configs ---------------------------------------------------------------------------


def test_lambda_with_marshalled_bytecode_is_refused_without_running_it(tmp_path):
    sentinel = tmp_path / "pwned"
    code = compile(f"open({str(sentinel)!r}, 'w').write('x')", "<hostile>", "exec")
    function = {"class_name": "__lambda__", "config": {
        "code": base64.b64encode(marshal.dumps(code)).decode(), "defaults": None,
        "closure": None}}
    lambda_layer = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                    "config": {"name": "evil", "function": function, "arguments": {}}}
    path = with_config(tmp_path, lambda c: c["config"]["layers"].insert(1, lambda_layer))
    for safe_mode in (True, False):
        with pytest.raises(ValueError, match="[Ll]ambda"):
            lamina.models.load_model(path, safe_mode=safe_mode)
    assert not sentinel.exists()


def test_bare_lambda_config_anywhere_is_refused(tmp_path):
    bytecode = {"class_name": "__lambda__", "config": {"code": "AAAA", "defaults": None,
                                                       "closure": None}}
    path = with_config(tmp_path, lambda c: dense_entry(c)["config"].update(activation=bytecode))
    with pytest.raises(ValueError, match="bytecode"):
        lamina.models.load_model(path)


def test_lambda_saved_as_source_is_refused(tmp_path):
    inp = lamina.Input((3,))
    model = lamina.Model(inp, layers.Lambda(lambda x: x * 2.0)(inp))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="Python code stored in the file|Python code"):
        lamina.models.load_model(tmp_path / "lambda.keras")


@pytest.mark.parametrize("module, name", [
    ("subprocess", "run"), ("os", "system"), ("builtins", "eval"), ("builtins", "exec"),
    ("posix", "system"), ("keras.src.utils.file_utils", "get_file"),
    ("keras.models", "load_model"), ("keras.config", "enable_unsafe_deserialization"),
    ("keras.saving", "deserialize_keras_object"), ("lamina.utils", "get_file"),
    (None, "load_model"), ("keras", "Input"),
])
def test_functions_outside_the_registry_are_refused(tmp_path, module, name):
    function = {"module": module, "class_name": "function", "config": name,
                "registered_name": name}
    path = with_config(tmp_path, lambda c: dense_entry(c)["config"].update(activation=function))
    with pytest.raises((TypeError, ValueError), match=repr(name) if module else name):
        lamina.models.load_model(path)


@pytest.mark.parametrize("module, class_name", [
    ("subprocess", "Popen"), ("os", "system"), ("builtins", "eval"),
    ("keras.src.saving.saving_lib", "load_model"), ("lamina.config", "set_backend"),
    ("collections", "OrderedDict"), ("keras", "Variable"), ("keras", "name_scope"),
])
def test_classes_outside_the_registry_are_refused(tmp_path, module, class_name):
    entry = {"module": module, "class_name": class_name, "registered_name": None,
             "config": {"args": ["touch", str(tmp_path / "pwned")]}}
    path = with_config(tmp_path, lambda c: c["config"]["layers"].insert(1, entry))
    with pytest.raises(TypeError, match=f"Could not locate class {class_name!r}"):
        lamina.models.load_model(path)
    assert not (tmp_path / "pwned").exists()


def test_arguments_smuggled_through_inbound_nodes_are_refused(tmp_path):
    inp = lamina.Input((3,))
    model = lamina.Model(inp, layers.Dense(2)(inp))
    path = tmp_path / "functional.keras"
    model.save(path)
    members = read_archive(path)
    config = json.loads(members["config.json"])
    dense = config["config"]["layers"][1]
    call = {"module": "subprocess", "class_name": "function", "config": "run",
            "registered_name": "run"}
    dense["inbound_nodes"][0]["kwargs"] = {"training": call}
    members["config.json"] = json.dumps(config).encode()
    write_archive(path, members)
    with pytest.raises(TypeError, match="Could not locate function 'run'"):
        lamina.models.load_model(path)
    # The same through a positional argument, and as an operation node of its own.
    dense["inbound_nodes"][0] = {"args": [call], "kwargs": {}}
    members["config.json"] = json.dumps(config).encode()
    write_archive(path, members)
    with pytest.raises(TypeError, match="'run'"):
        lamina.models.load_model(path)
    operation = {"module": "os", "class_name": "System", "config": {"name": "system"},
                 "registered_name": "System", "name": "system",
                 "inbound_nodes": [{"args": ["touch pwned"], "kwargs": {}}]}
    config["config"]["layers"].insert(1, operation)
    members["config.json"] = json.dumps(config).encode()
    write_archive(path, members)
    with pytest.raises(TypeError, match="'System'"):
        lamina.models.load_model(path)


_CALLS = []


@lamina.saving.register_keras_serializable(package="safe_mode_test")
class TurnsSafeModeOff(layers.Layer):
    """A registered layer whose from_config tries to turn safe mode off during the load."""

    def __init__(self, attempt="enable", target="", **kwargs):
        super().__init__(**kwargs)
        self.attempt = attempt
        self.target = target

    def call(self, x):
        return x

    def get_config(self):
        return {**super().get_config(), "attempt": self.attempt, "target": self.target}

    @classmethod
    def from_config(cls, config):
        _CALLS.append(config["attempt"])
        if config["attempt"] == "enable":
            lamina.config.enable_unsafe_deserialization()
        else:
            lamina.models.load_model(config["target"], safe_mode=False)
        return cls(**config)


@pytest.mark.parametrize("attempt", ["enable", "nested_load"])
def test_a_file_cannot_turn_safe_mode_off_during_a_load(tmp_path, attempt):
    target = saved(tmp_path)
    model = lamina.Sequential([lamina.Input((3,)), TurnsSafeModeOff(attempt, str(target))])
    model.save(tmp_path / "sneaky.keras")
    _CALLS.clear()
    with pytest.raises(ValueError, match="cannot be called while loading|cannot turn safe mode"):
        lamina.models.load_model(tmp_path / "sneaky.keras")
    assert _CALLS == [attempt]
    assert not lamina.config.unsafe_deserialization_enabled()
    # A config can also not even name the function.
    enable = {"module": "keras.config", "class_name": "function",
              "config": "enable_unsafe_deserialization",
              "registered_name": "enable_unsafe_deserialization"}
    path = with_config(tmp_path, lambda c: dense_entry(c)["config"].update(activation=enable),
                       name="names_it.keras")
    with pytest.raises(TypeError, match="enable_unsafe_deserialization"):
        lamina.models.load_model(path)
    assert not lamina.config.unsafe_deserialization_enabled()


def test_numpy_values_must_be_numeric():
    value = {"class_name": "__numpy__", "config": {"value": [1], "dtype": "object"}}
    with pytest.raises(ValueError, match="dtype must be numeric"):
        lamina.saving.deserialize_keras_object(value)
    np.testing.assert_array_equal(lamina.saving.deserialize_keras_object(
        {"class_name": "__numpy__", "config": {"value": [1, 2], "dtype": "int32"}}), [1, 2])


def test_legacy_h5_model_file_is_refused(tmp_path):
    import h5py

    path = tmp_path / "legacy.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {
            "layers": [{"class_name": "Lambda", "config": {"function": ["AAAA", None, None]}}]}})
        handle.attrs["keras_version"] = "2.15.0"
    for safe_mode in (True, False):
        with pytest.raises(ValueError, match="legacy HDF5 model file"):
            lamina.models.load_model(path, safe_mode=safe_mode)


# -- the archive -------------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["../escape.txt", "/etc/evil", "assets/../../x",
                                    "C:/windows/x", "a\\..\\b"])
def test_zip_members_leaving_the_archive_are_refused(tmp_path, member):
    members = read_archive(saved(tmp_path))
    members[member] = b"x"
    path = write_archive(tmp_path / "slip.keras", members)
    with pytest.raises(ValueError, match="unsafe member name"):
        lamina.models.load_model(path)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_zip_decompression_bomb_is_refused(tmp_path, monkeypatch):
    # The thresholds are lowered so that the bomb stays small in the test.
    monkeypatch.setattr(keras_file, "_BOMB_FLOOR", 1024**2)
    members = read_archive(saved(tmp_path))
    members["assets/bomb.bin"] = bytes(8 * 1024**2)
    path = write_archive(tmp_path / "bomb.keras", members, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match="decompression bomb"):
        lamina.models.load_model(path)


def test_oversized_config_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(keras_file, "_MAX_CONFIG_BYTES", 1000)
    path = with_config(tmp_path, lambda c: c.update(padding="x" * 5000))
    with pytest.raises(ValueError, match="config.json declares .* over the limit"):
        lamina.models.load_model(path)


def test_deeply_nested_config_is_a_value_error(tmp_path):
    members = read_archive(saved(tmp_path))
    members["config.json"] = b"[" * 100_000 + b"]" * 100_000
    path = write_archive(tmp_path / "deep.keras", members)
    with pytest.raises(ValueError, match="config.json"):
        lamina.models.load_model(path)


def test_missing_and_non_zip_files(tmp_path):
    with pytest.raises(ValueError, match="File not found"):
        lamina.models.load_model(tmp_path / "nothing.keras")
    (tmp_path / "text.keras").write_text("hello")
    with pytest.raises(ValueError, match="not a .keras"):
        lamina.models.load_model(tmp_path / "text.keras")
    members = read_archive(saved(tmp_path))
    del members["config.json"]
    with pytest.raises(ValueError, match="has no config.json"):
        lamina.models.load_model(write_archive(tmp_path / "partial.keras", members))


# -- the HDF5 weights ----------------------------------------------------------------------------


def hostile_weights(tmp_path, build):
    """A weights file for small_model() whose Dense kernel is replaced by `build(group)`."""
    import h5py

    model = small_model()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "a") as handle:
        group = handle["layers/dense/vars"]
        del group["0"]
        build(handle, group)
    return model, path


def assert_refused_and_unchanged(model, path, match):
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=match):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_huge_declared_shape_is_never_read(tmp_path):
    def build(handle, group):
        # 4 TB declared, nothing allocated: chunked with a fill value.
        group.create_dataset("0", shape=(10**6, 10**6), dtype="float32", chunks=(1, 1024))

    model, path = hostile_weights(tmp_path, build)
    assert_refused_and_unchanged(model, path, r"expects \(3, 2\), the file holds \(1000000, ")
    model.load_weights(path, skip_mismatch=True)  # skipped, never read


def test_external_dataset_is_refused(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(6, dtype="float32").tobytes())

    def build(handle, group):
        group.create_dataset("0", shape=(3, 2), dtype="float32",
                             external=[(str(secret), 0, 24)])

    model, path = hostile_weights(tmp_path, build)
    assert_refused_and_unchanged(model, path, "external files")


def test_soft_link_dataset_is_refused(tmp_path):
    import h5py

    def build(handle, group):
        handle.create_dataset("elsewhere", data=np.ones((3, 2), "float32"))
        group["0"] = h5py.SoftLink("/elsewhere")

    model, path = hostile_weights(tmp_path, build)
    assert_refused_and_unchanged(model, path, "SoftLink")


def test_external_link_to_another_file_is_refused(tmp_path):
    import h5py

    other = tmp_path / "other.weights.h5"
    small_model().save_weights(other)
    model = small_model()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "a") as handle:
        del handle["layers/dense"]
        handle["layers/dense"] = h5py.ExternalLink(str(other), "/layers/dense")
    assert_refused_and_unchanged(model, path, "ExternalLink")


def test_virtual_dataset_is_refused(tmp_path):
    import h5py

    source = tmp_path / "source.h5"
    with h5py.File(source, "w") as handle:
        handle.create_dataset("data", data=np.ones((3, 2), "float32"))

    def build(handle, group):
        layout = h5py.VirtualLayout(shape=(3, 2), dtype="float32")
        layout[:] = h5py.VirtualSource(str(source), "data", shape=(3, 2))
        group.create_virtual_dataset("0", layout)

    model, path = hostile_weights(tmp_path, build)
    assert_refused_and_unchanged(model, path, "virtual dataset")


def test_non_numeric_dataset_is_refused(tmp_path):
    import h5py

    def build(handle, group):
        group.create_dataset("0", shape=(3, 2), dtype=h5py.string_dtype())

    model, path = hostile_weights(tmp_path, build)
    assert_refused_and_unchanged(model, path, "not numbers")


def test_hostile_weights_inside_a_keras_file_are_refused(tmp_path):
    import h5py

    path = saved(tmp_path)
    members = read_archive(path)
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "a") as handle:
        group = handle["layers/dense/vars"]
        del group["0"]
        group["0"] = h5py.SoftLink("/vars")
    members["model.weights.h5"] = buffer.getvalue()
    with pytest.raises(ValueError, match="SoftLink"):
        lamina.models.load_model(write_archive(tmp_path / "linked.keras", members))


# -- fuzzing ---------------------------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 40), st.floats(allow_nan=False, width=32),
    st.sampled_from(["Dense", "Lambda", "function", "__lambda__", "__numpy__", "subprocess",
                     "keras.layers", "keras.src.ops.numpy", "relu", "float32", "", "..",
                     "__keras_tensor__", "Sequential", "Functional", "os", "system"]),
)
_JSON = st.recursive(_JSON_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["class_name", "config", "module", "registered_name", "name", "units", "value",
         "dtype", "keras_history", "args", "kwargs"]), inner, max_size=4)), max_leaves=12)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


@pytest.fixture(scope="module")
def valid_members(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fuzz")
    inp = lamina.Input((3,), name="inp")
    model = lamina.Model(inp, layers.Dense(2, activation="relu")(layers.Dense(4)(inp) + 1.0))
    model.save(directory / "valid.keras")
    return read_archive(directory / "valid.keras")


def _load_bytes(tmp_path, data):
    path = tmp_path / "fuzzed.keras"
    path.write_bytes(data)
    try:
        lamina.models.load_model(path)
    except (ValueError, TypeError):
        pass  # the documented errors


def _zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_configs_raise_only_documented_errors(tmp_path, valid_members, data):
    config = json.loads(valid_members["config.json"])
    paths = list(_paths(config))[1:]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent = config
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = data.draw(_JSON)
        paths = list(_paths(config))[1:]
    members = dict(valid_members, **{"config.json": json.dumps(config).encode()})
    _load_bytes(tmp_path, _zip_bytes(members))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_bytes_raise_only_documented_errors(tmp_path, valid_members, data):
    member = data.draw(st.sampled_from(["config.json", "model.weights.h5", None]))
    if member is None:
        raw = bytearray(_zip_bytes(valid_members))
    else:
        raw = bytearray(valid_members[member])
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    if member is None:
        _load_bytes(tmp_path, bytes(raw))
    else:
        _load_bytes(tmp_path, _zip_bytes(dict(valid_members, **{member: bytes(raw)})))


# -- layers that would read other files or unpickle ------------------------------------------------


def test_lookup_layer_config_naming_a_local_file_is_refused(tmp_path):
    if not hasattr(lamina.layers, "StringLookup"):
        pytest.skip("lamina.layers has no StringLookup yet")
    secret = tmp_path / "secret.txt"
    secret.write_text("password\nhunter2\n")
    inp = lamina.Input((2,), dtype="string")
    model = lamina.Model(inp, layers.StringLookup(vocabulary=["a", "b"])(inp))
    model.save(tmp_path / "lookup.keras")
    members = read_archive(tmp_path / "lookup.keras")
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["config"]["vocabulary"] = str(secret)
    members["config.json"] = json.dumps(config).encode()
    path = write_archive(tmp_path / "hostile.keras", members)
    with pytest.raises(ValueError, match="vocabulary file"):
        lamina.models.load_model(path)


def test_torch_module_wrapper_needing_pickle_is_refused(tmp_path):
    pickled = base64.b64encode(b"\x80\x04cos\nsystem\n(S'touch pwned'\ntR.").decode()
    entry = {"module": "keras.layers", "class_name": "TorchModuleWrapper",
             "registered_name": None, "config": {"name": "torch", "module": pickled}}
    path = with_config(tmp_path, lambda c: c["config"]["layers"].insert(1, entry))
    if hasattr(lamina.layers, "TorchModuleWrapper"):
        with pytest.raises(ValueError, match="pickle|safe"):
            lamina.models.load_model(path)
    else:
        with pytest.raises(TypeError, match="Could not locate class 'TorchModuleWrapper'"):
            lamina.models.load_model(path)
    assert not (tmp_path / "pwned").exists()


def test_model_from_json_resolves_names_the_same_safe_way():
    model = small_model()
    config = json.loads(model.to_json())
    config["config"]["layers"][1]["config"]["activation"] = {
        "module": "os", "class_name": "function", "config": "system", "registered_name": "system"}
    with pytest.raises(TypeError, match="Could not locate function 'system'"):
        lamina.models.model_from_json(json.dumps(config))
    rebuilt = lamina.models.model_from_json(model.to_json())
    assert [type(l).__name__ for l in rebuilt.layers] == ["Dense"]
