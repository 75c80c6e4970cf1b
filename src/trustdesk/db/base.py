"""The one declarative base every domain's rows register with."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Every module that defines rows; Alembic and the test schema load them all.
MODEL_MODULES: tuple[str, ...] = (
    "trustdesk.audit.store",
    "trustdesk.lists.store",
    "trustdesk.risk.store",
    "trustdesk.auth.apikeys",
    "trustdesk.auth.store",
    "trustdesk.compliance.store",
    "trustdesk.compliance.kyc_store",
    "trustdesk.compliance.privacy_store",
    "trustdesk.support.rows",
    "trustdesk.support.desk_rows",
    "trustdesk.support.mail.store",
    "trustdesk.bot.phishing_store",
    "trustdesk.bot.kb_store",
    "trustdesk.bot.desk_bot",
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def load_all_models() -> MetaData:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata
