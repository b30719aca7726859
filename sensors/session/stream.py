"""Session CSV v1 read in blocks: memory bounded by the block, not by the file.

``SessionStream(path)`` yields each side's rows in time order, block by block, and once the
last block is through holds ``info``: metadata, marks, the time base, the calibration window,
counts and the warnings, exactly what a reader of the whole file would report. Blocks are cut
at line ends (sensors.session.blocks), at most BLOCK_BYTES and MAX_BLOCK_LINES each; a file in a
spreadsheet's dialect is converted a block at a time (sensors.session.dialect). A line longer
than MAX_LINE_BYTES is an error naming it; what the ``#`` lines add is capped (sensors.session.meta).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from sensors.compiled import Kernels
from sensors.errors import SessionFileError, open_file
from sensors.limits import MAX_SPAN_S
from sensors.samples import EPOCH_THRESHOLD_S, SIDES, CalibrationLine, Mark, Side, TimeBase
from sensors.session import blocks
from sensors.session.blocks import Block, BlockReader
from sensors.session.check_kernel import BAD_NUMBER, IMPOSSIBLE, UNKNOWN_SIDE
from sensors.session.checks import READING_LIMITS, Tally, count, impossible_note
from sensors.session.meta import Meta, find_header
from sensors.session.rows import Rows, SideOrder
from sensors.session.scan_kernel import COMMENT
from sensors.session.scanner import COLUMNS, Lines, data_lines, read_slow_lines, split_lines
from sensors.standing_thread import StandingThread

BLOCK_BYTES = 16 << 20  # about 10 minutes of two sensors at 100 Hz per block
_SCANNER = StandingThread("backmon-scan")  # scans the block ahead
# Columns of a block's values (sensors.session.scanner.COLUMNS).
_TIME, _DEVICE_TIME, _SEQ = COLUMNS.index("time_s"), COLUMNS.index("device_time_s"), COLUMNS.index("seq")
_ACCEL = slice(COLUMNS.index("ax_g"), COLUMNS.index("az_g") + 1)
_GYRO = slice(COLUMNS.index("gx_dps"), COLUMNS.index("gz_dps") + 1)
_kernels = Kernels("sensors.session.check_kernel")  # its verdicts LEFT, RIGHT are the scanner's side codes


@dataclass(frozen=True)
class SideRows:
    """A run of one side's rows, in time order, final (screened, sorted, de-duplicated)."""

    side: str
    rows: Rows


@dataclass(frozen=True)
class SideSummary:
    samples: int
    first_s: float
    last_s: float


@dataclass(frozen=True)
class SessionInfo:
    """What the whole file says besides its rows (known once every block has been read)."""

    source: str
    time_base: TimeBase
    metadata: dict[str, str]
    marks: tuple[Mark, ...]
    calibration_window_s: tuple[float, float] | None
    skipped_rows: int
    warnings: tuple[str, ...]
    sides: dict[Side, SideSummary]  # the sides present (2 or more usable samples)
    calibrations: tuple[CalibrationLine, ...] = ()  # the monitor's ``# calibration:`` lines

    @property
    def start_s(self) -> float:
        return min(s.first_s for s in self.sides.values())


class _Broken:
    """Rows skipped for their bytes or cells, tallied over the blocks."""

    def __init__(self) -> None:
        self.rows, self.reasons = Tally(), set()
        self.unknown, self.unknown_example = 0, None
        self.impossible = Tally()

    def notes(self) -> list[str]:
        out = []
        if self.rows.count:
            order = ("wrong field count", "bytes that are not text", "bad number")
            why = " or ".join(r for r in order if r in self.reasons)
            out.append(f"skipped {count(self.rows.count, 'broken row')} ({self.rows.named()}): {why}")
        if self.unknown:
            line, value = self.unknown_example
            out.append(f"skipped {count(self.unknown, 'row')} with an unknown side (e.g. line {line}: {value!r})")
        return out + impossible_note(self.impossible)

    @property
    def skipped(self) -> int:
        return self.rows.count + self.unknown + self.impossible.count


class SessionStream:
    """Iterate a session file's rows side by side, a block of bytes at a time."""

    def __init__(self, path: str | os.PathLike, *, block_bytes: int = BLOCK_BYTES) -> None:
        source = os.fspath(path)
        self.path, self.block_bytes = path, block_bytes
        self.source = source.decode(errors="replace") if isinstance(source, bytes) else source
        self.info: SessionInfo | None = None
        self.bytes_read, self.size_bytes = 0, 0  # of the file so far, and in all (for progress)
        self._reader: BlockReader | None = None

    def __iter__(self) -> Iterator[SideRows]:  # noqa: C901 - the reader's one loop over blocks
        meta, broken, notes = Meta(), _Broken(), []
        sides = {side: SideOrder(side, self.source) for side in SIDES}
        names, line_no, seen_comment = None, 1, False
        above, usable_total = 0, 0  # rows with an epoch time, of all usable rows
        for block, lines in self._scanned_blocks(lambda: names):  # noqa: B023 - the header as known now
            raw = block.raw
            if block.too_long:
                raise _too_long(self.source, line_no)
            buf = _view(raw, block.size)
            lines, too_long = _before_too_long(lines)
            meta.read(raw, lines, line_no, self.source)
            seen_comment = seen_comment or bool(np.any(lines.kinds == COMMENT))
            after = -1
            if names is None and (found := find_header(raw, lines, line_no, self.source)) is not None:
                after, names = found
                lines = split_lines(buf, names, newlines=block.newlines)  # again, now reading the cells
                lines, _ = _before_too_long(lines)
            if names is not None:
                errors = []
                for side, rows in self._block_rows(raw, buf, lines, after, names, line_no, broken):
                    above += int(np.count_nonzero(rows.time_s > EPOCH_THRESHOLD_S))
                    usable_total += len(rows)
                    try:
                        final = sides[side].push(rows)
                    except SessionFileError as err:  # both sides may fail: name the first line
                        errors.append(err)
                        continue
                    if len(final):
                        yield SideRows(side, final)
                if errors:
                    raise min(errors, key=lambda err: err.line or 0)
                _check_between_sides(sides, self.source)
            if too_long is not None:
                raise _too_long(self.source, line_no + too_long)
            line_no += int(lines.starts.size)
        if names is None:
            what = "only comments" if seen_comment else "the file is empty"
            raise SessionFileError(self.source, f"no header line ({what})")
        if usable_total == 0:
            raise SessionFileError(self.source, f"no usable data rows: {count(broken.skipped, 'row')} skipped")
        for side, order in sides.items():
            final = order.finish()
            if len(final):
                yield SideRows(side, final)
        notes = self._reader.notes() if self._reader is not None else []
        self.info = _info(self.source, meta, broken, notes, sides, epoch=above * 2 > usable_total)

    def _scanned_blocks(self, names: Callable[[], list[str] | None]):
        """(Block, Lines) per block. Once the header is known, the next block is scanned on a
        second thread (the compiled pass releases the GIL) while this one goes through the checks
        and sorting here."""
        blocks = self._blocks()
        current, ahead = next(blocks, None), None
        while current is not None:
            lines = ahead.result() if ahead is not None else _scan(current, names())
            following, ahead = next(blocks, None), None
            if following is not None and names() is not None and not following.too_long:
                ahead = _SCANNER.submit(_scan, following, names())
            yield current, lines
            current = following

    def _blocks(self) -> Iterator[Block]:
        """The file's blocks (sensors.session.blocks); ``self._reader`` keeps what it converted."""
        with open_file(self.path, error=SessionFileError,
                       directory_problem="is a directory, not a session CSV file") as handle:
            self.size_bytes = os.fstat(handle.fileno()).st_size
            self._reader = BlockReader(handle, self.block_bytes)
            for block in self._reader:
                self.bytes_read = self._reader.bytes_read or handle.tell()
                yield block

    def _block_rows(self, raw: bytes, buf, lines, after: int, names: list[str], line_no: int, broken: _Broken):
        """The usable rows of a block per side (file order), with the broken ones tallied."""
        good, bad_fields, bad_bytes = data_lines(lines, after, len(names))
        if not good.size:
            broken.rows.add(np.sort(np.concatenate((bad_fields, bad_bytes))) + line_no)
            broken.reasons |= {r for r, n in (("wrong field count", bad_fields.size),
                                              ("bytes that are not text", bad_bytes.size)) if n}
            return []
        read_slow_lines(buf, lines, good, names)
        verdicts = np.empty(good.size, np.int8)
        _kernels.row_verdicts(lines.values, lines.side, good, _TIME, _ACCEL.start, READING_LIMITS, verdicts)
        bad_numbers = good[verdicts == BAD_NUMBER]
        broken.rows.add(np.sort(np.concatenate((bad_fields, bad_bytes, bad_numbers))) + line_no)
        broken.reasons |= {r for r, n in (("wrong field count", bad_fields.size),
                                          ("bytes that are not text", bad_bytes.size),
                                          ("bad number", bad_numbers.size)) if n}
        unknown = verdicts == UNKNOWN_SIDE
        if unknown.any():
            if broken.unknown_example is None:
                line = int(good[np.argmax(unknown)])
                cells = raw[lines.starts[line]:lines.ends[line]].decode("ascii").split(",")
                broken.unknown_example = (line + line_no, cells[names.index("side")].strip())
            broken.unknown += int(unknown.sum())
        impossible = verdicts == IMPOSSIBLE
        if impossible.any():
            broken.impossible.add(good[impossible] + line_no)
        out = []
        for code, side in enumerate(SIDES):
            mine = good[verdicts == code]
            v = lines.values[mine]
            out.append((side, Rows(v[:, _TIME], v[:, _ACCEL.start:_GYRO.stop], v[:, _DEVICE_TIME], v[:, _SEQ],
                                   mine + line_no)))
        return out


def _view(raw: bytes | bytearray, size: int) -> np.ndarray:
    return np.frombuffer(raw, np.uint8, count=size)


def _scan(block: Block, names: list[str] | None) -> Lines | None:
    return None if block.too_long else split_lines(_view(block.raw, block.size), names, newlines=block.newlines)


def _before_too_long(lines: Lines | None) -> tuple[Lines | None, int | None]:
    """The lines before the first one longer than MAX_LINE_BYTES, and that line's index (None
    when there is none): the lines before it are read as usual, then the reader stops there."""
    if lines is None:
        return lines, None
    too_long = np.flatnonzero(lines.ends - lines.starts > blocks.MAX_LINE_BYTES)
    if not too_long.size:
        return lines, None
    first = int(too_long[0])
    return Lines(*(column[:first] for column in lines)), first


def _too_long(source: str, line_no: int) -> SessionFileError:
    return SessionFileError(source, f"the line is longer than {blocks.MAX_LINE_BYTES >> 20} MiB, which no session "
                            "line is (is this a session CSV file?)", line=line_no)


def _check_between_sides(sides: dict[str, SideOrder], source: str) -> None:
    (a, first), (b, second) = sides.items()
    if not (np.isfinite(first.low[0]) and np.isfinite(second.low[0])):
        return
    span_s = max(first.high[0], second.high[0]) - min(first.low[0], second.low[0])
    if span_s > MAX_SPAN_S:
        raise SessionFileError(source, f"the {a} side (from line {first.low[1]}) and the {b} side (from line "
                               f"{second.low[1]}) together span {span_s / 3600:.4g} h: is one side in Unix "
                               "time and the other in seconds from the start?")


def _to_session_axis(time_s: float, time_base: TimeBase, first_s: float) -> float:
    """DESIGN.md: with epoch data, a metadata time below 1e9 counts from the first sample."""
    return time_s + first_s if time_base == TimeBase.EPOCH and time_s < EPOCH_THRESHOLD_S else time_s


def _info(source: str, meta: Meta, broken: _Broken, dialect_notes: list[str], sides: dict[str, SideOrder],
          *, epoch: bool) -> SessionInfo:
    present = {name: SideSummary(o.released, o.first_released_s, o.last_released_s)
               for name, o in sides.items() if o.released >= 2}
    if not present:
        raise SessionFileError(source, "no side has 2 or more usable samples")
    time_base = TimeBase.EPOCH if epoch else TimeBase.RELATIVE
    first_s = min(s.first_s for s in present.values())
    calibration = meta.calibration and tuple(_to_session_axis(t, time_base, first_s) for t in meta.calibration)
    notes = dialect_notes + meta.warnings + meta.summary() + broken.notes()
    notes += [n for o in sides.values() for n in o.outlier_note()]
    notes += [n for o in sides.values() for n in o.notes()]
    skipped = broken.skipped + sum(o.outliers.count for o in sides.values())
    return SessionInfo(
        source=source, time_base=time_base, metadata=meta.metadata,
        marks=tuple(Mark(_to_session_axis(t, time_base, first_s), text) for t, text in meta.marks),
        calibration_window_s=calibration or None, skipped_rows=skipped, warnings=tuple(notes), sides=present,
        calibrations=tuple(CalibrationLine(_to_session_axis(t, time_base, first_s), Side(side), rotation, known)
                           for t, side, rotation, known in meta.calibrations))
