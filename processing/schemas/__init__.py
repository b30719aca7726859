"""JSON Schemas of the analysis JSON, one file per version (``backmon.analysis-N.schema.json``).

Readers of analysis files (trends, the library) check a file against the schema its ``schema``
field names, so a damaged or foreign file is listed and left out with one reason instead of
failing half-way through a run. jsonschema is imported only here, only when a file is checked.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

VERSIONS = ("backmon.analysis/1", "backmon.analysis/2")  # /2: README, "Analysis JSON versions"


@cache
def _validator(version: str):
    import jsonschema

    name = version.replace("/", "-") + ".schema.json"
    schema = json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def check_analysis(data: object) -> str:
    """The version of a parsed analysis JSON; ValueError saying what is wrong when it matches none."""
    version = data.get("schema") if isinstance(data, dict) else None
    if version not in VERSIONS:
        raise ValueError(f"not a backmon analysis ({' or '.join(VERSIONS)} expected)")
    error = next(iter(sorted(_validator(version).iter_errors(data), key=lambda e: e.path)), None)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the top level"
        raise ValueError(f"does not match {version} at {where}: {_short(error.message)}")
    return version


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."
