"""The package itself: the native module matches its type stubs, the stubs
and py.typed are installed, and every docstring example runs."""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

import gongfu
from gongfu import _gongfu

MODULES = ["gongfu", "gongfu._design", "gongfu._errors", "gongfu._grouped", "gongfu._synth", "gongfu._catalogue"]


def test_native_module_matches_its_stubs() -> None:
    stub = Path(gongfu.__file__).with_name("_gongfu.pyi")
    assert stub.is_file(), "the stubs are installed with the package"
    tree = ast.parse(stub.read_text())
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    constants = {t.id for n in tree.body if isinstance(n, ast.AnnAssign) for t in [n.target] if isinstance(t, ast.Name)}
    public = {a for a in dir(_gongfu) if not (a.startswith("__") and a != "__version__")}
    public -= {"_gongfu"}
    assert functions | constants == public


def test_typed_package() -> None:
    assert Path(gongfu.__file__).with_name("py.typed").is_file()


def test_public_names() -> None:
    for name in gongfu.__all__:
        assert hasattr(gongfu, name), name
    assert gongfu.__version__ == _gongfu.__version__


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if name in ("gongfu._design", "gongfu._grouped", "gongfu._catalogue", "gongfu._synth"):
        assert result.attempted > 0, f"{name} has no examples"
