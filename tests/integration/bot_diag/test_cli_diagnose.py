"""`trustdesk diagnose` against anvil: JSON and human output, configuration, exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner, Result

from tests.integration.bot_diag.conftest import ADDR_1, KEY_0, Anvil, _free_port
from trustdesk.cli.main import app

ZH_ANSWER = "您的交易已被打包，目前有 3 个确认，还需要 9 个确认（约 2 分钟）后到账。"


def run(*args: str, **env: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"TRUSTDESK_ETH_RPC_URL": ""} | env)


def awaiting(anvil: Anvil) -> str:
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=1)
    anvil.mine()
    anvil.mine(2)
    return tx


def test_json_output(anvil: Anvil) -> None:
    tx = awaiting(anvil)
    message = f"我的提现已经两个小时了还没到账 {tx}"

    result = run("diagnose", message, "--rpc", anvil.url, "--json", "--lang", "zh")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["items"] == {"tx_hashes": [tx], "addresses": [], "chains": []}
    assert body["chain"] == "ethereum"
    assert body["findings"] == [
        {
            "code": "awaiting_confirmations",
            "tx_hash": tx,
            "data": {
                "confirmations": 3,
                "required": 12,
                "chain": "ethereum",
                "remaining": 9,
                "minutes": 2,
            },
        }
    ]
    assert body["facts"]["network"] == {
        "chain": "ethereum",
        "chain_id": 1,
        "head": 3,
        # anvil mines block 1 at 20 gwei; EIP-1559 then: block 2 = 20 gwei less
        # 20 * (15 M - 21,000) / 15 M / 8 = 17.5035 gwei; block 3 (after an empty
        # block 2) = 17.5035 * 7 / 8 = 15.3155625 gwei.
        "base_fee": 15_315_562_500,
        "priority_fee": 10**9,
    }
    (facts,) = body["facts"]["transactions"]
    assert (facts["hash"], facts["block_number"], facts["status"], facts["input"]) == (
        tx,
        1,
        1,
        "0x",
    )
    assert (body["escalate"], body["queue"], body["lang"]) == (False, None, "zh")
    assert body["answer"] == ZH_ANSWER


def test_human_output_reads_the_node_from_the_environment(anvil: Anvil) -> None:
    tx = awaiting(anvil)
    result = run("diagnose", f"还没到账 {tx}", "--lang", "zh-CN", TRUSTDESK_ETH_RPC_URL=anvil.url)
    assert result.exit_code == 0, result.output
    assert result.stdout == ZH_ANSWER + "\n"
    assert result.stderr == "findings: awaiting_confirmations\n"


def test_message_from_stdin(anvil: Anvil) -> None:
    tx = awaiting(anvil)
    result = CliRunner().invoke(
        app, ["diagnose", "-", "--rpc", anvil.url, "--json"], input=f"where is {tx}\n"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["items"]["tx_hashes"] == [tx]


def test_an_unreachable_node_escalates_and_exits_3() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    result = run("diagnose", "0x" + "ab" * 32, "--rpc", url + "/v2/SECRETKEY", "--chain", "eth")
    assert result.exit_code == 3
    assert result.stdout == (
        "We cannot reach Ethereum right now to check your transaction.\n"
        "We have passed this to our blockchain team, and a specialist will follow up with you.\n"
    )
    assert result.stderr == (
        "findings: chain_unavailable; escalated to the blockchain queue\n"
        f"error: the node at {url} cannot be reached (connection refused or host not found)\n"
    )
    assert "SECRETKEY" not in result.output


def test_no_node_configured_with_a_hash_exits_3() -> None:
    result = run("diagnose", "0x" + "ab" * 32, "--json")
    assert result.exit_code == 3
    body = json.loads(result.stdout)
    assert body["findings"] == [
        {
            "code": "chain_unavailable",
            "tx_hash": None,
            "data": {"chain": None, "detail": "no RPC node is configured"},
        }
    ]
    assert (body["escalate"], body["queue"]) == (True, "blockchain")


def test_without_a_hash_no_node_is_needed() -> None:
    result = run(
        "diagnose",
        "saya kirim ke TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        "--chain",
        "ethereum",
        "--lang",
        "id",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Alamat TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t milik jaringan TRON, bukan Ethereum. "
        "Transfer di jaringan Ethereum tidak bisa sampai ke alamat ini: pastikan pengirim dan "
        "penerima memakai jaringan yang sama sebelum mengirim.\n"
    )


def test_bad_input_exits_2_with_a_message() -> None:
    bad_url = run("diagnose", "hello", "--rpc", "ftp://node.example/SECRETKEY")
    assert bad_url.exit_code == 2
    assert bad_url.stderr == (
        "error: the RPC URL must be http(s)://host…, not ftp://node.example [input.invalid]\n"
    )
    bad_chain = run("diagnose", "hello", "--chain", "dogechain")
    assert bad_chain.exit_code == 2
    assert "unknown chain 'dogechain'" in bad_chain.stderr
