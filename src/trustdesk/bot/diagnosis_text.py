"""Every sentence the diagnostics say to people, in English, Chinese and Indonesian.

Templates take the finding's data, formatted per language: fees in gwei, waits in
minutes, counts as plain numbers, token amounts with digit grouping, chain and network
names in the reader's language. Anything not in ``LANGUAGES`` falls back to English.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from trustdesk.bot.diagnostics import Diagnosis, Finding

LANGUAGES = ("en", "zh", "id")
_GWEI = Decimal(10) ** 9

TEMPLATES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "tx_not_found": (
            "We could not find the transaction {tx} on {chain}. Please check that the hash is "
            "complete and that the transaction was sent on {chain}: a transaction that never "
            "reached the network, or was dropped from it, does not appear."
        ),
        "pending_low_fee": (
            "Your transaction is still pending: its max fee of {max_fee} gwei is below the "
            "network's current base fee of {base_fee} gwei, so it cannot be included in a "
            "block until fees fall. To speed it up, send a replacement with the same nonce "
            "({nonce}) and a max fee of at least {suggested_max_fee} gwei (priority fee "
            "{suggested_priority_fee} gwei); to cancel it, send 0 to your own address with "
            "that nonce and those fees."
        ),
        "pending": (
            "Your transaction is pending. Its max fee ({max_fee} gwei) covers the current base "
            "fee ({base_fee} gwei), so it should be included in a block shortly; no action is "
            "needed."
        ),
        "pending_legacy": (
            "Your transaction is pending and should be included in a block shortly; no action "
            "is needed."
        ),
        "awaiting_confirmations": (
            "Your transaction is in a block and has {confirmations} confirmation"
            "{confirmations_s}; it needs {remaining} more (about {minutes} minute{minutes_s}) "
            "before the funds arrive."
        ),
        "confirmed": (
            "Your transaction is confirmed ({confirmations} confirmations; {required} are "
            "required), so the funds have been delivered to {destination} on {chain}. If they "
            "do not show up, the receiving side needs checking: make sure that address belongs "
            "to the intended wallet or exchange account, that the wallet shows {chain}, and, "
            "for tokens, that the token is added to the wallet."
        ),
        "reverted": (
            "Your transaction failed on-chain (it was reverted in block {block}): {reason}. No "
            "funds were moved; only the network fee was spent."
        ),
        "reason.error": 'the contract said "{reason}"',
        "reason.panic": "the contract hit an internal error (panic {panic_code})",
        "reason.custom": "the contract rejected it with the custom error {selector}",
        "reason.out_of_gas": (
            "it ran out of gas (its gas limit of {gas} was used up); send it again with a "
            "higher gas limit"
        ),
        "reason.unknown": "the contract gave no reason",
        "nonce_gap": (
            "Your transaction (nonce {nonce}) is waiting for an earlier one: the network has "
            "no transaction with nonce {missing_nonce} from {sender}, and transactions from one "
            "account go through strictly in nonce order. Send a transaction with nonce "
            "{missing_nonce} (for example 0 to your own address), or resend the missing one, "
            "and this one will follow."
        ),
        "erc20_to_token_contract": (
            "This token transfer names the token contract itself ({token}) as the recipient of "
            "{amount} units, instead of a wallet. Most token contracts cannot send such tokens "
            "back, so they are usually lost; if the transaction is still pending, cancel it "
            "now."
        ),
        "address_other_chain": (
            "The address {address} belongs to {network}, not {chain}. Transfers on {chain} "
            "cannot reach it: make sure the sender and the receiver use the same network "
            "before sending."
        ),
        "contract_destination": (
            "The destination {address} is a smart contract, not a personal wallet. Funds sent "
            "there are handled by the contract's code; if you meant to pay a person or an "
            "exchange, check the address with them."
        ),
        "need_tx_hash": (
            "Please send us the transaction hash (0x followed by 64 characters) so we can "
            "check the transaction on the chain."
        ),
        "chain_unavailable": "We cannot reach {chain} right now to check your transaction.",
        "chain_not_checked": "We cannot check transactions on {chain} automatically.",
        "escalated": (
            "We have passed this to our blockchain team, and a specialist will follow up with you."
        ),
    },
    "zh": {
        "tx_not_found": (
            "我们在{chain}上没有找到交易 {tx}。请确认交易哈希完整，并且交易是在{chain}网络上发送"
            "的：未成功广播或已被网络丢弃的交易是查询不到的。"
        ),
        "pending_low_fee": (
            "您的交易仍在等待中：其最高手续费 {max_fee} gwei 低于当前网络基础费用 {base_fee} gwei，"
            "在网络费用回落之前无法被打包。如需加速，请用相同的 nonce（{nonce}）重新发送交易，"
            "最高手续费至少 {suggested_max_fee} gwei（优先费 {suggested_priority_fee} gwei）；"
            "如需取消，请用该 nonce 和上述手续费向您自己的地址发送一笔 0 金额的交易。"
        ),
        "pending": (
            "您的交易正在等待打包。其最高手续费（{max_fee} gwei）不低于当前基础费用"
            "（{base_fee} gwei），应很快会被打包，无需任何操作。"
        ),
        "pending_legacy": "您的交易正在等待打包，应很快会被打包，无需任何操作。",
        "awaiting_confirmations": (
            "您的交易已被打包，目前有 {confirmations} 个确认，还需要 {remaining} 个确认"
            "（约 {minutes} 分钟）后到账。"
        ),
        "confirmed": (
            "您的交易已确认（{confirmations} 个确认，要求 {required} 个），资金已在{chain}上到达 "
            "{destination}。如果仍未看到，请检查收款方：确认该地址属于您要转入的钱包或交易所账户，"
            "钱包已切换到{chain}网络；如果是代币，请确认钱包中已添加该代币。"
        ),
        "reverted": (
            "您的交易在链上执行失败（在区块 {block} 中被回滚）：{reason}。资金没有转出，"
            "只消耗了网络手续费。"
        ),
        "reason.error": "合约返回“{reason}”",
        "reason.panic": "合约发生内部错误（panic {panic_code}）",
        "reason.custom": "合约以自定义错误 {selector} 拒绝了该交易",
        "reason.out_of_gas": "Gas 不足（Gas 上限 {gas} 已用完），请提高 Gas 上限后重新发送",
        "reason.unknown": "合约没有给出原因",
        "nonce_gap": (
            "您的交易（nonce {nonce}）在等待一笔更早的交易：网络上没有来自 {sender}、nonce 为 "
            "{missing_nonce} 的交易，而同一账户的交易必须按 nonce 顺序依次执行。请发送一笔 nonce "
            "为 {missing_nonce} 的交易（例如向您自己的地址转 0），或重新发送缺失的那笔交易，"
            "之后这笔交易就会继续执行。"
        ),
        "erc20_to_token_contract": (
            "这笔代币转账的收款地址是代币合约本身（{token}），而不是钱包，数量为 {amount} "
            "个最小单位。大多数代币合约无法退回这类代币，通常会造成损失；如果交易仍在等待中，"
            "请立即取消。"
        ),
        "address_other_chain": (
            "地址 {address} 属于{network}网络，不是{chain}地址。在{chain}上转账无法到达该地址："
            "发送前请确认发送方和接收方使用同一网络。"
        ),
        "contract_destination": (
            "目标地址 {address} 是一个智能合约，而不是个人钱包。转入的资金由合约代码处理；"
            "如果您本想转给个人或交易所，请与对方核实地址。"
        ),
        "need_tx_hash": "请提供交易哈希（0x 开头，后跟 64 个字符），以便我们在链上查询该交易。",
        "chain_unavailable": "我们暂时无法连接{chain}网络查询您的交易。",
        "chain_not_checked": "我们无法自动查询{chain}上的交易。",
        "escalated": "我们已将此问题转交区块链团队，专员会尽快跟进。",
    },
    "id": {
        "tx_not_found": (
            "Kami tidak menemukan transaksi {tx} di jaringan {chain}. Pastikan hash transaksi "
            "lengkap dan transaksi dikirim di jaringan {chain}: transaksi yang tidak pernah "
            "sampai ke jaringan, atau sudah dibuang darinya, tidak akan muncul."
        ),
        "pending_low_fee": (
            "Transaksi Anda masih tertunda: biaya maksimumnya {max_fee} gwei lebih rendah dari "
            "biaya dasar jaringan saat ini {base_fee} gwei, sehingga belum bisa masuk ke blok "
            "sampai biaya turun. Untuk mempercepat, kirim transaksi pengganti dengan nonce yang "
            "sama ({nonce}) dan biaya maksimum minimal {suggested_max_fee} gwei (biaya "
            "prioritas {suggested_priority_fee} gwei); untuk membatalkan, kirim 0 ke alamat "
            "Anda sendiri dengan nonce dan biaya tersebut."
        ),
        "pending": (
            "Transaksi Anda sedang menunggu. Biaya maksimumnya ({max_fee} gwei) sudah menutupi "
            "biaya dasar saat ini ({base_fee} gwei), jadi seharusnya segera masuk ke blok; "
            "Anda tidak perlu melakukan apa pun."
        ),
        "pending_legacy": (
            "Transaksi Anda sedang menunggu dan seharusnya segera masuk ke blok; Anda tidak "
            "perlu melakukan apa pun."
        ),
        "awaiting_confirmations": (
            "Transaksi Anda sudah masuk ke blok dan memiliki {confirmations} konfirmasi; masih "
            "perlu {remaining} konfirmasi lagi (sekitar {minutes} menit) sebelum dana masuk."
        ),
        "confirmed": (
            "Transaksi Anda sudah terkonfirmasi ({confirmations} konfirmasi; dibutuhkan "
            "{required}), jadi dana sudah terkirim ke {destination} di jaringan {chain}. Jika "
            "belum terlihat, periksa sisi penerima: pastikan alamat itu milik dompet atau akun "
            "bursa yang dituju, dompet menampilkan jaringan {chain}, dan untuk token, token "
            "tersebut sudah ditambahkan ke dompet."
        ),
        "reverted": (
            "Transaksi Anda gagal di jaringan (di-revert di blok {block}): {reason}. Tidak ada "
            "dana yang berpindah; hanya biaya jaringan yang terpakai."
        ),
        "reason.error": 'kontrak membalas "{reason}"',
        "reason.panic": "kontrak mengalami kesalahan internal (panic {panic_code})",
        "reason.custom": "kontrak menolaknya dengan error khusus {selector}",
        "reason.out_of_gas": (
            "kehabisan gas (batas gas {gas} habis terpakai); kirim ulang dengan batas gas yang "
            "lebih tinggi"
        ),
        "reason.unknown": "kontrak tidak memberikan alasan",
        "nonce_gap": (
            "Transaksi Anda (nonce {nonce}) menunggu transaksi sebelumnya: jaringan tidak "
            "memiliki transaksi dengan nonce {missing_nonce} dari {sender}, dan transaksi dari "
            "satu akun diproses berurutan menurut nonce. Kirim transaksi dengan nonce "
            "{missing_nonce} (misalnya 0 ke alamat Anda sendiri), atau kirim ulang transaksi "
            "yang hilang, lalu transaksi ini akan menyusul."
        ),
        "erc20_to_token_contract": (
            "Transfer token ini menuju kontrak token itu sendiri ({token}) sebagai penerima "
            "{amount} unit, bukan ke dompet. Sebagian besar kontrak token tidak dapat "
            "mengembalikan token seperti ini, sehingga biasanya hilang; jika transaksi masih "
            "tertunda, segera batalkan."
        ),
        "address_other_chain": (
            "Alamat {address} milik jaringan {network}, bukan {chain}. Transfer di jaringan "
            "{chain} tidak bisa sampai ke alamat ini: pastikan pengirim dan penerima memakai "
            "jaringan yang sama sebelum mengirim."
        ),
        "contract_destination": (
            "Alamat tujuan {address} adalah kontrak pintar, bukan dompet pribadi. Dana yang "
            "dikirim ke sana diatur oleh kode kontrak; jika Anda bermaksud membayar seseorang "
            "atau bursa, periksa kembali alamatnya dengan mereka."
        ),
        "need_tx_hash": (
            "Silakan kirimkan hash transaksi (0x diikuti 64 karakter) agar kami dapat memeriksa "
            "transaksinya di jaringan."
        ),
        "chain_unavailable": (
            "Saat ini kami tidak dapat terhubung ke jaringan {chain} untuk memeriksa transaksi "
            "Anda."
        ),
        "chain_not_checked": (
            "Kami tidak dapat memeriksa transaksi di jaringan {chain} secara otomatis."
        ),
        "escalated": (
            "Kami telah meneruskan ini ke tim blockchain kami, dan seorang spesialis akan "
            "segera menindaklanjuti."
        ),
    },
}

# Chain names (and address families) as readers know them; English uses the registry's.
NAMES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "ethereum": "Ethereum",
        "ethereum-classic": "Ethereum Classic",
        "bsc": "BNB Smart Chain",
        "arbitrum": "Arbitrum One",
        "optimism": "OP Mainnet",
        "base": "Base",
        "polygon": "Polygon PoS",
        "avalanche": "Avalanche C-Chain",
        "bitcoin": "Bitcoin",
        "litecoin": "Litecoin",
        "tron": "TRON",
        "solana": "Solana",
        "evm": "an EVM chain (Ethereum-style)",
        "unknown": "the blockchain",
    },
    "zh": {
        "ethereum": "以太坊",
        "ethereum-classic": "以太坊经典",
        "bsc": "BNB 智能链",
        "polygon": "Polygon",
        "bitcoin": "比特币",
        "litecoin": "莱特币",
        "tron": "波场",
        "evm": "EVM（以太坊类）",
        "unknown": "区块链",
    },
    "id": {"evm": "EVM (mirip Ethereum)", "unknown": "blockchain"},
}
_GROUPING = {"en": (",", "."), "zh": (",", "."), "id": (".", ",")}  # (thousands, decimal)


def render(diagnosis: Diagnosis, lang: str = "en") -> str:
    """The answer to the user: one paragraph per finding, then the hand-off sentence
    when a person takes over. Several transactions: each paragraph names its hash."""
    lang = language(lang)
    several = len({f.tx_hash for f in diagnosis.findings if f.tx_hash}) > 1
    lines = []
    for finding in diagnosis.findings:
        text = render_finding(finding, lang)
        lines.append(f"{_short(finding.tx_hash)}: {text}" if several and finding.tx_hash else text)
    if diagnosis.escalate:
        lines.append(TEMPLATES[lang]["escalated"])
    return "\n".join(lines)


def render_finding(finding: Finding, lang: str = "en") -> str:
    lang = language(lang)
    templates = TEMPLATES[lang]
    values = _values(finding, lang)
    key = finding.code
    if key == "pending" and finding.data.get("base_fee") is None:
        key = "pending_legacy"
    if key == "reverted":
        values["reason"] = templates["reason." + str(finding.data["reason_kind"])].format(**values)
    return templates[key].format(**values)


def language(lang: str) -> str:
    """``zh-CN`` -> ``zh``; unknown -> ``en``."""
    base = lang.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else "en"


def chain_name(chain: str | None, lang: str) -> str:
    lang = language(lang)
    key = chain or "unknown"
    name = NAMES[lang].get(key) or NAMES["en"].get(key, key)
    if lang == "zh":
        # Latin words inside Chinese text are set off by spaces ("在 Solana 上").
        name = (" " if name[0].isascii() else "") + name + (" " if name[-1].isascii() else "")
    return name


def gwei(wei: int, lang: str = "en") -> str:
    """Wei as gwei, without trailing zeros: 41100000000 -> "41.1"."""
    value = Decimal(wei) / _GWEI
    text = f"{value:,.9f}".rstrip("0").rstrip(".")
    return _localize(text, lang)


def grouped(number: int, lang: str = "en") -> str:
    return _localize(f"{number:,}", lang)


def _localize(text: str, lang: str) -> str:
    thousands, decimal = _GROUPING[language(lang)]
    table: dict[str, str | int | None] = {",": thousands, ".": decimal}
    return text.translate(str.maketrans(table))


def _values(finding: Finding, lang: str) -> dict[str, Any]:
    data = finding.data
    values: dict[str, Any] = dict(data)
    values["tx"] = _short(finding.tx_hash)
    for key in ("max_fee", "base_fee", "suggested_max_fee", "suggested_priority_fee"):
        if data.get(key) is not None:
            values[key] = gwei(data[key], lang)
    if data.get("amount") is not None:
        values["amount"] = grouped(data["amount"], lang)
    for key in ("chain", "node_chain"):
        if key in data:
            values[key] = chain_name(data[key], lang)
    if "address_family" in data:
        values["network"] = chain_name(data["address_family"], lang)
    if data.get("panic_code") is not None:
        values["panic_code"] = f"0x{data['panic_code']:02x}"
    for key in ("confirmations", "minutes"):
        if key in data:
            values[key + "_s"] = "" if data[key] == 1 else "s"
    return values


def _short(tx_hash: str | None) -> str:
    return "" if tx_hash is None else f"{tx_hash[:6]}…{tx_hash[-4:]}"
