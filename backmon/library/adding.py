"""Adding the session another command just made (monitor --record, import -o, analyze --add).

The command's own work is done by then: a library that cannot take the session is a warning
on stderr, never a failure of the command (the session file is written and stays the record).
"""

from __future__ import annotations

import os
import sys

from backmon.library.store import Library
from sensors.errors import BackmonError
from sensors.text import printable


def add_after(path: str | os.PathLike, *, library: str | os.PathLike | None = None, analysis: dict | None = None,
              settings=None, quiet: bool = False) -> int | None:
    """Add the closed session file at ``path`` (analysed now unless ``analysis`` is given); prints
    one line saying which session it is (unless ``quiet``). Returns its id, or None when not added."""
    try:
        with Library.open(library) as opened:
            result = opened.add(path, analysis=analysis, settings=settings)
    except (BackmonError, ValueError, OSError) as err:
        print(printable(f"backmon: warning: {path}: not added to your library ({err})"), file=sys.stderr)
        return None
    if not quiet:
        what = "added to your library as session" if result.added else "already in your library as session"
        print(f"{what} {result.record.id} ('backmon library show {result.record.id}')")
    return result.record.id
