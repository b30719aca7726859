"""Errors a live session can end in. Each is one sentence with advice; the CLI prints it, exit 2."""

from __future__ import annotations

from sensors.errors import BackmonError

FOUND_ADVICE = ("is it switched on and charged, within a few metres, and not connected to a phone app or "
                "the system's Bluetooth settings? 'backmon scan' lists the sensors it can see")


class SensorNotFound(BackmonError):
    """No advertising device matched a --left/--right name or address."""

    def __init__(self, side: str, query: str, timeout_s: float) -> None:
        super().__init__(f"{side} sensor '{query}' not found within {timeout_s:g} s: {FOUND_ADVICE}")


class AmbiguousSensor(BackmonError):
    """A name or prefix matched several devices: the user must choose (never picked for them)."""

    def __init__(self, side: str, query: str, candidates: list[tuple[str, str]]) -> None:
        self.candidates = candidates
        listed = ", ".join(f"{name} ({address})" for name, address in candidates)
        super().__init__(f"{side} sensor '{query}' matches {len(candidates)} devices: {listed}; "
                         f"give --{side} the address of the one you wear on the {side}")


class SameSensorTwice(BackmonError):
    def __init__(self, name: str, address: str) -> None:
        super().__init__(f"--left and --right both found {name} ({address}): give each side its own sensor")


class UnknownProfile(BackmonError):
    def __init__(self, side: str, name: str) -> None:
        super().__init__(f"{side} sensor '{name}' is not a supported sensor by its name: give --profile "
                         "(witmotion, movesense or backmon) if it speaks one of those")


class ProfileMismatch(BackmonError):
    """The device does not offer the profile's service (a wrong --profile, or another product)."""

    def __init__(self, side: str, name: str, profile: str, service_uuid: str) -> None:
        super().__init__(f"{side} sensor {name} has no {profile} service ({service_uuid}): is --profile right?")


class SensorSilent(BackmonError):
    """Connected and configured, yet no samples came."""

    def __init__(self, side: str, name: str, waited_s: float) -> None:
        super().__init__(f"{side} sensor {name} connected but sent no data within {waited_s:g} s: switch it off "
                         "and on again (a sensor left subscribed by another app can stay silent), check its "
                         "battery, or try --profile if it is a different model")


class ConnectFailed(BackmonError):
    def __init__(self, side: str, name: str, reason: str) -> None:
        super().__init__(f"{side} sensor {name} could not be connected ({reason}): {FOUND_ADVICE}")
