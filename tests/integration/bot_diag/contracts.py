"""Two tiny contracts, assembled by hand (no compiler needed).

Deploying: the init code copies the runtime code that follows it into memory and returns
it. For a runtime of N bytes after an 11-byte init code:

    60 N     PUSH1 N        size
    80       DUP1           size size
    60 0b    PUSH1 11       where the runtime starts in this code
    60 00    PUSH1 0        memory offset
    39       CODECOPY       memory[0:N] = code[11:11+N]
    60 00    PUSH1 0
    f3       RETURN         return memory[0:N] as the contract's code
"""

from __future__ import annotations


def init_code(runtime: bytes) -> bytes:
    assert len(runtime) < 256
    return (
        bytes([0x60, len(runtime), 0x80, 0x60, 0x0B, 0x60, 0x00, 0x39, 0x60, 0x00, 0xF3]) + runtime
    )


# Always reverts with Error("nope"): it builds the ABI encoding in memory and reverts
# with it.
#   63 08c379a0  PUSH4 Error(string)'s selector
#   60 e0 1b     PUSH1 224, SHL          -> selector in the top 4 bytes of a word
#   60 00 52     MSTORE at 0             memory[0:4]    = 08c379a0
#   60 20 60 04 52  MSTORE 0x20 at 4     memory[4:36]   = offset of the string (32)
#   60 04 60 24 52  MSTORE 4 at 36       memory[36:68]  = its length (4)
#   63 6e6f7065  PUSH4 "nope"
#   60 e0 1b     SHL 224                 -> "nope" left-aligned in a word
#   60 44 52     MSTORE at 68            memory[68:100] = "nope" + 28 zero bytes
#   60 64 60 00 fd  REVERT(0, 100)
ALWAYS_REVERTS = bytes.fromhex(
    "6308c379a060e01b60005260206004526004602452636e6f706560e01b60445260646000fd"
)
# What it reverts with, encoded independently: selector, offset 32, length 4, "nope".
NOPE_REVERT_DATA = (
    bytes.fromhex("08c379a0")
    + (32).to_bytes(32, "big")
    + (4).to_bytes(32, "big")
    + b"nope".ljust(32, b"\x00")
)

# Accepts any call and returns true (a uint256 1), like an ERC-20 transfer does:
#   60 01 60 00 52   MSTORE 1 at 0
#   60 20 60 00 f3   RETURN memory[0:32]
RETURNS_TRUE = bytes.fromhex("600160005260206000f3")


def transfer_call(recipient: str, amount: int) -> bytes:
    """ERC-20 transfer(address,uint256): selector a9059cbb, the address left-padded to a
    word, the amount as a word."""
    return (
        bytes.fromhex("a9059cbb")
        + bytes.fromhex(recipient[2:].lower()).rjust(32, b"\x00")
        + amount.to_bytes(32, "big")
    )
