"""Bluetooth LE: a bleak backend on Bumble, transports, and virtual sensors on a virtual radio.

The application layer imports this package; ``processing`` never does (DESIGN.md), and nothing
here imports ``processing``.

- ``transport``: ``--transport SPEC`` (the OS stack, ``bumble:<hci-transport>``) and
  ``--simulate``, opened as a ``Radio`` that gives bleak its backends; clear errors when
  Bluetooth is missing.
- ``bumble_backend``: bleak's ``BaseBleakScanner`` / ``BaseBleakClient`` on a Bumble host.
- ``virtual_radio``: a Bumble ``LocalLink`` with one controller per device, in-process or shared
  across processes over TCP.
- ``virtual_peripheral``, ``virtual_sensors``: WitMotion, Movesense and backmon sensors that speak
  the real GATT layouts and bytes, stream the scenario simulator, and inject faults.
"""
