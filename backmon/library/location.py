"""Where the library lives: ``--library PATH``, else ``BACKMON_LIBRARY``, else the user's data
folder (platformdirs: ~/.local/share/backmon on Linux, ~/Library/Application Support/backmon on
macOS, %LOCALAPPDATA%\\backmon on Windows). The journal sits beside the database."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "BACKMON_LIBRARY"
FILE_NAME = "library.sqlite3"


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("backmon", appauthor=False)) / FILE_NAME


def library_path(given: str | os.PathLike | None = None) -> Path:
    """The database file to use: ``given``, else $BACKMON_LIBRARY (when set and not empty), else
    the default in the user's data folder."""
    if given:
        return Path(given).expanduser()
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env).expanduser() if env else default_path()


def journal_path(database: Path) -> Path:
    """library.sqlite3 -> library.journal.jsonl (beside it, so one folder holds the library)."""
    return database.with_name(database.stem + ".journal.jsonl")
