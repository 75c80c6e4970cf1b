"""Errors of the chains domain; every one is an InvalidInput a person can act on."""

from __future__ import annotations

from trustdesk.core.errors import InvalidInput


class UnknownChain(InvalidInput):
    code = "chains.unknown_chain"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="chain")


class UnknownFamily(InvalidInput):
    code = "chains.unknown_family"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="families")


class AddressError(InvalidInput):
    """A destination address that cannot be used as given."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="destination")


class MalformedAddress(AddressError):
    code = "chains.malformed_address"


class BadChecksum(AddressError):
    code = "chains.bad_checksum"


class WrongNetwork(AddressError):
    code = "chains.wrong_network"
