"""QR codes for enrolment URIs, rendered by segno (pure Python; PNG without Pillow).

The image carries the OTP secret: serve it with ``Cache-Control: no-store`` and never log it.
"""

from __future__ import annotations

import io

import segno

ERROR_LEVEL = "m"  # survives a glare or a smudged screen; segno boosts it when space allows
SCALE = 6  # pixels (PNG) or user units (SVG) per module
BORDER = 4  # the quiet zone the QR specification asks for


def qr_code(data: str) -> segno.QRCode:
    """The symbol both renderings draw; always a full QR code, never a Micro QR."""
    return segno.make_qr(data, error=ERROR_LEVEL)


def qr_svg(data: str) -> str:
    """A standalone SVG document, dark modules on an opaque white background."""
    out = io.BytesIO()
    qr_code(data).save(out, kind="svg", scale=SCALE, border=BORDER, light="#fff", dark="#000")
    return out.getvalue().decode("utf-8")


def qr_png(data: str) -> bytes:
    """PNG bytes, black on white."""
    out = io.BytesIO()
    qr_code(data).save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()
