"""Session CSV format v1 (DESIGN.md, "Session CSV format v1"): the project's own recording format.

- ``files``: the entry points, ``read_session`` (a whole file into a ``Session``) and ``write_session``;
- ``stream``: the reader in blocks (memory bounded by the block), fed by
  ``scanner`` (the compiled pass over bytes), ``rows`` (file order to time order across blocks),
  ``checks`` (numbers a line-by-line parse cannot judge), ``dialect`` (files saved again by a
  spreadsheet) and ``meta`` (``#`` lines and the header);
- ``columns``: the names the reader and the writers share;
- ``writer``: a whole session at once (vectorised); ``recorder``: the live recording, appended as
  data arrive.

Only ``processing.input`` reads session files on the analysis side (DESIGN.md, "Layout").
"""
