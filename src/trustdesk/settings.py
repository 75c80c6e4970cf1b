"""All configuration, read once from the environment (prefix TRUSTDESK_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from trustdesk.auth.secretbox import DEV_KEYRING_SPEC
from trustdesk.auth.tokens import DEV_SIGNING_SEED
from trustdesk.support.channels.telegram import parse_secrets
from trustdesk.support.mail.endpoint import parse_host_port

DEFAULT_POLICY = Path(__file__).parent / "policies" / "default.toml"
DEFAULT_SUPPORT_CONFIG = Path(__file__).parent / "policies" / "support.toml"
DEV_PEPPER = "dev-only-pepper"
# Dev/test only, refused in prod: key ring for factor secrets and the step-up signing seed.
DEV_SECRET_KEYS = DEV_KEYRING_SPEC
DEV_STEPUP_SEED = DEV_SIGNING_SEED.decode()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRUSTDESK_", env_nested_delimiter="__", extra="ignore"
    )

    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = "sqlite:///trustdesk.db"
    # The risk policy (TOML); its sliding windows and limits live there, versioned.
    policy_file: Path = DEFAULT_POLICY
    # Pepper mixed into device/IP hashes in the audit chain so they cannot be reversed
    # by enumerating the IPv4 space. Must be set outside dev.
    hash_pepper: SecretStr = SecretStr(DEV_PEPPER)
    max_batch_lines: int = 100_000
    max_request_bytes: int = 64 * 1024
    # Seconds a worker trusts an API key it has checked before reading its row again: a
    # revoked key keeps working for at most this long. 0: every request reads the key.
    api_key_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    log_json: bool = False

    # --- step-up ---
    issuer: str = "trustdesk"
    # AES-GCM keys for factor secrets: "kid:base64url(32 bytes)[,kid:…]"; the first encrypts.
    # New key: `trustdesk factors keygen`. Rotation: put the new key first, keep the old.
    secret_keys: SecretStr = SecretStr(DEV_SECRET_KEYS)
    # Ed25519 seed (32 bytes, base64url) that signs step-up tokens (PASETO v4.public).
    stepup_signing_key: SecretStr = SecretStr(DEV_STEPUP_SEED)
    webauthn_rp_id: str = "localhost"
    webauthn_origin: str = "http://localhost:8000"
    # Where one-time codes go. With no SMTP host and no SMS provider, dev and test write
    # them to a file outbox; prod refuses to enrol a channel that is not configured.
    outbox_dir: Path | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "trustdesk@localhost"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_base_url: str = "https://api.twilio.com"
    # Web Push (RFC 8291/8292): the VAPID private key (PEM) and the contact it names.
    vapid_private_key: SecretStr | None = None
    vapid_subject: str = "mailto:security@localhost"
    push_allow_insecure: bool = False  # plain-http push endpoints, for local tests only

    # --- bot diagnostics ---
    # JSON-RPC endpoint of an EVM node for transaction diagnostics. Secret: provider URLs
    # carry API keys in the path; only scheme://host is ever shown.
    eth_rpc_url: SecretStr | None = None

    # --- bot intents ---
    # Versioned intent models (`trustdesk bot train` writes, the bot loads the newest).
    bot_model_dir: Path = Path("bot-models")
    bot_model_version: str | None = None  # pin one version instead of the newest
    # Banking77 (train.csv, test.csv) for `trustdesk bot train` without --data.
    bot_data_dir: Path = Path("../shared/data/banking77")

    # --- support ---
    # Ticket attachments, stored content-addressed (by SHA-256) under this directory.
    attachments_dir: Path = Path("attachments")
    attachment_max_bytes: int = 10 * 1024 * 1024  # per file
    attachment_max_files: int = 5  # per message
    # The support desk: teams, business hours, queues (tiers), SLA targets, routing rules.
    support_config: Path = DEFAULT_SUPPORT_CONFIG

    # --- support mail (in: SMTP listener and/or IMAP polling; out: the smtp_* settings) ---
    # "HOST:PORT" for the inbound SMTP listener `trustdesk serve` runs; unset: none.
    smtp_listen: str | None = None
    # Largest inbound mail: the listener refuses more (552), other paths quarantine it.
    mail_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    mail_desk_address: str = "support@localhost"  # From of replies; its domain names them
    imap_host: str | None = None
    imap_port: int | None = Field(default=None, ge=1, le=65535)  # default 993 (tls) / 143
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_security: Literal["tls", "starttls", "none"] = "tls"  # "none": local tests only
    imap_folder: str = "INBOX"
    imap_poll_seconds: float = Field(default=60.0, gt=0)
    # Mail out: agents' and the bot's public replies on e-mail and web-form tickets go out
    # through the smtp_* relay (support.channels.outbox), polled this often; replies older
    # than the max age when first seen are never mailed (so enabling it mails no history).
    mail_outbox_poll_seconds: float = Field(default=5.0, gt=0)
    mail_outbox_max_age_hours: float = Field(default=168.0, gt=0)

    # --- support channels: Telegram webhook, web form ---
    # The webhook's X-Telegram-Bot-Api-Secret-Token: one secret for every bot name, or
    # "botname:secret,other_bot:secret2" per bot. Unset: every update is refused (401).
    telegram_webhook_secret: SecretStr | None = None
    # Web form submissions per client IP per hour (counted in auth_rate_counters).
    webform_max_per_hour: int = Field(default=20, ge=1)

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        try:
            parse_secrets(value.get_secret_value())
        except ValueError as exc:
            raise ValueError(f"TRUSTDESK_TELEGRAM_WEBHOOK_SECRET: {exc}") from None
        return value

    @field_validator("smtp_listen")
    @classmethod
    def _listen_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            parse_host_port(value)
        except ValueError as exc:
            raise ValueError(f"TRUSTDESK_SMTP_LISTEN: {exc}") from None
        return value.strip()

    @model_validator(mode="after")
    def _refuse_plain_imap_in_prod(self) -> Settings:
        if self.env == "prod" and self.imap_host and self.imap_security == "none":
            raise ValueError(
                "TRUSTDESK_IMAP_SECURITY=none sends the password in clear; not in prod"
            )
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        pepper = self.hash_pepper.get_secret_value()
        if len(pepper) < 12:
            raise ValueError("TRUSTDESK_HASH_PEPPER must be 12 characters or more (32+ random)")
        if self.env == "prod" and self.uses_dev_pepper:
            raise ValueError("TRUSTDESK_HASH_PEPPER must be set when TRUSTDESK_ENV=prod")
        if self.env == "prod" and self.secret_keys.get_secret_value() == DEV_SECRET_KEYS:
            raise ValueError("TRUSTDESK_SECRET_KEYS must be set when TRUSTDESK_ENV=prod")
        if self.env == "prod" and self.stepup_signing_key.get_secret_value() == DEV_STEPUP_SEED:
            raise ValueError("TRUSTDESK_STEPUP_SIGNING_KEY must be set when TRUSTDESK_ENV=prod")
        return self

    @property
    def uses_dev_keys(self) -> bool:
        return (
            self.secret_keys.get_secret_value() == DEV_SECRET_KEYS
            or self.stepup_signing_key.get_secret_value() == DEV_STEPUP_SEED
        )

    @property
    def uses_dev_pepper(self) -> bool:
        return self.hash_pepper.get_secret_value() == DEV_PEPPER
