"""``backmon library``: your history, every session in one place (add, list, show, remove,
rebuild, export, checkins)."""

from __future__ import annotations

import sys
from pathlib import Path

from backmon.args import add_day_range_options, add_library_option

DESCRIPTION = ("Your history: one file (an SQLite database, readable by you only, on this machine) indexes your "
               "sessions with their analysis, and keeps your check-ins. The session CSV files stay the record: "
               "the library never changes or moves them, and 'rebuild' indexes them again if the library is lost.")


def add_parser(commands) -> None:
    p = commands.add_parser("library", help="your history: add, list, show, remove, rebuild, export sessions",
                            description=DESCRIPTION)
    add_library_option(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=type(p))

    add = actions.add_parser("add", help="index session files (a folder: every session file in it and its subfolders)",
                             description="Index session CSV files: each is hashed (the same content twice is one "
                                         "session) and analysed now, as 'backmon analyze' would.")
    add.add_argument("paths", nargs="+", metavar="FILE_OR_DIR",
                     help="session CSV files, or folders searched (with their subfolders) for session files")
    add.add_argument("--config", metavar="FILE", help="TOML file overriding thresholds for the analysis")
    add.set_defaults(run=run_add)

    show_list = actions.add_parser("list", help="one line per session: id, day, time, duration, key figures",
                                   description="List the sessions in the library, oldest first, with the minutes "
                                               "bent forward beyond 30 and 60 deg and the alerts raised.")
    add_day_range_options(show_list)
    show_list.set_defaults(run=run_list)

    show = actions.add_parser("show", help="one session: file, hash, figures, alerts, the day's check-ins",
                              description="Show one session of the library (ids as 'backmon library list' shows).")
    show.add_argument("id", type=int, help="the session's id")
    show.set_defaults(run=run_show)

    remove = actions.add_parser("remove", help="take a session out of the library (its file stays)",
                                description="Take a session out of the library. The session file itself is "
                                            "left where it is, untouched.")
    remove.add_argument("id", type=int, help="the session's id")
    remove.set_defaults(run=run_remove)

    rebuild = actions.add_parser(
        "rebuild", help="index again from the session files and the journal",
        description="Build the library again from the session files it indexed (listed in the journal beside "
                    "it, and in the old database while it can still be read), analysing each file again; "
                    "check-ins and the programme come back from the journal. A damaged database is kept beside "
                    "the new one, never deleted.")
    rebuild.add_argument("paths", nargs="*", metavar="FILE_OR_DIR", help="more session files or folders to index")
    rebuild.add_argument("--config", metavar="FILE", help="TOML file overriding thresholds for the analysis")
    rebuild.set_defaults(run=run_rebuild)

    export = actions.add_parser(
        "export", help="a zip of your session files with a CSV of their summaries",
        description="Write one zip file to take anywhere: the session files, summaries.csv (one row of figures "
                    "per session) and checkins.csv.")
    export.add_argument("-o", "--out", required=True, metavar="FILE.zip", help="zip file to write")
    add_day_range_options(export)
    export.set_defaults(run=run_export)

    checkins = actions.add_parser("checkins", help="list your check-ins",
                                  description="List the pain and fatigue check-ins in the library.")
    add_day_range_options(checkins, "check-ins")
    checkins.set_defaults(run=run_checkins)

    for sub in actions.choices.values():
        add_library_option(sub, suppress=True)


def session_files(paths: list[str]) -> list[Path]:
    """Files named, and the session files in folders named (and their subfolders), in order."""
    from sensors.errors import UsageError
    from sensors.outputs import is_session_file

    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and is_session_file(p)
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not inside:
                raise UsageError(f"{name}: no session files in this folder (CSV files that begin "
                                 "'# format: backmon-session/')")
            found += inside
        elif path.exists():
            found.append(path)
        else:
            raise UsageError(f"{name}: no such file or folder")
    return list(dict.fromkeys(p.absolute() for p in found))


def run_add(args) -> int:
    from backmon.library import Library
    from backmon.library.text import when_text
    from backmon.progress import progress_bar
    from processing import load_settings
    from sensors.errors import BackmonError
    from sensors.text import printable

    files = session_files(args.paths)
    settings = load_settings(args.config)
    failed = 0
    with Library.open(args.library) as library:
        for path in files:
            try:
                with progress_bar(printable(f"analysing {path.name}")):
                    result = library.add(path, settings=settings)
            except (BackmonError, ValueError) as err:
                if len(files) == 1:
                    raise BackmonError(f"{path}: not added ({err})") from None
                failed += 1
                print(printable(f"backmon: {path}: not added ({err})"), file=sys.stderr)
                continue
            r = result.record
            day, start = when_text(r.started_at)
            if result.added:
                print(printable(f"added {r.id}: {day} {start}, {path}"))
            else:
                moved = " (its path updated: the file had moved)" if result.moved else ""
                print(printable(f"already in the library as {r.id}: {path}{moved}"))
        total = len(library)
    print(f"the library holds {total} session{'s' if total != 1 else ''} ({library.path})")
    if failed:
        print(f"backmon: {failed} of {len(files)} file{'s' if len(files) != 1 else ''} could not be added",
              file=sys.stderr)
        return 2
    return 0


def run_list(args) -> int:
    from backmon.args import check_day_range
    from backmon.library import Library
    from backmon.library.text import session_table
    from sensors.text import printable

    check_day_range(args)
    with Library.open(args.library) as library:
        records = library.sessions(args.from_day, args.to_day, brief=True)
        checkins = len(library.checkins(args.from_day, args.to_day))
    if not records:
        print("no sessions" + (" in those days" if args.from_day or args.to_day else " in the library yet: add them "
                               "with 'backmon library add FILES|DIR'") + printable(f" ({library.path})"))
        return 0
    print(session_table(records))
    print(printable(f"{len(records)} session{'s' if len(records) != 1 else ''}, {checkins} check-in"
                    f"{'s' if checkins != 1 else ''} ({library.path})"))
    return 0


def run_show(args) -> int:
    from backmon.library import Library
    from backmon.library.text import session_detail

    with Library.open(args.library) as library:
        record = library.get(args.id)
        checkins = library.checkins(record.day, record.day) if record.day else []
    print(session_detail(record, checkins))
    return 0


def run_remove(args) -> int:
    from backmon.library import Library
    from sensors.text import printable

    with Library.open(args.library) as library:
        record = library.remove(args.id)
    print(printable(f"removed session {record.id} from the library; the file {record.path} is untouched"))
    return 0


def run_rebuild(args) -> int:
    from backmon.library.rebuild import rebuild
    from backmon.progress import progress_bar
    from processing import load_settings
    from sensors.text import printable

    extra = session_files(args.paths) if args.paths else []
    settings = load_settings(args.config)

    def warn(text: str) -> None:
        print(printable(f"backmon: warning: {text}"), file=sys.stderr)

    with progress_bar("indexing sessions") as update:
        report = rebuild(args.library, extra=extra, settings=settings, progress=update, warn=warn)
    if report.damaged_kept:
        print(printable(f"the damaged library was kept as {report.damaged_kept}"))
    for path in report.missing:
        warn(f"{path}: missing, left out (its entry stays in the journal: rebuild again once the file is back)")
    for path in report.changed:
        warn(f"{path}: changed since it was indexed; indexed as it is now")
    if report.unreadable_journal_lines:
        warn(f"{report.unreadable_journal_lines} line(s) of the journal could not be read and were left out")
    print(f"rebuilt: {report.sessions} session{'s' if report.sessions != 1 else ''}, {report.checkins} check-in"
          f"{'s' if report.checkins != 1 else ''}, {report.programmes} programme{'s' if report.programmes != 1 else ''}"
          f"{f', {len(report.failed)} file(s) left out' if report.failed else ''}")
    return 0


def run_export(args) -> int:
    from backmon.args import check_day_range
    from backmon.library import Library
    from backmon.library.export import export
    from sensors.outputs import refuse_clashes
    from sensors.text import printable

    check_day_range(args)
    with Library.open(args.library) as library:
        refuse_clashes([args.out], inputs=[library.path, library.journal_path])
        report = export(library, args.out, from_day=args.from_day, to_day=args.to_day)
    for path in report.missing:
        print(printable(f"backmon: warning: {path}: missing or changed since it was indexed; its summary is in "
                        "the zip, the file is not"), file=sys.stderr)
    print(printable(f"wrote {args.out} ({report.sessions} session file{'s' if report.sessions != 1 else ''}, "
                    f"{report.summaries} summar{'ies' if report.summaries != 1 else 'y'}, {report.checkins} "
                    f"check-in{'s' if report.checkins != 1 else ''})"))
    return 0


def run_checkins(args) -> int:
    from backmon.args import check_day_range
    from backmon.library import Library
    from backmon.library.text import checkin_table

    check_day_range(args)
    with Library.open(args.library) as library:
        checkins = library.checkins(args.from_day, args.to_day)
    print(checkin_table(checkins) if checkins else "no check-ins yet: 'backmon checkin 4 --note \"...\"' adds one")
    return 0

