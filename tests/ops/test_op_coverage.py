"""Every public op is exercised by the op suite: no op escapes the harness."""

import pathlib
import re

from lamina import api_export

HERE = pathlib.Path(__file__).parent
NAMESPACES = ("lamina.ops", "lamina.ops.numpy", "lamina.ops.nn", "lamina.ops.linalg",
              "lamina.ops.image", "lamina.random")


def test_every_public_op_appears_in_the_op_tests():
    sources = "\n".join(p.read_text() for p in list(HERE.glob("test_*.py")) +
                        list((HERE.parent / "random").glob("test_*.py")))
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sources))
    missing = []
    for namespace in NAMESPACES:
        for name, symbol in api_export.REGISTRY.get(namespace, {}).items():
            if callable(symbol) and name not in words:
                missing.append(f"{namespace}.{name}")
    assert not missing, "ops without a test: " + ", ".join(sorted(missing))
