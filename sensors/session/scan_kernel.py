"""Compiled kernel of sensors/session/scanner.py: the pass over a block's bytes (see sensors/compiled.py)."""

import numpy as np

from sensors.session.columns import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

BLANK, COMMENT, TEXT = 0, 1, 2  # the kinds of line
_SIDE = (REQUIRED_COLUMNS + OPTIONAL_COLUMNS).index("side")  # a block's values come in this order
_MAX_INDENT = 64  # leading blanks looked through when classifying a line
_NEWLINE, _CR, _TAB, _SPACE, _HASH, _COMMA, _MINUS, _PLUS, _POINT = 10, 13, 9, 32, 35, 44, 45, 43, 46
_MAX_MANTISSA = 2 ** 53  # integers up to this are exact in float64

KERNELS = {  # name: signature (numba's notation), for the ahead-of-time build
    "scan": "int64(uint8[::1], int64[::1], float64[::1], int64[::1], int64[::1], int8[::1], int64[::1], "
        "boolean[::1], boolean[::1], float64[:, ::1], int8[::1])",
}


def scan(buf, slots, pow10, starts, ends, kinds, commas, odd, fast, values, side):  # noqa: C901 - one pass; pragma: no cover
    """One pass over the bytes, a line at a time, a field at a time; see ``Lines``.

    A number cell is read by Clinger's fast path: a mantissa of at most 18 digits and below
    2**53, divided by an exact power of ten up to 1e22, is correctly rounded, so the value
    equals any correct parser's. Everything is inline, in tight digit loops: one branch the
    processor cannot predict per cell rather than per byte (1.5x faster than with helpers)."""
    size, n_slots, line, i = buf.size, slots.size, 0, 0
    while i < size:
        start, n_commas, is_odd, ok, field = i, 0, False, n_slots > 0, 0
        while True:  # one field per turn: read it if wanted, then step over the rest of it
            slot = slots[field] if field < n_slots else -1
            if slot == _SIDE and ok:  # exactly "left" or "right"
                if i + 4 <= size and buf[i] == 108 and buf[i + 1] == 101 and buf[i + 2] == 102 and buf[i + 3] == 116:
                    side[line], i = 0, i + 4
                elif (i + 5 <= size and buf[i] == 114 and buf[i + 1] == 105 and buf[i + 2] == 103
                      and buf[i + 3] == 104 and buf[i + 4] == 116):
                    side[line], i = 1, i + 5
                else:
                    ok = False
            elif slot >= 0 and ok:  # a plain decimal: sign, digits, point, digits
                j, negative = i, False
                if j < size and (buf[j] == _MINUS or buf[j] == _PLUS):
                    negative, j = buf[j] == _MINUS, j + 1
                mantissa, digits, decimals = 0, 0, 0
                while j < size:
                    d = np.int64(buf[j]) - 48
                    if d < 0 or d > 9:
                        break
                    mantissa = mantissa * 10 + d
                    digits += 1
                    j += 1
                if j < size and buf[j] == _POINT:
                    j += 1
                    while j < size:
                        d = np.int64(buf[j]) - 48
                        if d < 0 or d > 9:
                            break
                        mantissa = mantissa * 10 + d
                        decimals += 1
                        j += 1
                    digits += decimals
                if j == i:
                    values[line, slot] = np.nan  # an empty cell
                elif digits == 0 or digits > 18 or decimals > 22 or mantissa > _MAX_MANTISSA:
                    ok = False
                else:
                    value = mantissa / pow10[decimals]
                    values[line, slot] = -value if negative else value
                i = j
            while i < size:  # the rest of the field
                byte = buf[i]
                if byte == _COMMA or byte == _NEWLINE:
                    break
                if byte < _SPACE or byte > 126:
                    if byte == _CR and (i + 1 == size or buf[i + 1] == _NEWLINE):
                        pass  # the CR of a CRLF line end
                    elif byte == _TAB:
                        ok = ok and slot < 0
                    else:
                        is_odd, ok = True, False  # a stray CR would shift pandas' rows against ours
                elif slot >= 0:
                    ok = False  # something after the number: let the careful parser decide
                i += 1
            if i >= size or buf[i] == _NEWLINE:
                break
            n_commas, field, i = n_commas + 1, field + 1, i + 1
        end = i
        if end > start and buf[end - 1] == _CR:
            end -= 1
        first = start
        while first < end and first - start < _MAX_INDENT and (buf[first] == _SPACE or buf[first] == _TAB):
            first += 1
        starts[line], ends[line], commas[line], odd[line] = start, end, n_commas, is_odd
        kinds[line] = BLANK if first >= end else (COMMENT if buf[first] == _HASH else TEXT)
        fast[line] = ok and n_commas == n_slots - 1 and not is_odd
        line += 1
        i += 1  # past the newline
    return line
