"""`import lamina` loads only the backend; everything else loads on first use.

Each check runs in a fresh interpreter (what a package has loaded cannot be unloaded). Checks
of what the backend loads, and of loading models, run on the backend of this test run; checks
of lamina's own lazy loading, which does not depend on the backend, run on the numpy backend,
which starts in a fraction of the time. Timings are not asserted here: bench/ measures them.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lamina
from lamina import api_export

BACKEND = lamina.backend.backend()
# What the backend's framework itself imports is not lamina's doing.
FRAMEWORK_IMPORT = {"jax": "import jax, jax.numpy", "torch": "import torch"}.get(
    BACKEND, "import numpy"
)
LAZY_PACKAGES = ("layers", "models", "losses", "metrics", "optimizers", "callbacks", "saving",
                 "ops", "utils", "activations", "initializers", "random", "trainers")
# The backend of the children that check lamina's own lazy loading (see the docstring).
MECHANISM = "numpy"
HEAVY_MODULES = ("h5py", "http.server", "scipy", "pandas", "sklearn", "tarfile",
                 "urllib.request", "onnx", "tensorflow", "keras", "PIL", "matplotlib")


_CACHE = {}


@pytest.fixture(scope="module", autouse=True)
def _bytecode_cache(tmp_path_factory):
    """The numpy children share a bytecode cache in a temporary folder, so that each does not
    compile lamina's sources again (the checkout itself gets no __pycache__). Children of a
    framework's backend do without: filling a cache with the framework would cost more."""
    _CACHE["dir"] = str(tmp_path_factory.mktemp("pycache"))
    yield
    _CACHE.clear()


def run_python(code, backend=BACKEND):
    """Runs `code` in a fresh interpreter; returns what it printed (the last line as JSON)."""
    env = dict(os.environ, LAMINA_BACKEND=backend, OMP_NUM_THREADS="1")
    env.pop("KERAS_BACKEND", None)
    if backend == "numpy" and "dir" in _CACHE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = _CACHE["dir"]
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env,
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"the child failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_lamina_loads_only_the_backend():
    loaded = run_python(f"""
        import json, sys
        {FRAMEWORK_IMPORT}
        before = set(sys.modules)
        import lamina
        print(json.dumps(sorted(set(sys.modules) - before)))
    """)
    lamina_packages = {name.split(".")[1] for name in loaded if name.startswith("lamina.")}
    assert not lamina_packages & set(LAZY_PACKAGES), sorted(lamina_packages)
    # `tree` is a small module some backends use.
    assert lamina_packages <= {"api_export", "backend", "tree"}, sorted(lamina_packages)
    assert f"lamina.backend.{BACKEND}" in loaded  # the active backend loads eagerly
    assert not set(HEAVY_MODULES) & set(loaded), sorted(set(HEAVY_MODULES) & set(loaded))


@pytest.mark.parametrize("statement, check", [
    ("import lamina; value = lamina.layers.Dense(2)", "value.units == 2"),
    ("from lamina import layers; value = layers.Dense", "value.__name__ == 'Dense'"),
    ("from lamina.layers import Dense as value", "value.__name__ == 'Dense'"),
    ("import lamina; value = lamina.Input(shape=(3,))", "tuple(value.shape) == (None, 3)"),
    ("import lamina; value = lamina.ops.add(1, 2)", "int(value) == 3"),
    ("import lamina; value = (lamina.saving.load_model, lamina.models.load_model)",
     "value[0] is value[1]"),
    # Names that a package other than the namespace's own exports into it.
    ("import lamina; value = lamina.mixed_precision.LossScaleOptimizer",
     "value.__name__ == 'LossScaleOptimizer'"),
    ("import lamina; value = lamina.config.set_dtype_policy", "callable(value)"),
    ("from lamina.utils import set_random_seed as value", "callable(value)"),
    ("from lamina.optimizers.schedules import ExponentialDecay as value", "callable(value)"),
])
def test_first_access_works(statement, check):
    assert run_python(f"""
        import json
        {statement}
        print(json.dumps(bool({check})))
    """, backend=MECHANISM) is True


def test_first_access_on_this_backend():
    assert run_python("""
        import json
        import numpy as np
        import lamina
        layer = lamina.layers.Dense(2, kernel_initializer="ones")
        print(json.dumps(np.asarray(layer(np.ones((1, 3), "float32"))).tolist()))
    """) == [[3.0, 3.0]]


def test_top_level_table_is_complete_and_loads_no_more_than_needed():
    """Every top-level name defined in a package is in lamina's table, and reading it loads
    that package only (not every package, as a name missing from the table would)."""
    result = run_python("""
        import json
        import lamina
        from lamina import api_export
        lazily = {}
        for name in sorted(lamina._EXPORTED_BY):
            lazily[name] = getattr(lamina, name)
        took_everything = api_export._LOAD["done"]
        eager = set(api_export.symbols("lamina"))
        api_export.load_all()
        full = api_export.symbols("lamina")
        print(json.dumps({
            "took_everything": took_everything,
            "missing": sorted(set(full) - set(lamina._EXPORTED_BY) - eager),
            "stale": sorted(set(lamina._EXPORTED_BY) - set(full)),
            "different": sorted(n for n, v in lazily.items() if full.get(n) is not v),
        }))
    """, backend=MECHANISM)
    assert result["missing"] == [], (
        "top-level names exported by a package but missing from lamina._EXPORTED_BY in "
        f"lamina/__init__.py (add each with the package that exports it): {result['missing']}"
    )
    assert result["stale"] == [] and result["different"] == [], result
    assert result["took_everything"] is False


def test_every_public_path_resolves_lazily_to_the_eager_object(tmp_path):
    """In a fresh process, each public path read attribute by attribute from `lamina` gives the
    object a full import registers under it."""
    paths_file = tmp_path / "paths.json"
    run_python(f"""
        import json, pathlib
        from lamina import api_export
        pathlib.Path({str(paths_file)!r}).write_text(json.dumps(api_export.all_paths()))
        print(json.dumps(True))
    """)
    result = run_python(f"""
        import functools, json, pathlib
        import lamina
        from lamina import api_export
        paths = json.loads(pathlib.Path({str(paths_file)!r}).read_text())
        lazily, failed = {{}}, []
        for path in paths:
            try:
                lazily[path] = functools.reduce(getattr, path.split(".")[1:], lamina)
            except AttributeError as e:
                failed.append(f"{{path}}: {{e}}")
        different = [p for p, v in lazily.items()
                     if api_export.REGISTRY[p.rpartition(".")[0]][p.rpartition(".")[2]] is not v]
        print(json.dumps({{"count": len(paths), "failed": failed, "different": different}}))
    """)
    assert result["failed"] == [] and result["different"] == [], result
    assert result["count"] > 1000


def test_every_public_package_imports_first():
    """No import cycle: each public package can be the first one a program imports. (The
    import graph of lamina's packages does not depend on the backend: numpy starts fastest.)"""
    failures = []
    for name in api_export.public_modules():
        try:
            run_python(f"""
                import json
                import lamina.{name} as module
                assert module.__name__ == "lamina.{name}"
                print(json.dumps(True))
            """, backend=MECHANISM)
        except AssertionError as e:
            failures.append(f"lamina.{name}: {e}")
    assert not failures, "\n".join(failures)


def test_dir_lists_public_names_without_loading_them():
    result = run_python("""
        import json, sys
        import lamina
        names = dir(lamina)
        layers_loaded = "lamina.layers" in sys.modules
        print(json.dumps({"names": names, "layers_loaded": layers_loaded,
                          "config": dir(lamina.config)}))
    """, backend=MECHANISM)
    assert {"layers", "ops", "models", "Sequential", "Model", "Input", "Variable", "device",
            "utils", "saving", "backend", "version"} <= set(result["names"])
    assert result["layers_loaded"] is False
    # A package's dir() also lists the names other packages export into it.
    assert {"set_dtype_policy", "floatx", "enable_unsafe_deserialization"} <= set(result["config"])


def test_star_import_gives_every_public_name():
    names = run_python("""
        import json
        from lamina import *
        print(json.dumps(sorted(k for k in dir() if not k.startswith("_"))))
    """, backend=MECHANISM)
    assert {"layers", "ops", "Sequential", "Model", "Input", "Layer", "Optimizer",
            "DTypePolicy", "device"} <= set(names)
    assert not {"_api", "_EXPORTED_BY", "api_export", "trainers"} & set(names)


def test_reading_the_registry_loads_every_package():
    assert run_python("""
        import json
        import lamina
        from lamina import api_export
        print(json.dumps("Dense" in api_export.REGISTRY["lamina.layers"]))
    """, backend=MECHANISM) is True


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        lamina.no_such_name  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'no_such_layer'"):
        lamina.layers.no_such_layer  # noqa: B018
    assert not hasattr(lamina, "__wrapped__")


def test_deserializing_in_a_fresh_process(tmp_path):
    """A config names classes by name: deserializing must find them even when nothing but
    `import lamina` ran before."""
    config = {"module": "keras.layers", "class_name": "Dense",
              "config": {"units": 3, "name": "dense_from_config"}, "registered_name": None}
    assert run_python(f"""
        import json
        import lamina
        layer = lamina.saving.deserialize_keras_object({config!r})
        print(json.dumps([type(layer).__name__, layer.units, layer.name]))
    """) == ["Dense", 3, "dense_from_config"]


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend does not train (saving a "
                    "compiled model is what is under test)")
def test_load_model_is_the_first_thing_after_import(tmp_path):
    model = lamina.Sequential([
        lamina.Input(shape=(4,)),
        lamina.layers.Dense(3, activation="relu"),
        lamina.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    expected = np.asarray(model.predict(x, verbose=0))
    path = str(tmp_path / "model.keras")
    model.save(path)
    got = run_python(f"""
        import json
        import lamina
        import numpy as np
        model = lamina.saving.load_model({path!r})
        x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
        print(json.dumps(np.asarray(model.predict(x, verbose=0)).tolist()))
    """)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6)
