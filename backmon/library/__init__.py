"""The session library: every session and check-in in one place (DESIGN.md, "The session library").

Opening and using it
    Library.open(path=None)       store.py: the SQLite file (owner-only), migrated to the latest schema
    SessionRecord, CheckIn,       records.py: what it hands out (frozen)
    CheckInKind, AddResult
    LibraryError, LibraryDamaged  one-sentence errors (exit status 2)

Where it lives and how it is kept
    library_path, ENV_VAR         location.py: --library PATH, $BACKMON_LIBRARY, the user's data folder
    schema                        the tables and the numbered migrations
    journal                       JSON lines beside the database: sessions, check-ins, programme
    rebuild                       a new database from the files and the journal
    export                        a zip of the session files with a CSV of their summaries
"""

from backmon.library.location import ENV_VAR, library_path
from backmon.library.records import AddResult, CheckIn, CheckInKind, SessionRecord
from backmon.library.store import Library, LibraryDamaged, LibraryError

__all__ = ["ENV_VAR", "AddResult", "CheckIn", "CheckInKind", "Library", "LibraryDamaged", "LibraryError",
           "SessionRecord", "library_path"]
