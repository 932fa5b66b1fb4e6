"""Backend selection and global configuration."""

import os
import subprocess
import sys

import numpy as np
import pytest

import lamina


def _run(code, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("LAMINA_BACKEND", "KERAS_BACKEND")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full_env, timeout=120)


def test_backend_names_the_active_one():
    assert lamina.backend.backend() == os.environ.get("LAMINA_BACKEND", "jax")


def test_selection_order(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "lamina.json").write_text('{"backend": "numpy", "floatx": "float64"}')
    code = "import lamina; print(lamina.backend.backend(), lamina.backend.floatx())"
    out = _run(code, LAMINA_HOME=str(home))
    assert out.stdout.split() == ["numpy", "float64"], out.stderr
    out = _run(code, LAMINA_HOME=str(home), KERAS_BACKEND="jax")
    assert out.stdout.split()[0] == "jax", out.stderr
    out = _run(code, LAMINA_HOME=str(home), KERAS_BACKEND="jax", LAMINA_BACKEND="numpy")
    assert out.stdout.split()[0] == "numpy", out.stderr
    out = _run(code, LAMINA_HOME=str(tmp_path / "none"))
    assert out.stdout.split()[0] == "jax", out.stderr


def test_unknown_backend_lists_known_names():
    out = _run("import lamina", LAMINA_BACKEND="theano")
    assert out.returncode != 0
    assert "Unknown backend 'theano'" in out.stderr
    assert "jax, numpy, pytensor, tensorflow, torch" in out.stderr


def test_missing_package_says_what_to_install(tmp_path):
    # A stand-in package that fails to import as if the framework were absent.
    fake = tmp_path / "site"
    (fake / "jax").mkdir(parents=True)
    (fake / "jax" / "__init__.py").write_text("raise ModuleNotFoundError(name='jax')")
    code = "import lamina; lamina.ops.add(1, 2)"
    out = _run(code, LAMINA_BACKEND="jax", PYTHONPATH=str(fake))
    assert out.returncode != 0
    assert "pip install 'lamina[jax]'" in out.stderr, out.stderr


def test_config_setters_validate():
    with pytest.raises(ValueError, match="Unknown floatx"):
        lamina.backend.set_floatx("int8")
    with pytest.raises(ValueError, match="data_format"):
        lamina.backend.set_image_data_format("channels_middle")
    lamina.backend.set_epsilon(1e-5)
    assert lamina.backend.epsilon() == 1e-5


def test_floatx_changes_default_dtypes():
    lamina.backend.set_floatx("float64")
    x = lamina.ops.zeros((2,))
    assert lamina.backend.standardize_dtype(x.dtype) == "float64"
    assert np.asarray(x).dtype == np.float64
