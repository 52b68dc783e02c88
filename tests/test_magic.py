"""Streamlit's "magic" is off (.streamlit/config.toml): no page script may rely on it.

With magic on, a bare expression in a script (``x``, ``"text"``, ``a if b else c``) is shown as
``st.write`` would show it. With it off the same line shows nothing, silently. Streamlit's own
rewriter (``magic.add_magic``) says which lines it would have turned into ``st.write``: none.
"""

from __future__ import annotations

import ast
import tomllib

import pytest
from streamlit.runtime.scriptrunner import magic

from tests.apptest import PAGES, ROOT


def test_config_turns_magic_off():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["magicEnabled"] is False


def magic_lines(path) -> list[int]:
    """Lines of ``path`` that magic would show with st.write."""
    tree = magic.add_magic(path.read_text(), str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "transparent_write"]


@pytest.mark.parametrize("script", ["app.py", *PAGES])
def test_no_script_relies_on_magic(script):
    assert magic_lines(ROOT / script) == [], f"{script}: bare expressions that magic would have shown"


def test_the_check_finds_a_bare_expression(tmp_path):
    script = tmp_path / "page.py"
    script.write_text('"""Docstring."""\nimport streamlit as st\n\nanswer = 42\nanswer\nst.write("x")\n')
    assert magic_lines(script) == [5]
