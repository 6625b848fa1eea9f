"""The graph's own scalars name their specification (``@specifiedBy``): the README's section
on each, at an anchor that stays."""

import re
from pathlib import Path

import pytest

from gateway.graph.scalars import DOCUMENTATION
from gateway.graph.schema import schema

pytestmark = pytest.mark.anyio

README = Path(__file__).parents[3] / "README.md"


def test_code_and_period_are_specified_by_the_readme() -> None:
    sdl = schema.as_str()
    for name in ("Code", "Period"):
        url = f"{DOCUMENTATION}#scalar-{name.lower()}"
        assert f'scalar {name} @specifiedBy(url: "{url}")' in sdl
        # GitHub's anchor of the heading "Scalar Code" is "scalar-code".
        assert re.search(rf"^#+ Scalar {name}$", README.read_text(), re.MULTILINE)
    assert DOCUMENTATION.startswith("https://") and DOCUMENTATION.endswith("/README.md")


async def test_introspection_serves_the_specification_urls() -> None:
    result = await schema.execute('{ __type(name: "Period") { specifiedByURL } }')
    assert result.data == {"__type": {"specifiedByURL": f"{DOCUMENTATION}#scalar-period"}}
