"""`trustdesk serve` as a real process with TRUSTDESK_SMTP_LISTEN and an outbound relay:
mail in over SMTP, the ticket read back over HTTP, the agent's reply out over SMTP.
One server per backend for the module (SQLite and PostgreSQL); no bot model, so the bot
stays out of these conversations (test_serve_bot has it)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.support_channels.conftest import free_port
from tests.integration.support_channels.serving import (
    TRUSTDESK,
    Served,
    environment,
    eventually,
    gbk_mail,
    run_serve,
    schema_database,
    send,
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with schema_database(request.param, tmp_path_factory, request) as url:
        yield url


@pytest.fixture(scope="module")
def served(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("served")
    no_model = tmp / "no-bot-model"
    with run_serve(database, tmp, TRUSTDESK_BOT_MODEL_DIR=str(no_model)) as server:
        yield server


def test_a_mail_becomes_a_ticket_read_over_http(served: Served) -> None:
    created = served.api(
        "POST",
        "/v1/customers",
        json={
            "display_name": "王芳",
            "identities": [{"kind": "email", "value": "Wang.Fang@example.cn"}],
        },
    )
    assert created.status_code == 201, created.text
    customer = created.json()["id"]
    raw = gbk_mail(
        "<w1@example.cn>", "提现没到账（急）", "您好，我的提现还没有到账。\n交易哈希：0xabc"
    )
    assert send(served.smtp_port, raw) == 250
    assert send(served.smtp_port, raw) == 250  # a sender's retry: still one message
    listed = served.api("GET", "/v1/tickets", params={"customer": customer})
    assert listed.status_code == 200
    [ticket] = listed.json()
    assert (ticket["subject"], ticket["channel"], ticket["customer_id"]) == (
        "提现没到账（急）", "email", customer,
    )  # fmt: skip
    shown = served.api("GET", f"/v1/tickets/{ticket['id']}").json()
    assert [(m["body"], m["direction"]) for m in shown["messages"]] == [
        ("您好，我的提现还没有到账。\n交易哈希：0xabc", "inbound")
    ]


def test_the_agents_reply_goes_out_and_the_answer_threads_back(served: Served) -> None:
    customer = served.api(
        "POST", "/v1/customers",
        json={"identities": [{"kind": "email", "value": "li.lei@example.cn"}]},
    ).json()["id"]  # fmt: skip
    raw = gbk_mail("<l1@example.cn>", "充值问题", "充值没有显示").replace(
        b"wang.fang@example.cn", b"li.lei@example.cn"
    )
    assert send(served.smtp_port, raw) == 250
    [ticket] = served.api("GET", "/v1/tickets", params={"customer": customer}).json()
    path = f"/v1/tickets/{ticket['id']}/messages"
    reply = served.api("POST", path, json={"body": "已为您处理。", "author": "a1"})
    assert reply.status_code == 201, reply.text
    message_id = reply.json()["message"]["id"]
    got = eventually(lambda: [r for r in served.sink.received if "li.lei" in r.recipients[0]])
    [mail] = [r.mail for r in got]
    ours = f"<{message_id}.{ticket['id']}@trustdesk.example>"
    assert (mail["To"], mail["Subject"], mail["In-Reply-To"], mail["Message-ID"]) == (
        "li.lei@example.cn", f"Re: 充值问题 [#{ticket['id']}]", "<l1@example.cn>", ours,
    )  # fmt: skip
    answer = gbk_mail("<l2@example.cn>", "Re: 充值问题", "谢谢", In_Reply_To=ours).replace(
        b"wang.fang@example.cn", b"li.lei@example.cn"
    )
    assert send(served.smtp_port, answer) == 250
    shown = served.api("GET", f"/v1/tickets/{ticket['id']}").json()
    assert [m["body"] for m in shown["messages"]] == ["充值没有显示", "已为您处理。", "谢谢"]
    assert len(served.api("GET", "/v1/tickets", params={"customer": customer}).json()) == 1


def test_one_listener_in_the_main_process(served: Served) -> None:
    """Two workers, one SMTP socket, held by the process `serve` runs in."""
    owners = _listening_pids(served.smtp_port, served.proc.pid)
    assert owners == [served.proc.pid]


def test_a_taken_port_stops_serve_with_one_line(database: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = environment(database, tmp_path, TRUSTDESK_SMTP_LISTEN=f"127.0.0.1:{port}")
        done = subprocess.run(
            [TRUSTDESK, "serve", "--port", str(free_port())],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: cannot listen for SMTP on 127.0.0.1:{port}: error while attempting to bind on "
        f"address ('127.0.0.1', {port}): address already in use [mail.listen_failed]"
    )
    assert "Traceback" not in done.stdout + done.stderr


def test_sigterm_stops_the_api_and_the_listener(served: Served) -> None:
    os.killpg(served.proc.pid, signal.SIGTERM)
    assert served.proc.wait(30) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", served.smtp_port), timeout=1).close()


def _listening_pids(port: int, root: int) -> list[int]:
    """The processes (``root`` and its children) holding a listening socket on ``port``."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(fields[9])
    children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
    owners = []
    for pid in [root, *map(int, children)]:
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                owners.append(pid)
                break
    return owners
