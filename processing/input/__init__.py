"""Where the analysis gets its samples: the only part of ``processing`` that reads session files.

- ``spool``: a session file parsed once into a temporary file of float64 records, read forward;
- ``sources``: one ``Source``/``Reader`` interface over the spool or a ``Session`` in memory, so
  a streamed file and the same session in memory give bit-for-bit the same result.
"""
