"""All configuration, read once from the environment (prefix TRUSTDESK_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_POLICY = Path(__file__).parent / "policies" / "default.toml"
DEV_PEPPER = "dev-only-pepper"


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
    log_json: bool = False

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        pepper = self.hash_pepper.get_secret_value()
        if len(pepper) < 12:
            raise ValueError("TRUSTDESK_HASH_PEPPER must be 12 characters or more (32+ random)")
        if self.env == "prod" and self.uses_dev_pepper:
            raise ValueError("TRUSTDESK_HASH_PEPPER must be set when TRUSTDESK_ENV=prod")
        return self

    @property
    def uses_dev_pepper(self) -> bool:
        return self.hash_pepper.get_secret_value() == DEV_PEPPER
