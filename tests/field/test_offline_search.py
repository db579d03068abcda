"""The field app's offline search (static/field/field.js `localSearch`) finds what people type, as the server does.

Run in Node on the function itself, with the cases of ../shared/cases/registration/search_as_typed.txt.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

NODE = shutil.which("node")
FIELD_JS = Path(settings.BASE_DIR) / "static" / "field" / "field.js"

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

HOUSEHOLDS = [
    [1, "ABCD1234X", "Mariam Kassogué", "+22370112233", 4],
    [2, "EFGH5678Y", "Oumar Sidibé", "+22376543210", 3],
    [3, "JKMN9012Z", "Hawa Maïga", "", 2],
    [4, "PQRS3456W", "Layla Hasan", "+9647506792418", 5],
    [5, "TVWX7890V", "Aminata Traoré", "+22366001100", 2],
]


def local_search(query: str) -> list[int]:
    source = FIELD_JS.read_text()
    start, end = source.index("  function normalise(text)"), source.index("  function displayCode(code)")
    script = (
        f"let list = {{households: {json.dumps(HOUSEHOLDS)}}};\n{source[start:end]}\n"
        f"process.stdout.write(JSON.stringify(localSearch({json.dumps(query)}).map((h) => h[0])));"
    )
    answer = subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True)  # noqa: S603 (our script)
    return json.loads(answer.stdout)


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Kassogue", 1),
        ("Sidibe", 2),
        ("Maiga", 3),
        ("  kassogue  ", 1),
        ("mariam   KASSOGUE", 1),
        ("٧٥٠ ٦٧٩ ٢٤١٨", 4),
        ("0750 679 2418", 4),
        ("7506792418", 4),
        ("+964 750 679 2418", 4),
    ],
)
def test_the_offline_search_finds_what_people_type(typed, found):
    assert local_search(typed) == [found]
