"""Running the trustdesk command in-process against a test database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from typer.testing import CliRunner, Result

from trustdesk.cli.main import app

# EIP-55's own examples, correctly checksummed.
EVM_A = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
EVM_B = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
EVM_C = "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"


@dataclass
class Cli:
    url: str
    env: dict[str, str]
    engine: Engine

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())

    def __call__(self, *args: str, **env: str) -> Result:
        runner = CliRunner()
        return runner.invoke(
            app, list(args), env={"TRUSTDESK_DATABASE_URL": self.url} | self.env | env
        )
