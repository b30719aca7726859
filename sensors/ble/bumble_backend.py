"""A bleak backend on a Bumble host: the real bleak API over any Bumble HCI transport.

bleak 3.x takes ``backend=`` (a ``BaseBleakClient`` / ``BaseBleakScanner`` subclass) in
``BleakScanner`` and ``BleakClient``. ``BumbleHost`` wraps one powered-on Bumble ``Device`` acting
as central, and hands out backend classes bound to it::

    host = await BumbleHost.open("usb:0")              # or BumbleHost.on_controller(controller)
    device = await BleakScanner.find_device_by_name("WT901BLE67", backend=host.scanner_backend)
    async with BleakClient(device, backend=host.client_backend) as client:
        ...

Behaviour follows bleak's platform backends where users rely on it: the disconnected callback
fires on every disconnect (our own included, as with BlueZ); notification callbacks get the data
only (bleak adds the sender); a connect that times out raises ``TimeoutError``; ``connect``
accepts and ignores keywords it does not use (bleak-retry-connector passes ``timeout`` and
``dangerous_use_bleak_cache``). Pairing is not offered: backmon's sensors do not need it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid as _uuid
from collections.abc import Callable
from typing import Any, ClassVar

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError, BleakGATTProtocolError
from bumble import att, core, hci
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.gatt import Characteristic
from bumble.host import Host
from bumble.transport import Transport, open_transport
from bumble.transport.common import AsyncPipeSink

logger = logging.getLogger(__name__)

# The MTU backmon asks for: 247 lets a backmon board put 19 samples in one notification
# (firmware_notes/backmon-gatt-profile.md); every current stack accepts it.
REQUESTED_MTU = 247
ATT_HEADER_BYTES = 3  # a notification or write command carries MTU - 3 bytes of value
# Random static address of the central (the two top bits set, Core spec Vol 6 Part B 1.3.2.1).
CENTRAL_ADDRESS = "F0:BA:CC:00:00:01"
DISCONNECT_TIMEOUT_S = 5.0

# bumble Characteristic.Properties bit -> bleak's property name
_PROPERTY_NAMES = {
    Characteristic.Properties.BROADCAST: "broadcast",
    Characteristic.Properties.READ: "read",
    Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Characteristic.Properties.WRITE: "write",
    Characteristic.Properties.NOTIFY: "notify",
    Characteristic.Properties.INDICATE: "indicate",
    Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES: "authenticated-signed-writes",
    Characteristic.Properties.EXTENDED_PROPERTIES: "extended-properties",
}
_SERVICE_UUID_TYPES = (
    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
)
_SERVICE_DATA_TYPES = (
    AdvertisingData.SERVICE_DATA_16_BIT_UUID,
    AdvertisingData.SERVICE_DATA_32_BIT_UUID,
    AdvertisingData.SERVICE_DATA_128_BIT_UUID,
)


def quiet_bumble_logs() -> None:
    """Bumble warns about packets still in flight on a link just closed, or notifications that
    arrive just after unsubscribing (normal races that other stacks drop silently); keep those
    out of the user's terminal. Errors still show."""
    logging.getLogger("bumble").setLevel(logging.ERROR)


def uuid_str(uuid: core.UUID) -> str:
    """A Bumble UUID (16, 32 or 128 bits) as bleak writes UUIDs: full 128-bit, lower case."""
    return str(_uuid.UUID(bytes=bytes(reversed(uuid.uuid_128_bytes))))


def address_str(address: hci.Address) -> str:
    """``AA:BB:CC:DD:EE:FF`` without Bumble's ``/P`` suffix for public addresses."""
    return address.to_string(with_type_qualifier=False)


def advertisement_data(advertisement: Advertisement) -> AdvertisementData:
    """A Bumble advertisement (advertising data + scan response) as bleak's AdvertisementData."""
    data = advertisement.data
    name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(AdvertisingData.SHORTENED_LOCAL_NAME)
    manufacturer: dict[int, bytes] = {}
    for company, payload in data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA):
        manufacturer[company] = bytes(payload)
    services = [uuid_str(u) for kind in _SERVICE_UUID_TYPES for uuids in data.get_all(kind) for u in uuids]
    service_data = {uuid_str(u): bytes(payload) for kind in _SERVICE_DATA_TYPES
                    for u, payload in data.get_all(kind)}
    tx_power = data.get(AdvertisingData.TX_POWER_LEVEL)
    return AdvertisementData(local_name=name if isinstance(name, str) else None,
                             manufacturer_data=manufacturer, service_data=service_data,
                             service_uuids=list(dict.fromkeys(services)),
                             tx_power=tx_power if isinstance(tx_power, int) else None,
                             rssi=advertisement.rssi, platform_data=(advertisement,))


class BumbleHost:
    """One powered-on Bumble ``Device`` in the central role, shared by bleak backends bound to it.

    Scanning is counted (several scanners may run at once); connects are serialised, because a
    controller has at most one LE connection attempt pending.
    """

    def __init__(self, device: Device, *, transport: Transport | None = None) -> None:
        self.device = device
        self._transport = transport
        self._scanners = 0
        self._listeners: list[Callable[[Advertisement], None]] = []
        self._seen: dict[str, hci.Address] = {}  # address text -> Address with its type
        self.connect_lock = asyncio.Lock()
        device.on(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
        self.scanner_backend: type[BaseBleakScanner] = type("BumbleScanner", (BumbleScanner,), {"host": self})
        self.client_backend: type[BaseBleakClient] = type("BumbleClient", (BumbleClient,), {"host": self})

    @classmethod
    async def open(cls, spec: str, *, address: str = CENTRAL_ADDRESS) -> BumbleHost:
        """Open a Bumble HCI transport (``usb:0``, ``tcp-client:127.0.0.1:9001``, ...) and power on."""
        transport = await open_transport(spec)
        try:
            device = Device.with_hci("backmon", hci.Address(address), transport.source, transport.sink)
            host = cls(device, transport=transport)
            await host.device.power_on()
        except BaseException:
            await transport.close()
            raise
        return host

    @classmethod
    async def on_controller(cls, controller, *, address: str = CENTRAL_ADDRESS) -> BumbleHost:
        """A host wired in-process to a Bumble ``Controller`` (a virtual radio), powered on."""
        device = Device(name="backmon", address=hci.Address(address), host=Host(controller, AsyncPipeSink(controller)))
        host = cls(device)
        await device.power_on()
        return host

    async def close(self) -> None:
        """Drop connections and release the transport."""
        for connection in list(self.device.connections.values()):
            try:
                await asyncio.wait_for(connection.disconnect(), DISCONNECT_TIMEOUT_S)
            except (core.BaseBumbleError, hci.HCI_Error, TimeoutError):
                pass
        await self.device.power_off()
        if self._transport is not None:
            await self._transport.close()

    def address_for(self, text: str) -> hci.Address:
        """The address seen in advertisements for this text (keeps its type), else a random one."""
        if text.upper() in self._seen:
            return self._seen[text.upper()]
        if text.upper().endswith("/P"):
            return hci.Address(text[:-2], hci.Address.PUBLIC_DEVICE_ADDRESS)
        return hci.Address(text, hci.Address.RANDOM_DEVICE_ADDRESS)

    def add_listener(self, listener: Callable[[Advertisement], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def start_scanning(self, *, active: bool) -> None:
        self._scanners += 1
        if self._scanners == 1:
            await self.device.start_scanning(active=active, filter_duplicates=False)

    async def stop_scanning(self) -> None:
        self._scanners = max(0, self._scanners - 1)
        if self._scanners == 0 and self.device.is_scanning:
            await self.device.stop_scanning()

    async def connect(self, address: hci.Address, timeout_s: float) -> Connection:
        """One LE connection; TimeoutError when the peer does not answer within timeout_s."""
        async with self.connect_lock:
            try:
                # The outer guard covers controllers that never report a cancelled attempt.
                return await asyncio.wait_for(self.device.connect(address, timeout=timeout_s), timeout_s + 2.0)
            except core.TimeoutError as err:
                raise TimeoutError(f"{address_str(address)} did not answer within {timeout_s:g} s") from err
            except core.ConnectionError as err:
                raise BleakError(f"connection to {address_str(address)} failed: {err}") from err

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        self._seen[address_str(advertisement.address).upper()] = advertisement.address
        for listener in list(self._listeners):
            listener(advertisement)


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend on a BumbleHost (bound by ``BumbleHost.scanner_backend``)."""

    host: ClassVar[BumbleHost]

    def __init__(self, detection_callback, service_uuids, scanning_mode="active", **kwargs: Any) -> None:
        super().__init__(detection_callback, service_uuids)
        self._active = scanning_mode != "passive"
        self._remove_listener: Callable[[], None] | None = None

    async def start(self) -> None:
        self.seen_devices = {}
        self._remove_listener = self.host.add_listener(self._on_advertisement)
        await self.host.start_scanning(active=self._active)

    async def stop(self) -> None:
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None
            await self.host.stop_scanning()

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        data = advertisement_data(advertisement)
        if not self.is_allowed_uuid(data.service_uuids):
            return
        address = address_str(advertisement.address)
        name = data.local_name
        if name is None and address in self.seen_devices:  # keep a name seen earlier
            name = self.seen_devices[address][0].name
        device = self.create_or_update_device(address, address, name, advertisement.address, data)
        self.call_detection_callbacks(device, data)


class BumbleClient(BaseBleakClient):
    """bleak client backend on a BumbleHost (bound by ``BumbleHost.client_backend``)."""

    host: ClassVar[BumbleHost]

    def __init__(self, address_or_ble_device: BLEDevice | str, *, disconnected_callback=None,
                 timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        details = address_or_ble_device.details if isinstance(address_or_ble_device, BLEDevice) else None
        self._peer_address = details if isinstance(details, hci.Address) else None
        self._name = address_or_ble_device.name if isinstance(address_or_ble_device, BLEDevice) else None
        self._services_filter = kwargs.get("services")
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._subscribers: dict[int, Callable[[bytes], None]] = {}

    @property
    def name(self) -> str:
        return self._name or self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection is not None else att.ATT_DEFAULT_MTU

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        """Connect, ask for MTU 247, discover services. ``timeout`` (s) bounds all of it."""
        if pair:
            logger.info("the Bumble backend does not pair; connecting without pairing")
        timeout_s = float(kwargs.get("timeout", self._timeout))
        address = self._peer_address or self.host.address_for(self.address)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        connection = await self.host.connect(address, timeout_s)
        self._connection = connection
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        try:
            async with asyncio.timeout_at(deadline):
                self._peer = Peer(connection)
                await self._peer.request_mtu(REQUESTED_MTU)
                self.services = await self._discover(self._peer)
        except BaseException:
            await self.disconnect()
            raise

    async def _discover(self, peer: Peer) -> BleakGATTServiceCollection:
        wanted = [core.UUID(u) for u in self._services_filter] if self._services_filter else []
        collection = BleakGATTServiceCollection()
        for service in await peer.discover_services(wanted):
            bleak_service = BleakGATTService(service, service.handle, uuid_str(service.uuid))
            collection.add_service(bleak_service)
            for characteristic in await service.discover_characteristics():
                properties = [name for bit, name in _PROPERTY_NAMES.items() if characteristic.properties & bit]
                bleak_char = BleakGATTCharacteristic(characteristic, characteristic.handle,
                                                     uuid_str(characteristic.uuid), properties,
                                                     lambda: self.mtu_size - ATT_HEADER_BYTES, bleak_service)
                collection.add_characteristic(bleak_char)
                for descriptor in await characteristic.discover_descriptors():
                    collection.add_descriptor(BleakGATTDescriptor(descriptor, descriptor.handle,
                                                                  uuid_str(descriptor.type), bleak_char))
        return collection

    def _on_disconnection(self, reason: int) -> None:
        logger.debug("%s disconnected (reason %#04x)", self.address, reason)
        self._connection = None
        self._peer = None
        self._subscribers.clear()
        if self._disconnected_callback is not None:
            asyncio.get_running_loop().call_soon(self._disconnected_callback)

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        try:
            await asyncio.wait_for(connection.disconnect(), DISCONNECT_TIMEOUT_S)
        except (core.BaseBumbleError, hci.HCI_Error, TimeoutError) as err:
            logger.debug("disconnect from %s: %r", self.address, err)
        if self._connection is connection:  # no disconnection event came: forget the link anyway
            self._on_disconnection(hci.HCI_CONNECTION_TERMINATED_BY_LOCAL_HOST_ERROR)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("the Bumble backend does not pair (backmon's sensors do not need it)")

    async def unpair(self) -> None:
        raise NotImplementedError("the Bumble backend does not pair (backmon's sensors do not need it)")

    def _require_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError("Not connected")
        return self._peer

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False,
                             **kwargs: Any) -> bytearray:
        return bytearray(await _gatt(self._require_peer().read_value(characteristic.obj)))

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False,
                                   **kwargs: Any) -> bytearray:
        return bytearray(await _gatt(self._require_peer().read_value(descriptor.obj)))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data, response: bool) -> None:
        await _gatt(self._require_peer().write_value(characteristic.obj, bytes(data), with_response=response))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data) -> None:
        await _gatt(self._require_peer().write_value(descriptor.obj, bytes(data), with_response=True))

    async def start_notify(self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback,
                           **kwargs: Any) -> None:
        peer = self._require_peer()

        def subscriber(value: bytes) -> None:
            callback(bytearray(value))

        old = self._subscribers.pop(characteristic.handle, None)
        if old is not None:  # a second start_notify replaces the callback, as in bleak's backends
            await _gatt(peer.unsubscribe(characteristic.obj, old))
        self._subscribers[characteristic.handle] = subscriber
        await _gatt(peer.subscribe(characteristic.obj, subscriber))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        subscriber = self._subscribers.pop(characteristic.handle, None)
        if subscriber is not None:
            await _gatt(self._require_peer().unsubscribe(characteristic.obj, subscriber))


async def _gatt(operation):
    """Await a Bumble GATT operation; ATT errors become bleak's BleakGATTProtocolError."""
    try:
        return await operation
    except att.ATT_Error as err:
        raise BleakGATTProtocolError(int(err.error_code)) from err
    except core.TimeoutError as err:
        raise TimeoutError(str(err) or "GATT operation timed out") from err
