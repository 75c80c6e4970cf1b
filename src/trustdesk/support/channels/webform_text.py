"""What the public web form says, in English, Chinese and Indonesian (pure data), and how a
page's language is chosen: ``?lang=`` first, then the browser's Accept-Language."""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("en", "zh", "id")
DEFAULT: Final = "en"

TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "html_lang": "en",
        "title": "Contact support",
        "intro": "Tell us what happened. We answer by e-mail.",
        "email": "E-mail",
        "name": "Name",
        "category": "Category",
        "subject": "Subject",
        "message": "Message",
        "attachment": "Attachment",
        "optional": "optional",
        "honeypot": "Leave this field empty",
        "submit": "Send",
        "choose": "Choose…",
        "errors_title": "Please correct the fields marked below.",
        "err_required": "This field is required.",
        "err_email": "Enter an e-mail address such as name@example.com.",
        "err_too_long": "This is too long (at most {max} characters).",
        "err_category": "Choose one of the categories.",
        "err_attachment": "The file is too large (at most {max}).",
        "err_intake": "Your message could not be taken in: {reason}",
        "done_title": "Thank you",
        "done_text": "We received your message. Your ticket number is",
        "done_end": ".",
        "done_plain": "We received your message.",
        "done_hint": "Keep it in the subject of any mail about this request.",
        "refused_title": "This form has expired",
        "refused_text": "Please open the form again and send your message once more.",
        "again": "Open the form",
        "limited_title": "Too many messages",
        "limited_text": "Please try again in an hour.",
    },
    "zh": {
        "html_lang": "zh",
        "title": "联系客服",
        "intro": "请告诉我们发生了什么。我们会通过电子邮件回复您。",
        "email": "电子邮箱",
        "name": "姓名",
        "category": "问题类别",
        "subject": "主题",
        "message": "留言内容",
        "attachment": "附件",
        "optional": "选填",
        "honeypot": "请勿填写此栏",
        "submit": "提交",
        "choose": "请选择…",
        "errors_title": "请修改下面标出的栏目。",
        "err_required": "此栏为必填项。",
        "err_email": "请输入有效的电子邮箱，例如 name@example.com。",
        "err_too_long": "内容过长（最多 {max} 个字符）。",
        "err_category": "请选择一个问题类别。",
        "err_attachment": "文件过大（最多 {max}）。",
        "err_intake": "您的留言未能提交：{reason}",
        "done_title": "谢谢",
        "done_text": "我们已收到您的留言。您的工单编号是",
        "done_end": "。",
        "done_plain": "我们已收到您的留言。",
        "done_hint": "如就此事来信，请在邮件主题中保留该编号。",
        "refused_title": "表单已过期",
        "refused_text": "请重新打开表单并再次提交您的留言。",
        "again": "重新打开表单",
        "limited_title": "提交次数过多",
        "limited_text": "请一小时后再试。",
    },
    "id": {
        "html_lang": "id",
        "title": "Hubungi dukungan",
        "intro": "Ceritakan apa yang terjadi. Kami membalas melalui e-mail.",
        "email": "E-mail",
        "name": "Nama",
        "category": "Kategori",
        "subject": "Perihal",
        "message": "Pesan",
        "attachment": "Lampiran",
        "optional": "opsional",
        "honeypot": "Biarkan kolom ini kosong",
        "submit": "Kirim",
        "choose": "Pilih…",
        "errors_title": "Mohon perbaiki kolom yang ditandai di bawah.",
        "err_required": "Kolom ini wajib diisi.",
        "err_email": "Masukkan alamat e-mail seperti nama@contoh.com.",
        "err_too_long": "Terlalu panjang (paling banyak {max} karakter).",
        "err_category": "Pilih salah satu kategori.",
        "err_attachment": "Berkas terlalu besar (paling besar {max}).",
        "err_intake": "Pesan Anda tidak dapat diterima: {reason}",
        "done_title": "Terima kasih",
        "done_text": "Kami telah menerima pesan Anda. Nomor tiket Anda adalah",
        "done_end": ".",
        "done_plain": "Kami telah menerima pesan Anda.",
        "done_hint": "Cantumkan nomor ini di perihal setiap e-mail tentang permintaan ini.",
        "refused_title": "Formulir ini sudah kedaluwarsa",
        "refused_text": "Silakan buka formulir lagi dan kirim pesan Anda sekali lagi.",
        "again": "Buka formulir",
        "limited_title": "Terlalu banyak pesan",
        "limited_text": "Silakan coba lagi dalam satu jam.",
    },
}

# The support categories (``support.model.Category`` values), as a customer reads them.
CATEGORIES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "deposit_withdrawal_failure": "Deposit or withdrawal failed",
        "transaction_status": "Transaction status",
        "wrong_address_or_network": "Wrong address or network",
        "kyc_rejected": "Identity verification (KYC) rejected",
        "theft_appeal": "Theft or scam: appeal",
        "account_security": "Account security",
        "other": "Something else",
    },
    "zh": {
        "deposit_withdrawal_failure": "充值或提现失败",
        "transaction_status": "交易状态查询",
        "wrong_address_or_network": "转错地址或网络",
        "kyc_rejected": "身份认证（KYC）被拒",
        "theft_appeal": "被盗或被骗申诉",
        "account_security": "账户安全",
        "other": "其他问题",
    },
    "id": {
        "deposit_withdrawal_failure": "Setoran atau penarikan gagal",
        "transaction_status": "Status transaksi",
        "wrong_address_or_network": "Salah alamat atau jaringan",
        "kyc_rejected": "Verifikasi identitas (KYC) ditolak",
        "theft_appeal": "Pencurian atau penipuan: banding",
        "account_security": "Keamanan akun",
        "other": "Lainnya",
    },
}


def choose_language(asked: str | None, accept_language: str | None) -> str:
    """``?lang=`` when it names one of ours; else the best of Accept-Language by q-value
    (``zh-CN``, ``zh-Hant`` → zh; ``in`` is the old code for Indonesian); else English."""
    if asked:
        primary = _primary(asked)
        if primary in LANGUAGES:
            return primary
    best, best_q = DEFAULT, 0.0
    for item in (accept_language or "").split(",")[:20]:
        tag, _, params = item.strip().partition(";")
        primary = _primary(tag)
        if primary not in LANGUAGES:
            continue
        q = _quality(params)
        if q > best_q:  # strictly: among equal weights the browser's first one wins
            best, best_q = primary, q
    return best


def _primary(tag: str) -> str:
    primary = tag.strip().split("-")[0].split("_")[0].lower()
    return "id" if primary == "in" else primary


def _quality(params: str) -> float:
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


def size_label(size: int) -> str:
    """``10 MB``, ``64 KB``: the attachment limit as the page states it."""
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} B"
