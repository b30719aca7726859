"""Text that came from a file or the radio, made safe to print and to write into metadata.

A device name heard over Bluetooth, a header cell or a zip member's name can hold terminal
control sequences (``\\x1b]0;title\\x07`` retitles the window, ``\\x1b[2J`` clears the screen)
or bidirectional overrides that make text read differently from what it is. ``printable`` writes
each such character as a visible escape (``\\x1b``, ``\\u202e``), so the text keeps every
character's identity but none of them acts on the terminal. Escaping ESC and CSI (U+009B) alone
defuses every ANSI sequence: what follows them is plain printable text.

Every string from outside is printed, and written into session metadata, through here
(DESIGN.md, "backmon analyze outputs").
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls (Unicode category Cc), the line and paragraph separators, and
# the bidirectional marks, embeddings, overrides and isolates ("Trojan Source", CVE-2021-42574).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, keep: str = "") -> str:
    """``str(text)`` with control characters written as visible escapes (``"\\x1b"`` becomes the
    four characters ``\\x1b``). Characters in ``keep`` (e.g. ``"\\n"`` for a block of lines the
    program itself composed) stay as they are."""
    text = str(text)
    if keep:
        return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)
    return _CONTROL.sub(_escape, text)


def metadata_value(text: object) -> str:
    """A value for a ``# key: value`` line: one line (line breaks become spaces), trimmed, every
    other control character escaped."""
    return printable(" ".join(str(text).splitlines()).strip())
