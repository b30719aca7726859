"""Virtual sensors: each family's real GATT layout and bytes, streaming a simulated wearer.

They follow the published protocols (REFERENCES.md, sensors/profiles/, firmware_notes/) and
use the profiles' own encoders, so a client that works with them works with the devices:

- ``WitMotionSensor``: service FFE5 (vendor base ...9a34fb), notify FFE4, write FFE9; name
  ``WT901BLE67``; factory rate 10 Hz; answers unlock, rate (only after unlock), save, and
  register reads (0x64 battery in 1/100 V, 0x03 rate code) with 0x71 frames; streams 0x61
  frames while notifications are on, one per notification (merged or split as a fault).
- ``MovesenseSensor``: GSP service 34802252, write 34800001, notify 34800002; name
  ``Movesense <serial>``; ``[1, ref] + b"/Meas/IMU6/<rate>"`` answered with a command result
  (200, or 404 for another path, 400 for another rate) then IMU6 data, rate / 13 samples per
  message, split into DATA_PART2/3 parts when a message exceeds MTU - 3; ``[2, ref]``
  unsubscribes; ``[0, ref]`` says Hello. Unsubscribed when the link drops.
- ``BackmonBoard``: the backmon profile (data, control, info, haptic) plus Battery Service and
  Device Information; starts on ``01 <rate>`` at its nearest supported rate, batches up to 19
  samples (fewer at small MTUs) or 40 ms, sequence from 0; stops on ``00`` and when the link
  drops. Its "motor" is a record: every haptic write, with the wearer's clock when it came
  (``haptics``). WitMotion and Movesense have no motor, so no haptic characteristic.

Run one over a Bumble HCI transport from the command line (see ``main``), e.g. to join a radio
shared across processes: ``python -m sensors.ble.virtual_sensors --transport
tcp-client:127.0.0.1:9002 --profile witmotion --side left``.
"""

from __future__ import annotations

import argparse
import asyncio
import zlib
from dataclasses import dataclass

from bumble.core import UUID
from bumble.gatt import Characteristic, CharacteristicValue, Service

from sensors.ble.bumble_backend import quiet_bumble_logs
from sensors.ble.virtual_peripheral import Faults, Packet, SideStream, VirtualPeripheral, VirtualWearer
from sensors.errors import MalformedPacket
from sensors.profiles import backmon, movesense, witmotion
from sensors.profiles.base import DeviceProfile, HapticPattern
from sensors.samples import SIDES, Side

_P = Characteristic.Properties
_READ, _WRITE = Characteristic.READABLE, Characteristic.WRITEABLE
FACTORY_RATE_HZ = 10.0  # WitMotion's out-of-the-box output rate (REFERENCES.md)
BACKMON_BATCH_S = 0.040  # firmware_notes: send a packet when its oldest sample is 40 ms old
MOVESENSE_BOOT_MS = 4_242_000  # device clocks do not start at 0 with the session
BACKMON_BOOT_US = 7_300_000


class WitMotionSensor(VirtualPeripheral):
    """A WitMotion BLE 5.0 sensor (WT901BLECL and kin)."""

    profile: DeviceProfile = witmotion.PROFILE

    def __init__(self, *, battery_volts: float = 3.9, **kwargs) -> None:
        super().__init__(**kwargs)
        self.battery_volts = battery_volts
        self.configured_rate_hz = FACTORY_RATE_HZ
        self.unlocked = False
        self.commands: list[witmotion.WriteCommand] = []

    def services(self) -> list[Service]:
        notify = Characteristic(witmotion.NOTIFY_UUID, _P.NOTIFY, _READ, b"")
        write = Characteristic(witmotion.WRITE_UUID, _P.WRITE | _P.WRITE_WITHOUT_RESPONSE, _WRITE,
                               CharacteristicValue(write=self._on_write))
        self.watch_subscription(notify)
        return [Service(witmotion.SERVICE_UUID, [notify, write])]

    def on_subscribed(self, notify_enabled: bool) -> None:
        if notify_enabled:
            self.start_stream(self.configured_rate_hz)
        else:
            self.stop_stream()

    def _on_write(self, connection, value: bytes) -> None:
        try:
            command = witmotion.parse_command(bytes(value))
        except MalformedPacket:
            return  # the device ignores what it does not understand
        self.commands.append(command)
        if command.is_unlock:
            self.unlocked = True
        elif command.read_register is not None:
            self.reply_soon(self._register_reply(command.read_register))
        elif command.rate_hz is not None and self.unlocked:
            self.configured_rate_hz = command.rate_hz
            if self.streaming and command.rate_hz != self.rate_hz:  # the same rate again: no glitch
                self.start_stream(command.rate_hz)
        elif command.is_save:
            self.unlocked = False

    def _register_reply(self, register: int) -> bytes:
        if register == witmotion.REG_BATTERY:
            return witmotion.encode_battery_reply(self.battery_volts)
        if register == witmotion.REG_RATE:
            return witmotion.encode_register_reply(register, [witmotion.RATE_CODES[self.configured_rate_hz]])
        return witmotion.encode_register_reply(register, [])

    def packets(self, stream: SideStream, start: int, end: int, now_s: float) -> tuple[list[Packet], int]:
        per = self.faults.merge_frames
        packets = []
        k = start
        while k + per <= end:
            value = witmotion.encode([stream.sample(i) for i in range(k, k + per)])
            if self.faults.split_fraction and self._rng.random() < self.faults.split_fraction:
                cut = int(self._rng.integers(1, len(value)))
                packets += [Packet(value[:cut], k, k), Packet(value[cut:], k, k + per)]
            else:
                packets.append(Packet(value, k, k + per))
            k += per
        return packets, k


class MovesenseSensor(VirtualPeripheral):
    """A Movesense sensor running the GATT SensorData Protocol sample firmware."""

    profile: DeviceProfile = movesense.PROFILE

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ref: int | None = None
        self.commands: list[movesense.GspCommand] = []

    def services(self) -> list[Service]:
        notify = Characteristic(movesense.NOTIFY_UUID, _P.NOTIFY, _READ, b"")
        write = Characteristic(movesense.WRITE_UUID, _P.WRITE | _P.WRITE_WITHOUT_RESPONSE, _WRITE,
                               CharacteristicValue(write=self._on_write))
        self.watch_subscription(notify)
        return [Service(movesense.SERVICE_UUID, [notify, write])]

    def on_link_lost(self) -> None:
        self.ref = None  # the firmware drops a peer's subscriptions when it disconnects
        self.stop_stream()

    def _on_write(self, connection, value: bytes) -> None:
        try:
            command = movesense.parse_command(bytes(value))
        except MalformedPacket:
            return
        self.commands.append(command)
        if command.code == movesense.CMD_HELLO:
            self.reply_soon(bytes((movesense.RESP_COMMAND_RESULT, command.ref)) + b"Hello")
        elif command.code == movesense.CMD_SUBSCRIBE:
            rate_hz = command.imu6_rate_hz
            if rate_hz is None:
                self.reply_soon(movesense.encode_command_result(command.ref, 404))
            elif rate_hz not in movesense.RATES_HZ:
                self.reply_soon(movesense.encode_command_result(command.ref, 400))
            else:
                self.ref = command.ref
                self.reply_soon(movesense.encode_command_result(command.ref, 200))
                self.start_stream(rate_hz)
        elif command.code == movesense.CMD_UNSUBSCRIBE:
            status = 200 if command.ref == self.ref else 404
            if status == 200:
                self.ref = None
                self.stop_stream()
            self.reply_soon(movesense.encode_command_result(command.ref, status))

    def packets(self, stream: SideStream, start: int, end: int, now_s: float) -> tuple[list[Packet], int]:
        per = max(1, round(self.rate_hz / movesense.RATES_HZ[0]))  # 52 Hz -> 4 samples per message
        packets = []
        k = start
        while k + per <= end and self.ref is not None:
            time_ms = MOVESENSE_BOOT_MS + round(stream.device_time_s(k) * 1000)
            message = movesense.encode([stream.sample(i) for i in range(k, k + per)], time_ms=time_ms, ref=self.ref)
            parts = movesense.split_message(message, max_len=self.mtu - 3)
            packets += [Packet(p, k, k + per if i == len(parts) - 1 else k) for i, p in enumerate(parts)]
            k += per
        return packets, k


@dataclass(frozen=True)
class HapticWrite:
    """One write a virtual board's motor received: when (scenario seconds), the bytes, and the
    pattern they decode to (None when they do not)."""

    time_s: float
    data: bytes
    pattern: HapticPattern | None


class BackmonBoard(VirtualPeripheral):
    """A DIY board running backmon's reference firmware (firmware_notes/backmon-gatt-profile.md)."""

    profile: DeviceProfile = backmon.PROFILE

    def __init__(self, *, battery_percent: int = 87, **kwargs) -> None:
        super().__init__(**kwargs)
        self.battery_percent = battery_percent
        self.notifying = False
        self.seq = 0
        self.commands: list[backmon.ControlCommand] = []
        self.haptics: list[HapticWrite] = []

    def services(self) -> list[Service]:
        data = Characteristic(backmon.DATA_UUID, _P.NOTIFY, _READ, b"")
        control = Characteristic(backmon.CONTROL_UUID, _P.WRITE, _WRITE, CharacteristicValue(write=self._on_control))
        haptic = Characteristic(backmon.HAPTIC_UUID, _P.WRITE, _WRITE, CharacteristicValue(write=self._on_haptic))
        info = Characteristic(backmon.INFO_UUID, _P.READ, _READ, CharacteristicValue(read=lambda c: self._info()))
        level = Characteristic(UUID.from_16_bits(0x2A19), _P.READ | _P.NOTIFY, _READ,
                               CharacteristicValue(read=lambda c: bytes([self.battery_percent])))
        device_info = [Characteristic(UUID.from_16_bits(uuid16), _P.READ, _READ, text.encode())
                       for uuid16, text in ((0x2A29, "backmon"), (0x2A24, "virtual board"), (0x2A26, "1"))]
        self.watch_subscription(data)
        return [Service(backmon.SERVICE_UUID, [data, control, info, haptic]),
                Service(UUID.from_16_bits(0x180F), [level]),
                Service(UUID.from_16_bits(0x180A), device_info)]

    def _info(self) -> bytes:
        period_us = round(1e6 / self.rate_hz) if self.rate_hz else round(1e6 / backmon.DEFAULT_RATE_HZ)
        info = backmon.DeviceInfo(backmon.FORMAT_VERSION, backmon.DEFAULT_ACCEL_RANGE_G,
                                  backmon.DEFAULT_GYRO_RANGE_DPS, self.streaming, period_us,
                                  tuple(int(r) for r in backmon.RATES_HZ))
        return backmon.encode_info(info)

    def on_subscribed(self, notify_enabled: bool) -> None:
        self.notifying = notify_enabled

    def _on_control(self, connection, value: bytes) -> None:
        try:
            command = backmon.parse_control(bytes(value))
        except MalformedPacket:
            return  # "anything else is ignored"
        self.commands.append(command)
        if command.code == backmon.CTRL_START:
            nearest = min(backmon.RATES_HZ, key=lambda r: abs(r - command.rate_hz))
            self.seq = 0
            self.start_stream(nearest)
        elif command.code == backmon.CTRL_STOP:
            self.stop_stream()

    def _on_haptic(self, connection, value: bytes) -> None:
        """What the board's motor was asked to play (kept even when malformed: tests read it)."""
        try:
            pattern = backmon.parse_haptic(bytes(value))
        except MalformedPacket:
            pattern = None  # the reference firmware ignores it
        self.haptics.append(HapticWrite(self.wearer.clock.now_s(), bytes(value), pattern))

    def packets(self, stream: SideStream, start: int, end: int, now_s: float) -> tuple[list[Packet], int]:
        most = max(1, min(backmon.MAX_SAMPLES_MTU_247, (self.mtu - 3 - 16) // 12))
        period_us = round(1e6 / self.rate_hz)
        packets = []
        k = start
        while k < end and (end - k >= most or now_s - stream.true_time_s[k] >= BACKMON_BATCH_S):
            n = min(most, end - k)
            time_us = BACKMON_BOOT_US + round(stream.device_time_s(k) * 1e6)
            value = backmon.encode([stream.sample(i) for i in range(k, k + n)], seq=self.seq, time_us=time_us,
                                   period_us=period_us)
            packets.append(Packet(value, k, k + n))
            self.seq = (self.seq + 1) % 65536
            k += n
        return packets, k


FAMILIES: dict[str, type[VirtualPeripheral]] = {
    "witmotion": WitMotionSensor,
    "movesense": MovesenseSensor,
    "backmon": BackmonBoard,
}


def default_name(profile: str, side: str) -> str:
    """WitMotion units all advertise WT901BLE67; Movesense add their serial; backmon boards a side."""
    if profile == "witmotion":
        return "WT901BLE67"
    if profile == "movesense":
        return f"Movesense 2145300{1 if side == Side.LEFT else 2:05d}"
    return f"backmon-{side[0].upper()}"


def default_address(profile: str, side: str) -> str:
    """A random static address (top bits 11) that differs by family and side."""
    n = zlib.crc32(f"{profile}/{side}".encode()) & 0xFFFFFFFF
    return "C0:%02X:%02X:%02X:%02X:%02X" % (list(FAMILIES).index(profile), *n.to_bytes(4, "big"))


def make_sensor(profile: str, side: str, wearer: VirtualWearer, *, faults: Faults = Faults(),  # noqa: B008 - frozen
                name: str | None = None, address: str | None = None) -> VirtualPeripheral:
    """One virtual sensor of a family (``witmotion``, ``movesense``, ``backmon``) for one side."""
    if profile not in FAMILIES:
        raise ValueError(f"no virtual {profile!r} sensor; choose one of {', '.join(FAMILIES)}")
    return FAMILIES[profile](name=name or default_name(profile, side),
                             address=address or default_address(profile, side),
                             side=side, wearer=wearer, faults=faults)


def sensor_pair(wearer: VirtualWearer, profiles: tuple[str, str] = ("witmotion", "witmotion"), *,
                faults: dict[str, Faults] | None = None) -> list[VirtualPeripheral]:
    """A left and a right sensor on one wearer (faults per side, by ``left`` / ``right``)."""
    faults = faults or {}
    return [make_sensor(profile, side, wearer, faults=faults.get(side, Faults()))
            for profile, side in zip(profiles, SIDES)]


async def _serve(args: argparse.Namespace) -> None:
    from sensors.scenarios import SCENARIOS

    wearer = VirtualWearer(SCENARIOS[args.scenario](seed=args.seed), speed=args.speed)
    sensor = make_sensor(args.profile, args.side, wearer, name=args.name, address=args.address)
    await sensor.attach_transport(args.transport)
    print(f"virtual {args.profile} sensor '{sensor.name}' ({sensor.address}, {args.side}) on {args.transport}",
          flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sensor.close()


def main(argv: list[str] | None = None) -> None:
    """Run one virtual sensor over a Bumble HCI transport until interrupted."""
    from sensors.scenarios import SCENARIOS

    p = argparse.ArgumentParser(prog="python -m sensors.ble.virtual_sensors", description=main.__doc__)
    p.add_argument("--transport", required=True, help="Bumble HCI transport, e.g. tcp-client:127.0.0.1:9002")
    p.add_argument("--profile", choices=list(FAMILIES), default="witmotion")
    p.add_argument("--side", choices=SIDES, default=Side.LEFT)
    p.add_argument("--scenario", choices=sorted(SCENARIOS), default="normal_work")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--speed", type=float, default=1.0, help="scenario seconds per wall second (default 1)")
    p.add_argument("--name", help="advertised name (default: the family's usual one)")
    p.add_argument("--address", help="random static address, e.g. C0:11:22:33:44:55")
    quiet_bumble_logs()
    try:
        asyncio.run(_serve(p.parse_args(argv)))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
