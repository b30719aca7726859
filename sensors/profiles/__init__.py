"""Device profiles: one module per sensor family, one frozen ``DeviceProfile`` row each.

``PROFILES`` maps a family name to its row: ``witmotion`` (WT901BLECL, BWT901BLE5.0,
WT9011DCL), ``movesense`` (GATT SensorData Protocol, IMU6) and ``backmon`` (the project's own
format for DIY boards, firmware_notes/backmon-gatt-profile.md). Nothing here imports a
Bluetooth stack; the live monitor drives a connection with these rows like this:

    profile = profile_for_name(device.name)        # or PROFILES["movesense"]; matches(name)
    decoder = profile.decoder(rate_hz)             # one per connection (and reset() on reconnect)
    await client.start_notify(profile.notify_uuid, on_notification)   # timestamp + enqueue only
    for command in profile.start_commands(rate_hz):                   # in order
        await client.write_gatt_char(profile.write_uuid, command, response=profile.write_with_response)
    ...  # consumer task, per queued notification:
    decoded = decoder.feed(data)                   # raises only MalformedPacket: count and drop
    decoded.samples                                # tuple[ImuSample]: g, deg/s, device_time_s, seq
    decoded.replies                                # BatteryReading | RegisterReply | CommandResult
    ...  # on stop: write profile.stop_commands() the same way, then stop notifications

Row fields: ``name``, ``title``, ``name_prefixes`` (advertised-name prefixes, matched without
regard to case by ``matches(name)``), ``service_uuid``, ``notify_uuid``, ``write_uuid`` (full
128-bit UUIDs), ``write_with_response``, ``rates_hz`` (rates offered; ``start_commands`` raises
UnsupportedRate or UsageError for others) and ``default_rate_hz``, ``has_device_time`` (samples
carry ``device_time_s``), ``battery`` (a BatteryAccess: a characteristic to read and give to
``parse_battery_level``, or a request to write whose answer arrives through the decoder as a
BatteryReading; None when the device offers neither), ``info_uuid`` (backmon's info
characteristic, read with ``backmon.parse_info``), ``haptic_uuid`` and ``encode_haptic`` (a
vibration motor: write ``encode_haptic(HapticPattern)`` there; None for families without one, so
``has_motor`` is the capability the monitor and ``scan`` show: backmon boards only).

``parse`` and ``encode`` are the family module's pure functions (bytes of one whole
notification <-> samples; their keywords differ by family: Movesense needs the subscribed
``rate_hz`` to time samples after the first, encoders take the header fields a device would
write). Parsers raise only ``sensors.errors.MalformedPacket``. Decoders hold what crosses
notification boundaries (WitMotion frames split or merged, Movesense continuation parts).
Command builders and parsers for virtual sensors live in each module (``witmotion.parse_command``,
``movesense.parse_command``, ``backmon.parse_control``, register and result encoders).
"""

from __future__ import annotations

from sensors.profiles import backmon, movesense, witmotion
from sensors.profiles.base import (
    BATTERY_LEVEL_UUID,
    BATTERY_SERVICE_UUID,
    BatteryAccess,
    BatteryReading,
    CommandResult,
    Decoded,
    DeviceProfile,
    HapticPattern,
    RegisterReply,
    Reply,
    StreamDecoder,
    parse_battery_level,
)

PROFILES: dict[str, DeviceProfile] = {
    witmotion.PROFILE.name: witmotion.PROFILE,
    movesense.PROFILE.name: movesense.PROFILE,
    backmon.PROFILE.name: backmon.PROFILE,
}

__all__ = ["BATTERY_LEVEL_UUID", "BATTERY_SERVICE_UUID", "PROFILES", "BatteryAccess", "BatteryReading",
           "CommandResult", "Decoded", "DeviceProfile", "HapticPattern", "RegisterReply", "Reply", "StreamDecoder",
           "parse_battery_level", "profile_for_name"]


def profile_for_name(name: str | None) -> DeviceProfile | None:
    """The profile whose name prefixes match an advertised name, or None."""
    return next((p for p in PROFILES.values() if p.matches(name)), None)
