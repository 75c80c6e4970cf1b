"""Customers: one identity across channels, provisional ones for unknown senders, merges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from trustdesk.core.errors import Conflict, InvalidInput
from trustdesk.core.ids import new_id
from trustdesk.support.env import CustomerNotFound, SupportEnv
from trustdesk.support.identities import given_form, identity_kind, normalize
from trustdesk.support.model import (
    Customer,
    Identity,
    IdentityKind,
    check_language,
    check_region,
)
from trustdesk.support.ports import IdentityTaken

MAX_NAME: Final = 200
MAX_IDENTITIES: Final = 20
_MAX_HOPS: Final = 16  # merged_into is kept flat; this only guards against a bad row


class AccountTaken(Conflict):
    code = "support.account_taken"


class BadMerge(Conflict):
    code = "support.bad_merge"


@dataclass(frozen=True)
class IdentityIn:
    kind: str
    value: str
    verified: bool = False


@dataclass(frozen=True)
class CustomerIn:
    display_name: str | None = None
    account_id: str | None = None
    language: str | None = None
    region: str | None = None
    identities: Sequence[IdentityIn] = ()


@dataclass(frozen=True)
class Found:
    """A customer as read: ``customer`` is the live one, ``requested`` the id asked for
    (they differ when the id asked for was merged away)."""

    customer: Customer
    requested: str

    @property
    def redirected(self) -> bool:
        return self.customer.id != self.requested


def find(env: SupportEnv, customer_id: str, *, lock: bool = False) -> Found:
    """The customer, following merges to the live one; 404 when there is none."""
    current = env.store.customer(customer_id, for_update=lock)
    hops = 0
    while current is not None and current.merged_into is not None and hops < _MAX_HOPS:
        current = env.store.customer(current.merged_into, for_update=lock)
        hops += 1
    if current is None or current.merged_into is not None:
        raise CustomerNotFound(f"no customer {customer_id[:64]}", field="customer_id")
    return Found(current, customer_id)


def create(env: SupportEnv, given: CustomerIn) -> Customer:
    """A known customer (not provisional), with its identities; the account id is one too."""
    if len(given.identities) > MAX_IDENTITIES:
        raise InvalidInput(f"at most {MAX_IDENTITIES} identities", field="identities")
    wanted = [_identity_in(i, f"identities.{n}.") for n, i in enumerate(given.identities)]
    account = None
    if given.account_id is not None:
        account = normalize(IdentityKind.ACCOUNT, given.account_id, "account_id")
        wanted.insert(0, (IdentityKind.ACCOUNT, account, account, True))
    now = env.clock.now()
    customer = Customer(
        id=new_id("cus"),
        display_name=_name(given.display_name),
        account_id=account,
        language=check_language(given.language) if given.language else None,
        region=check_region(given.region) if given.region else None,
        provisional=False,
        merged_into=None,
        created_at=now,
        updated_at=now,
    )
    if account is not None and env.store.customer_by_account(account) is not None:
        raise AccountTaken(f"account {account} already belongs to a customer", field="account_id")
    env.store.add_customer(customer)
    unique = {
        (kind, value): (given_value, verified) for kind, value, given_value, verified in wanted
    }
    for (kind, value), (given_value, verified) in unique.items():
        if env.store.customer_by_identity(kind, value) is not None:
            raise _taken(kind)
        _attach(env, customer.id, kind, value, given_value, verified)
    kinds = sorted({kind.value for kind, _ in unique})
    env.record(
        "customer_created",
        f"customer:{customer.id}",
        {"customer_id": customer.id, "provisional": False, "identity_kinds": kinds},
    )
    return find(env, customer.id).customer


def resolve(
    env: SupportEnv,
    kind: IdentityKind,
    value: str,
    *,
    name: str | None = None,
    language: str | None = None,
    lock: bool = False,
    field: str = "sender",
) -> tuple[Customer, bool]:
    """The customer behind an identity, or a new provisional one; (customer, created)."""
    normal = normalize(kind, value, field)
    known = env.store.customer_by_identity(kind, normal)
    if known is not None:
        return find(env, known.id, lock=lock).customer, False
    now = env.clock.now()
    account = normal if kind is IdentityKind.ACCOUNT else None
    if account is not None and env.store.customer_by_account(account) is not None:
        account = None  # the row's own account id is taken; the identity still maps here
    customer = Customer(
        id=new_id("cus"),
        display_name=_name(name, strict=False),
        account_id=account,
        language=soft_language(language),
        region=None,
        provisional=True,
        merged_into=None,
        created_at=now,
        updated_at=now,
    )
    env.store.add_customer(customer)
    _attach(env, customer.id, kind, normal, given_form(value), kind is IdentityKind.ACCOUNT)
    env.record(
        "customer_created",
        f"customer:{customer.id}",
        {"customer_id": customer.id, "provisional": True, "identity_kinds": [kind.value]},
    )
    return find(env, customer.id).customer, True


def add_identity(env: SupportEnv, customer_id: str, given: IdentityIn) -> Customer:
    """Another way to reach the customer; its own already: only ``verified`` may rise."""
    customer = find(env, customer_id, lock=True).customer
    kind, value, given_value, verified = _identity_in(given, "")
    holder = env.store.customer_by_identity(kind, value)
    if holder is not None and holder.id != customer.id:
        raise _taken(kind)
    if holder is not None:
        if verified:
            env.store.set_identity_verified(kind, value)
    else:
        _attach(env, customer.id, kind, value, given_value, verified)
        free = env.store.customer_by_account(value) is None
        if kind is IdentityKind.ACCOUNT and customer.account_id is None and free:
            customer = replace(customer, account_id=value)
    customer = replace(customer, updated_at=env.clock.now())
    env.store.save_customer(customer)
    env.record(
        "identity_added",
        f"customer:{customer.id}",
        {"customer_id": customer.id, "identity_kind": kind.value, "verified": verified},
    )
    return find(env, customer.id).customer


def merge(env: SupportEnv, source_id: str, target_id: str) -> Customer:
    """Customer ``source`` becomes part of ``target``: identities and tickets move, the
    source keeps ``merged_into`` and reads of it lead to the target. 409 when merging into
    itself, into a merged customer, or a customer already merged."""
    # Locked in id order, so two opposite merges cannot deadlock.
    rows = {cid: env.store.customer(cid, for_update=True) for cid in sorted({source_id, target_id})}
    source, target = rows.get(source_id), rows.get(target_id)
    if source is None:
        raise CustomerNotFound(f"no customer {source_id[:64]}", field="customer_id")
    if target is None:
        raise CustomerNotFound(f"no customer {target_id[:64]}", field="into")
    if source.id == target.id:
        raise BadMerge("a customer cannot be merged into itself", field="into")
    if target.merged_into is not None:
        raise BadMerge(
            f"{target.id} was merged into {target.merged_into}; merge into that one",
            field="into",
        )
    if source.merged_into is not None:
        raise BadMerge(
            f"{source.id} was already merged into {source.merged_into}", field="customer_id"
        )
    identities, tickets = env.store.move_customer(source.id, target.id)
    now = env.clock.now()
    account = source.account_id
    env.store.save_customer(
        replace(
            source,
            merged_into=target.id,
            account_id=None if target.account_id is None else account,
            updated_at=now,
        )
    )
    env.store.save_customer(
        replace(
            target,
            display_name=target.display_name or source.display_name,
            account_id=target.account_id or account,
            language=target.language or source.language,
            region=target.region or source.region,
            provisional=target.provisional and source.provisional,
            updated_at=now,
        )
    )
    env.record(
        "customer_merged",
        f"customer:{target.id}",
        {
            "customer_id": source.id,
            "into": target.id,
            "identities_moved": identities,
            "tickets_moved": tickets,
        },
    )
    return find(env, target.id).customer


def _attach(
    env: SupportEnv,
    customer_id: str,
    kind: IdentityKind,
    value: str,
    given: str,
    verified: bool,
) -> None:
    identity = Identity(customer_id, kind, value, given, verified, env.clock.now())
    env.store.add_identity(identity)


def _identity_in(given: IdentityIn, prefix: str) -> tuple[IdentityKind, str, str, bool]:
    kind = identity_kind(given.kind, f"{prefix}kind")
    value = normalize(kind, given.value, f"{prefix}value")
    return kind, value, given_form(given.value), given.verified


def _taken(kind: IdentityKind) -> IdentityTaken:
    # The value is not echoed: it may be an e-mail address or a phone number.
    return IdentityTaken(
        f"this {kind.value} identity already belongs to another customer; merge the two "
        "customers instead",
        field="value",
    )


def _name(value: str | None, *, strict: bool = True) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if not text:
        return None
    if len(text) > MAX_NAME:
        if strict:
            raise InvalidInput(f"display name: at most {MAX_NAME} characters", field="display_name")
        text = text[:MAX_NAME]
    return text


def soft_language(value: str | None) -> str | None:
    """A channel's language hint: kept when it is a valid tag, dropped when not."""
    if not value:
        return None
    try:
        return check_language(value)
    except InvalidInput:
        return None
