"""A real IMAP server for tests: Debian's dovecot, run unprivileged from a generated config.

Plain IMAP (with STARTTLS offered) and implicit-TLS IMAP on free loopback ports, one
passwd-file user, maildir storage, a self-signed certificate made here. Run as root (as in
containers), dovecot is started as ``nobody``: its login processes refuse to run as root.
"""

from __future__ import annotations

import datetime as dt
import grp
import imaplib
import ipaddress
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration.support_mail.conftest import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "desk", "imap-test-pass"


@dataclass
class Dovecot:
    port: int  # plain IMAP, STARTTLS offered
    tls_port: int  # implicit TLS
    cafile: Path
    log: Path

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile))

    @contextmanager
    def client(self) -> Iterator[imaplib.IMAP4]:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            conn.login(USER, PASSWORD)
            yield conn
        finally:
            conn.logout()

    def append(self, raw: bytes, *, folder: str = '"INBOX"', seen: bool = False) -> None:
        with self.client() as conn:
            status, _ = conn.append(folder, "(\\Seen)" if seen else None, None, raw)
            assert status == "OK"

    def flags(self, folder: str = '"INBOX"') -> list[tuple[bytes, bool]]:
        """(the message's bytes, whether it is \\Seen) for every message, in order."""
        with self.client() as conn:
            conn.select(folder, readonly=True)
            _, data = conn.uid("SEARCH", "ALL")
            result = []
            for uid in data[0].split():
                _, fetched = conn.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                head, raw = next(part for part in fetched if isinstance(part, tuple))
                result.append((raw, b"\\Seen" in head))
            return result

    def clear(self) -> None:
        """An empty INBOX for the next test."""
        with self.client() as conn:
            _, count = conn.select('"INBOX"')
            if count[0] != b"0":
                conn.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
                conn.expunge()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "trustdesk test imap")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _config(root: Path, user: pwd.struct_passwd, port: int, tls_port: int) -> str:
    cert, key = self_signed_certificate(root)
    group = user.pw_gid
    dh = Path("/usr/share/dovecot/dh.pem")
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {user.pw_name}
default_internal_group = {grp.getgrgid(group).gr_name}
default_login_user = {user.pw_name}
first_valid_uid = {user.pw_uid}
mail_location = maildir:{root}/mail/%u
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
{f"ssl_dh = <{dh}" if dh.exists() else ""}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={user.pw_uid} gid={group} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


def _wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                if probe.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    detail = log.read_text() if log.exists() else "(no log)"
    raise RuntimeError(f"dovecot did not start:\n{detail}")


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    # Unprivileged: as ourselves, or as nobody when the tests run as root.
    as_root = os.geteuid() == 0
    user = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.getuid())
    root = Path(tempfile.mkdtemp(prefix="td-dovecot-"))
    port, tls_port = free_port(), free_port()
    try:
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        config = root / "dovecot.conf"
        config.write_text(_config(root, user, port, tls_port))
        if as_root:
            for path in [root, *root.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
        log = root / "dovecot.log"
        proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            user=user.pw_uid if as_root else None,
            group=user.pw_gid if as_root else None,
            extra_groups=[] if as_root else None,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_ready(port, proc, log)
            yield Dovecot(port, tls_port, root / "cert.pem", log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)
