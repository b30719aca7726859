"""``backmon decode``: notification bytes in hex -> one JSON object per sample (sensor debugging)."""

from __future__ import annotations

import json
import re

SAMPLE_FIELDS = ("ax_g", "ay_g", "az_g", "gx_dps", "gy_dps", "gz_dps")
DIGITS = 6  # 1e-6 g, 1e-6 deg/s and 1 us: below every sensor's resolution
_SEPARATORS = re.compile(r"[\s:]|0x", re.IGNORECASE)


def add_parser(commands) -> None:
    from sensors.profiles import PROFILES

    p = commands.add_parser(
        "decode", help="decode sensor notification bytes (hex) to samples",
        description="Decode the bytes of one or more notifications, given in hex in arrival order (a "
                    "frame split across notifications is joined), and print one JSON object per sample "
                    "in g and deg/s, with device_time_s and seq where the device sends them. Replies "
                    "to commands (battery, registers, command results) print as objects with a "
                    "\"reply\" key.")
    p.add_argument("--profile", required=True, choices=sorted(PROFILES), help="device family")
    p.add_argument("--rate-hz", type=float, default=None,
                   help="the rate the sensor was subscribed at (needed for movesense: its packets carry "
                        "the time of their first sample only)")
    p.add_argument("hex", nargs="+", metavar="HEX", help="one notification's bytes, e.g. 5561000000040008...")
    p.set_defaults(run=run)


def notification_bytes(text: str, *, index: int) -> bytes:
    """Hex text (spaces, colons and 0x prefixes allowed) -> bytes; UsageError otherwise."""
    from sensors.errors import UsageError

    digits = _SEPARATORS.sub("", text)
    try:
        data = bytes.fromhex(digits)
    except ValueError:
        raise UsageError(f"notification {index}: not hexadecimal bytes: {text!r}") from None
    if not data:
        raise UsageError(f"notification {index}: no bytes given")
    return data


def sample_record(sample) -> dict:
    record = {name: round(getattr(sample, name), DIGITS) for name in SAMPLE_FIELDS}
    if sample.device_time_s is not None:
        record["device_time_s"] = round(sample.device_time_s, DIGITS)
    if sample.seq is not None:
        record["seq"] = sample.seq
    return record


def reply_record(reply) -> dict:
    from sensors.profiles import BatteryReading, CommandResult, RegisterReply

    if isinstance(reply, BatteryReading):
        return {"reply": "battery", "percent": reply.percent, "volts": reply.volts}
    if isinstance(reply, RegisterReply):
        return {"reply": "register", "register": f"{reply.register:#04x}", "values": list(reply.values)}
    assert isinstance(reply, CommandResult)
    return {"reply": "command_result", "ref": reply.ref, "status": reply.status,
            "body": reply.body.decode("ascii", "replace") if reply.body else None}


def run(args) -> int:
    from sensors.errors import MalformedPacket
    from sensors.profiles import PROFILES

    decoder = PROFILES[args.profile].decoder(args.rate_hz)
    notifications = [notification_bytes(text, index=i) for i, text in enumerate(args.hex, start=1)]
    lines = []
    for i, data in enumerate(notifications, start=1):
        try:
            decoded = decoder.feed(data)
        except MalformedPacket as err:
            raise MalformedPacket(f"notification {i}: {err}") from None
        lines += [sample_record(s) for s in decoded.samples] + [reply_record(r) for r in decoded.replies]
    if decoder.skipped_bytes:
        raise MalformedPacket(f"{decoder.skipped_bytes} bytes are not part of any {args.profile} frame")
    if decoder.pending_bytes:
        raise MalformedPacket(f"{decoder.pending_bytes} bytes at the end wait for the rest of their frame "
                              "(give the next notification too)")
    for record in lines:
        print(json.dumps(record))
    return 0
