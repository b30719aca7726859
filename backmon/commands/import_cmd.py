"""``backmon import``: other tools' exports (one recording per side) in; a session CSV out."""

from __future__ import annotations

import sys

from backmon.args import add_no_library_option

# sensors.importers.IMPORTERS, named here so that the CLI starts without loading the importers
# (pandas); tests/sensors/importers/test_importers.py checks the two agree.
TOOLS = ("metabase", "phyphox", "sensorlogger", "witmotion")


def add_parser(commands) -> None:
    p = commands.add_parser(
        "import", help="convert another tool's recordings into a session CSV",
        description="Convert one recording per side from another tool (files or its zip export) "
                    "into a session CSV (format backmon-session/1): units, axis order and time "
                    "bases normalised, accelerometer and gyroscope merged, both sides on one time "
                    "base.")
    p.add_argument("--from", dest="tool", required=True, choices=TOOLS,
                   help="the tool that made the files")
    p.add_argument("--left", nargs="+", default=[], metavar="FILE",
                   help="the left sensor's files (CSV files, a zip export or its unpacked folder)")
    p.add_argument("--right", nargs="+", default=[], metavar="FILE",
                   help="the right sensor's files (CSV files, a zip export or its unpacked folder)")
    p.add_argument("--left-device", metavar="NAME",
                   help="witmotion: the left sensor's name (or part of it) in a file with several")
    p.add_argument("--right-device", metavar="NAME",
                   help="witmotion: the right sensor's name (or part of it) in a file with several")
    p.add_argument("-o", "--out", required=True, metavar="SESSION.csv", help="session CSV to write")
    add_no_library_option(p, "the session written")
    p.set_defaults(run=run)


def run(args) -> int:
    from sensors.errors import BackmonError
    from sensors.importers import ReadBudget, import_recording, read_inputs
    from sensors.session.files import write_session
    from sensors.text import printable

    if not args.left and not args.right:
        raise BackmonError("import: give the files of at least one side (--left and/or --right)")
    if (args.left_device or args.right_device) and args.tool != "witmotion":
        raise BackmonError("import: --left-device and --right-device are for --from witmotion")
    budget = ReadBudget()  # one cap on what the files of both sides unpack (sensors.importers.inputs)
    imported = import_recording(args.tool, read_inputs(args.left, budget=budget),
                                read_inputs(args.right, budget=budget),
                                left_device=args.left_device, right_device=args.right_device)
    write_session(args.out, imported.left, imported.right, metadata=imported.metadata,
                  inputs=[*args.left, *args.right])  # never over an input or a recording (sensors.outputs)
    for note in imported.notes:
        print(f"backmon: note: {printable(note)}", file=sys.stderr)  # notes name zip members and devices
    sides = [f"{side} {len(s)} samples" for side, s in (("left", imported.left),
                                                        ("right", imported.right)) if s is not None]
    print(f"wrote {args.out} ({', '.join(sides)}; {imported.metadata['time_alignment']})")
    if not args.no_library:
        from backmon.library.adding import add_after

        add_after(args.out, library=args.library)
    return 0
