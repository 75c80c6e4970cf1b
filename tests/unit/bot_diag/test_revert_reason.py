"""Revert data decoded against encodings written out by hand from the Solidity ABI spec."""

from __future__ import annotations

import pytest

from trustdesk.bot.diagnostics import RevertReason, decode_revert

# Error("nope"): selector keccak("Error(string)")[:4], then the head (offset 0x20 to the
# string), the length (4) and the UTF-8 bytes right-padded to 32.
NOPE = bytes.fromhex(
    "08c379a0"
    "0000000000000000000000000000000000000000000000000000000000000020"
    "0000000000000000000000000000000000000000000000000000000000000004"
    "6e6f706500000000000000000000000000000000000000000000000000000000"
)
# Error("ERC20: transfer amount exceeds balance"): 38 bytes span two data words.
LONG = bytes.fromhex(
    "08c379a0"
    "0000000000000000000000000000000000000000000000000000000000000020"
    "0000000000000000000000000000000000000000000000000000000000000026"
    "45524332303a207472616e7366657220616d6f756e7420657863656564732062"
    "616c616e63650000000000000000000000000000000000000000000000000000"
)


def test_error_string() -> None:
    assert decode_revert(NOPE) == RevertReason("error", message="nope")
    assert decode_revert(LONG) == RevertReason(
        "error", message="ERC20: transfer amount exceeds balance"
    )


def test_error_string_in_utf8() -> None:
    text = "余额不足".encode()  # 12 bytes
    data = bytes.fromhex("08c379a0") + (32).to_bytes(32, "big") + len(text).to_bytes(32, "big")
    data += text + bytes(32 - len(text))
    assert decode_revert(data) == RevertReason("error", message="余额不足")


def test_control_characters_are_blanked_and_long_reasons_cut() -> None:
    text = b"line1\nline2\x1b[31m" + b"x" * 200
    data = bytes.fromhex("08c379a0") + (32).to_bytes(32, "big") + len(text).to_bytes(32, "big")
    data += text + bytes(-len(text) % 32)
    reason = decode_revert(data)
    assert reason.message == "line1 line2 [31m" + "x" * 104 + "…"


@pytest.mark.parametrize(
    ("code", "word"),
    [
        (0x01, "0000000000000000000000000000000000000000000000000000000000000001"),
        (0x11, "0000000000000000000000000000000000000000000000000000000000000011"),
        (0x12, "0000000000000000000000000000000000000000000000000000000000000012"),
        (0x32, "0000000000000000000000000000000000000000000000000000000000000032"),
    ],
)
def test_panic(code: int, word: str) -> None:
    assert decode_revert(bytes.fromhex("4e487b71" + word)) == RevertReason("panic", code=code)


def test_custom_error_names_its_selector() -> None:
    # InsufficientBalance(uint256,uint256) has arguments we cannot read without the ABI.
    data = bytes.fromhex("cf479181") + (5).to_bytes(32, "big") + (7).to_bytes(32, "big")
    assert decode_revert(data) == RevertReason("custom", selector="0xcf479181")


@pytest.mark.parametrize(
    "data",
    [
        NOPE[:4] + NOPE[4:36],  # no length word
        NOPE[:4] + (64).to_bytes(32, "big") + NOPE[36:],  # offset past the end
        NOPE[:4] + NOPE[4:36] + (99).to_bytes(32, "big") + NOPE[68:],  # length past the end
    ],
)
def test_a_broken_error_string_is_reported_by_selector(data: bytes) -> None:
    assert decode_revert(data) == RevertReason("custom", selector="0x08c379a0")


def test_no_data() -> None:
    assert decode_revert(None) == RevertReason("unknown")
    assert decode_revert(b"") == RevertReason("unknown")
    assert decode_revert(b"\x01\x02") == RevertReason("unknown")
    assert decode_revert(b"", out_of_gas=True) == RevertReason("out_of_gas")
    assert decode_revert(NOPE, out_of_gas=True) == RevertReason("error", message="nope")
