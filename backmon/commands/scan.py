"""``backmon scan``: supported sensors nearby, with signal strength, profile and battery."""

from __future__ import annotations

DEFAULT_TIMEOUT_S = 5.0
NOT_FOUND_ADVICE = ("no supported sensor found: is it switched on, within 10 m, and not connected to another "
                    "device (a phone's app, or the system's Bluetooth settings)?")


def add_parser(commands) -> None:
    p = commands.add_parser("scan", help="find supported sensors nearby (Bluetooth LE)",
                            description="Scan for supported sensors (WitMotion BLE 5.0, Movesense, backmon "
                                        "boards) and show name, address, signal strength, profile, battery "
                                        "(each sensor is connected briefly to read it) and whether it has a "
                                        "vibration motor for alerts (backmon boards).")
    p.add_argument("--transport", metavar="SPEC",
                   help="Bluetooth stack: the system's (default), or bumble:<hci-transport> such as "
                        "bumble:usb:0 (a USB dongle) or bumble:tcp-client:127.0.0.1:9001 (a shared virtual radio)")
    p.add_argument("--simulate", action="store_true",
                   help="scan a virtual radio with two simulated sensors (no hardware needed)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S",
                   help=f"seconds to scan (default {DEFAULT_TIMEOUT_S:g})")
    p.set_defaults(run=run)


def run(args) -> int:
    import asyncio

    from sensors.ble.transport import parse_transport
    from sensors.errors import UsageError

    if not args.timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    spec = parse_transport(args.transport, simulate=args.simulate)
    result = asyncio.run(_scan(spec, args.timeout))
    print(_table(result))
    return 0


async def _scan(spec, timeout_s: float):
    from sensors.ble.discovery import scan_with_batteries
    from sensors.ble.transport import bluetooth_errors, default_simulated_sensors, open_radio

    with bluetooth_errors(spec):
        async with open_radio(spec, sensors=lambda: default_simulated_sensors(profiles=("witmotion", "backmon"))) \
                as radio:
            return await scan_with_batteries(radio, timeout_s=timeout_s)


def _table(result) -> str:
    from sensors.ble.discovery import battery_text
    from sensors.text import printable

    others = f" ({result.others} other Bluetooth device{'s' * (result.others != 1)} ignored)" if result.others else ""
    if not result.sensors:
        return NOT_FOUND_ADVICE + others
    rows = [("name", "address", "rssi", "profile", "battery", "motor")]
    # Names and addresses are what the radio heard: anyone nearby can advertise escape sequences.
    # "motor" is the profile's capability (its row), not something the device reported.
    rows += [(printable(s.name), printable(s.address), f"{s.rssi_dbm} dBm", s.profile.name, battery_text(s.battery),
              "yes" if s.profile.has_motor else "no") for s in result.sensors]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    count = len(result.sensors)
    return "\n".join(lines + [f"{count} supported sensor{'s' * (count != 1)} found{others}"])
