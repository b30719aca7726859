"""Messy and hostile session files, each with the outcome ``backmon analyze`` must give.

Real files get edited in spreadsheets, truncated, merged, recorded at odd rates or damaged.
Each case below is a short simulated session (normal work after the calibration routine) made
messy in one way, with its expected outcome: either a normal analysis (exit 0) whose warnings
say what was fixed or skipped, or exit status 2 with one line naming the file, the line where
there is one, and the problem. tests/test_messy_files.py runs every case; to look at the files::

    python tests/make_messy_files.py OUTDIR      # writes them and prints the table
"""

from __future__ import annotations

import gzip
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sensors import scenarios  # noqa: E402
from sensors.scenarios import SensorModel  # noqa: E402
from sensors.simulator import simulate  # noqa: E402


@dataclass(frozen=True)
class Outcome:
    """exit_code 0: analysed, and the warnings contain every text in ``says`` (none at all when
    ``says`` is empty); 2: refused with one line containing ``says`` (and ``path:line:`` when
    ``line`` is given). ``json`` checks the analysis JSON of an exit-0 case."""

    exit_code: int
    says: tuple[str, ...] = ()
    line: int | None = None
    json: Callable[[dict], bool] | None = field(default=None, compare=False)

    def describe(self) -> str:
        if self.exit_code == 0:
            told = "; warns: " + " / ".join(self.says) if self.says else "; no warning"
            return "analysed" + told
        where = f" at line {self.line}" if self.line else ""
        return f"exit 2{where}: " + " / ".join(self.says)


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    data: bytes
    outcome: Outcome


# ---------------------------------------------------------------- the clean session, as lines


@dataclass(frozen=True)
class Base:
    """A clean session file split into lines: metadata, header, rows (without newlines)."""

    meta: tuple[str, ...]
    header: str
    rows: tuple[str, ...]

    def text(self, rows=None, meta=None, header=None, newline="\n") -> str:
        lines = list(self.meta if meta is None else meta)
        lines += [self.header if header is None else header]
        lines += list(self.rows if rows is None else rows)
        return newline.join(lines) + newline

    def line_of(self, row_index: int) -> int:
        """The 1-based file line of data row ``row_index``."""
        return len(self.meta) + 2 + row_index

    def side_rows(self, side: str) -> list[int]:
        return [i for i, r in enumerate(self.rows) if r.split(",")[1] == side]


@lru_cache(maxsize=None)
def base(rate_left_hz: float = 50.0, rate_right_hz: float = 50.0, minutes: float = 0.5) -> Base:
    """Calibration routine, ``minutes`` of normal work, 5 s upright; written by backmon."""
    scenario = scenarios.normal_work(minutes, seed=1, left=SensorModel(rate_hz=rate_left_hz),
                                     right=SensorModel(rate_hz=rate_right_hz))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.csv"
        simulate(scenario).write(path)
        lines = path.read_text().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("time_s"))
    return Base(tuple(lines[:header]), lines[header], tuple(lines[header + 1:]))


def _set(row: str, column: int, value: str) -> str:
    cells = row.split(",")
    cells[column] = value
    return ",".join(cells)


def _time(row: str) -> float:
    return float(row.split(",")[0])


def _shift(rows, seconds: float, scale: float = 1.0):
    return [_set(r, 0, f"{_time(r) * scale + seconds:.6f}") for r in rows]


OK = Outcome(0)


# ---------------------------------------------------------------- the cases


def cases() -> list[Case]:
    """Every case (made fresh: the files are small)."""
    b = base()
    rows = list(b.rows)
    left = b.side_rows("left")
    out = [Case("clean.csv", "the clean session, as backmon writes it", b.text().encode(), OK)]
    out += _spreadsheet_cases(b)
    out += _row_cases(b, rows, left)
    out += _time_cases(b, rows, left)
    out += _value_cases(b, rows, left)
    out += _rate_and_side_cases(b)
    out += _unusable_cases(b)
    return out


def _spreadsheet_cases(b: Base) -> list[Case]:
    def dialect(separator: str, point: str) -> list[str]:
        return [r.replace(",", "\0").replace(".", point).replace("\0", separator) for r in b.rows]

    quoted = [",".join(f'"{c}"' if c.isalpha() else c for c in r.split(",")) for r in b.rows]
    return [
        Case("semicolon_decimal_comma.csv", "saved by a European spreadsheet: ';' and '1,5'",
             b.text(dialect(";", ","), header=b.header.replace(",", ";")).encode(),
             Outcome(0, ("semicolon-separated with decimal commas",))),
        Case("tab_decimal_comma.txt", "tab-separated with decimal commas",
             b.text(dialect("\t", ","), header=b.header.replace(",", "\t")).encode(),
             Outcome(0, ("tab-separated with decimal commas",))),
        Case("utf16_unicode_text.txt", "a spreadsheet's 'Unicode text': UTF-16, tabs, CRLF",
             b.text(dialect("\t", "."), header=b.header.replace(",", "\t"),
                    newline="\r\n").encode("utf-16"),
             Outcome(0, ("read as UTF-16 text", "tab-separated"))),
        Case("quoted_cells.csv", "a spreadsheet quoted the header and the text cells",
             b.text(quoted, header=",".join(f'"{c}"' for c in b.header.split(","))).encode(),
             Outcome(0, ("removed the quotes",))),
        Case("utf8_bom.csv", "UTF-8 with a byte order mark", b"\xef\xbb\xbf" + b.text().encode(), OK),
        Case("crlf.csv", "Windows line ends", b.text(newline="\r\n").encode(), OK),
        Case("cr_only.csv", "old Mac line ends (CR alone)", b.text(newline="\r").encode(),
             Outcome(0, ("carriage return alone",))),
    ]


def _row_cases(b: Base, rows: list[str], left: list[int]) -> list[Case]:
    duplicated = [r for i, r in enumerate(rows) for _ in range(2 if i % 10 == 0 else 1)]
    swapped = list(rows)
    for k in range(100, len(left) - 1, 200):  # a left row arriving after its successor
        i, j = left[k], left[k + 1]
        swapped[i], swapped[j] = swapped[j], swapped[i]
    truncated = b.text()[:-25]  # the last row cut in the middle, no newline
    last = b.line_of(len(rows) - 1)
    unknown = [_set(r, 1, "centre") if i % 97 == 5 else r for i, r in enumerate(rows)]
    bad = list(rows)
    for i, value in ((40, "abc"), (41, "1.2.3"), (42, ""), (43, "0x1F")):
        bad[i] = _set(bad[i], 2 + i % 6, value)
    long_line = list(rows)
    long_line.insert(300, "1," * 1_000_000)
    spaced = [r if i % 50 else "\n   \t" + r for i, r in enumerate(rows)]
    nul = list(rows)
    nul[77] = nul[77][:8] + "\0" + nul[77][8:]
    extra = [r + f",12.5,-3.25,40.0,note {i},25.5" for i, r in enumerate(rows)]
    return [
        Case("duplicate_rows.csv", "every tenth row twice (a logger's retry)",
             b.text(duplicated).encode(), Outcome(0, ("repeating an earlier time_s dropped",))),
        Case("rows_out_of_order.csv", "a few left rows one sample late",
             b.text(swapped).encode(), Outcome(0, ("left: ", "out of time order; sorted"))),
        Case("truncated_last_line.csv", "the recorder stopped mid-row", truncated.encode(),
             Outcome(0, (f"skipped 1 broken row (line {last})",))),
        Case("unknown_side.csv", "some rows say 'centre'", b.text(unknown).encode(),
             Outcome(0, ("with an unknown side (e.g. line", "'centre'"))),
        Case("bad_numbers.csv", "cells 'abc', '1.2.3', '' and '0x1F'", b.text(bad).encode(),
             Outcome(0, (f"lines {b.line_of(40)}, {b.line_of(41)}, {b.line_of(42)}, "
                         f"{b.line_of(43)}", "bad number"))),
        Case("very_long_line.csv", "a 2 MB line in the middle", b.text(long_line).encode(),
             Outcome(0, (f"(line {b.line_of(300)})", "wrong field count"))),
        Case("blank_and_indented_lines.csv", "blank lines and indented rows",
             b.text(spaced).encode(), OK),
        Case("nul_bytes.csv", "a NUL byte inside a row", b.text(nul).encode(),
             Outcome(0, (f"(line {b.line_of(77)})", "bytes that are not text"))),
        Case("extra_columns.csv", "magnetometer, a note and a temperature column as well",
             b.text(extra, header=b.header + ",mx_ut,my_ut,mz_ut,note,temperature_c").encode(), OK),
    ]


def _time_cases(b: Base, rows: list[str], left: list[int]) -> list[Case]:
    middle = len(rows) // 2
    reset = rows[:middle] + _shift(rows[middle:], -20.0)
    first_back = middle  # the first row of the second half, whichever side it is (the earliest line is named)
    one_bad = list(rows)
    one_bad[left[700]] = _set(one_bad[left[700]], 0, "99999999.0")
    gap = rows[:middle] + _shift(rows[middle:], 600.0)
    mixed = [_set(r, 0, f"{_time(r) + 1.7e9:.6f}") if r.split(",")[1] == "left" else r
             for r in rows]
    return [
        Case("time_jumps_back.csv", "the clock reset: the second half repeats 20 s",
             b.text(reset).encode(),
             Outcome(2, (": time_s goes back", "Split them"), line=b.line_of(first_back))),
        Case("one_bad_time.csv", "one left row's time damaged (99999999)",
             b.text(one_bad).encode(),
             Outcome(0, (f"left: skipped 1 row (line {b.line_of(left[700])}) whose time_s is "
                         "out of line",))),
        Case("ten_minute_gap.csv", "both sensors off for ten minutes", b.text(gap).encode(),
             Outcome(0, json=lambda r: bool(r["sides"]["left"]["gaps"]))),
        Case("negative_times.csv", "times from -1000 s", b.text(_shift(rows, -1000.0)).encode(),
             OK),
        Case("time_in_milliseconds.csv", "time_s written in milliseconds",
             b.text(_shift(rows, 0.0, scale=1000.0)).encode(),
             Outcome(2, ("in milliseconds? It must be seconds",), line=b.line_of(left[0]))),
        Case("mixed_clocks.csv", "left in Unix time, right in seconds from the start",
             b.text(mixed).encode(), Outcome(2, ("is one side in Unix time",))),
    ]


def _value_cases(b: Base, rows: list[str], left: list[int]) -> list[Case]:
    absurd = list(rows)
    absurd[500] = _set(absurd[500], 2, "1e300")
    absurd[501] = _set(absurd[501], 7, "-5e6")
    huge = list(rows)
    huge[600] = _set(huge[600], 3, "9" * 400)
    huge[601] = _set(huge[601], 4, "1e400")
    nan = list(rows)
    for i, value in ((700, "nan"), (701, "inf"), (702, "-Infinity"), (703, "NaN")):
        nan[i] = _set(nan[i], 5, value)
    formula = list(rows)
    formula[800] = _set(formula[800], 2, "=1+2")
    formula[801] = _set(formula[801], 6, "@SUM(A1:A9)")
    formula[802] = _set(formula[802], 1, '=HYPERLINK("http://example.com")')
    formula_meta = b.meta + ("# left_device: =cmd|' /C calc'!A0",)
    saturated = list(rows)
    for i in left[1500:1540]:  # 0.8 s clipped at the range ends
        saturated[i] = _set(_set(saturated[i], 2, "16.000000"), 7, "2000.0000")
    return [
        Case("absurd_values.csv", "1e300 g and -5e6 °/s", b.text(absurd).encode(),
             Outcome(0, (f"lines {b.line_of(500)}, {b.line_of(501)}",
                         "beyond any sensor's range"))),
        Case("huge_numbers.csv", "a 400-digit number and 1e400", b.text(huge).encode(),
             Outcome(0, ("bad number",))),
        Case("nan_inf.csv", "nan, inf, -Infinity cells", b.text(nan).encode(),
             Outcome(0, ("skipped 4 broken rows", "bad number"))),
        Case("formula_cells.csv", "spreadsheet formulas in cells and in the metadata",
             b.text(formula, meta=formula_meta).encode(),
             Outcome(0, ("bad number", "unknown side"))),
        Case("saturated.csv", "0.8 s clipped at +16 g and 2000 °/s (real, kept)",
             b.text(saturated).encode(), OK),
    ]


def _rate_and_side_cases(b: Base) -> list[Case]:
    def rate(side: str, expected_hz: float):
        return lambda r: abs(r["sides"][side]["rate_hz"] - expected_hz) < 0.05 * expected_hz

    differ = base(100.0, 25.0)
    slow, fast = base(10.0, 10.0), base(1000.0, 1000.0, minutes=0.2)
    one_side = [r for r in b.rows if ",left," in r]
    lonely = [r for r in b.rows if ",right," not in r] + [b.rows[b.side_rows("right")[10]]]
    return [
        Case("rates_differ.csv", "left at 100 Hz, right at 25 Hz", differ.text().encode(),
             Outcome(0, json=lambda r: rate("left", 100.0)(r) and rate("right", 25.0)(r))),
        Case("rate_10hz.csv", "both sensors at 10 Hz (WitMotion's default)", slow.text().encode(),
             Outcome(0, json=rate("left", 10.0))),
        Case("rate_1000hz.csv", "both sensors at 1000 Hz", fast.text().encode(),
             Outcome(0, json=rate("right", 1000.0))),
        Case("one_side_only.csv", "the right sensor never connected", b.text(one_side).encode(),
             Outcome(0, json=lambda r: not r["summary"]["left_right"]["available"])),
        Case("side_with_one_sample.csv", "the right sensor sent one sample",
             b.text(lonely).encode(), Outcome(0, ("right: only 1 usable sample; treated as absent",))),
    ]


def _unusable_cases(b: Base) -> list[Case]:
    rng = np.random.default_rng(4)
    garbage = b"\x89PNG\r\n\x1a\n" + rng.integers(0, 256, 20000, dtype=np.uint8).tobytes()
    no_gz = b.header.replace(",gz_dps", "")
    short = [r.rsplit(",", 1)[0] for r in b.rows]
    all_unknown = [_set(r, 1, r.split(",")[1][0].upper()) for r in b.rows]
    newer = tuple(m.replace("backmon-session/1", "backmon-session/2") for m in b.meta)
    return [
        Case("binary_garbage.png", "an image given by mistake", garbage,
             Outcome(2, ("not UTF-8 text",), line=1)),
        Case("gzip_compressed.csv.gz", "the session, gzip-compressed",
             gzip.compress(b.text().encode(), mtime=0), Outcome(2, ("not UTF-8 text",), line=1)),
        Case("empty.csv", "nothing at all", b"", Outcome(2, ("the file is empty",))),
        Case("only_comments.csv", "metadata lines, no header",
             ("\n".join(b.meta) + "\n").encode(), Outcome(2, ("only comments",))),
        Case("header_only.csv", "metadata and header, no rows", b.text(rows=[]).encode(),
             Outcome(2, ("no usable data rows",))),
        Case("missing_column.csv", "the gz_dps column deleted", b.text(short, header=no_gz).encode(),
             Outcome(2, ("missing column(s) gz_dps",), line=len(b.meta) + 1)),
        Case("all_unknown_sides.csv", "sides written 'L' and 'R'", b.text(all_unknown).encode(),
             Outcome(2, ("no usable data rows",))),
        Case("newer_format.csv", "format backmon-session/2", b.text(meta=newer).encode(),
             Outcome(2, ("unsupported format",), line=1)),
    ]


def write_cases(directory: Path) -> list[tuple[Path, Case]]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for case in cases():
        path = directory / case.name
        path.write_bytes(case.data)
        written.append((path, case))
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    for path, case in write_cases(Path(argv[0])):
        print(f"{path.name:<30} {case.what:<58} {case.outcome.describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

