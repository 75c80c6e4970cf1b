"""Customers on SQLite and PostgreSQL: creation, identities, provisional ones, merges."""

from __future__ import annotations

from operator import methodcaller

import pytest

from tests.integration.support.helpers import audit, count, inbound, read, write
from trustdesk.bootstrap import Container
from trustdesk.core.errors import Conflict, InvalidInput, NotFound
from trustdesk.support.customers import CustomerIn, IdentityIn
from trustdesk.support.service import CustomerRef, TicketIn

BUDI = (IdentityIn("email", "Budi@Example.com", True), IdentityIn("phone", "+62 811 000 111"))


def known(
    container: Container, account: str = "acct-1", identities: tuple[IdentityIn, ...] = BUDI
) -> str:
    given = CustomerIn(
        display_name="Budi  Santoso",
        account_id=account,
        language="ID",
        region="id",
        identities=identities,
    )
    return write(container, lambda d: d.create_customer(given)).id


def test_a_known_customer(container: Container) -> None:
    customer_id = known(container)
    customer = read(container, lambda d: d.customer(customer_id)).customer
    assert customer.id.startswith("cus_") and len(customer.id) == 30
    assert (customer.display_name, customer.account_id, customer.language, customer.region) == (
        "Budi Santoso",
        "acct-1",
        "id",
        "ID",
    )
    assert customer.provisional is False
    assert [(i.kind.value, i.value, i.given, i.verified) for i in customer.identities] == [
        ("account", "acct-1", "acct-1", True),
        ("email", "budi@example.com", "Budi@Example.com", True),
        ("phone", "+62811000111", "+62 811 000 111", False),
    ]
    [(action, subject, payload)] = audit(container)
    assert (action, subject) == ("support.customer_created", f"customer:{customer_id}")
    assert payload == {
        "customer_id": customer_id,
        "provisional": False,
        "identity_kinds": ["account", "email", "phone"],
    }


def test_identities_belong_to_one_customer(container: Container) -> None:
    first = known(container)
    with pytest.raises(Conflict) as caught:
        known(container, account="acct-1")
    assert caught.value.code == "support.account_taken"
    with pytest.raises(Conflict) as caught:
        known(container, account="acct-2")  # same e-mail, other account
    assert (caught.value.code, caught.value.field) == ("support.identity_taken", "value")
    assert "budi" not in caught.value.message.lower()
    assert count(container, "support_customers") == 1
    other = write(container, lambda d: d.create_customer(CustomerIn(display_name="Other")))
    with pytest.raises(Conflict) as caught:
        write(
            container, lambda d: d.add_identity(other.id, IdentityIn("email", "BUDI@example.com"))
        )
    assert caught.value.code == "support.identity_taken"
    # Adding one's own identity again only raises "verified".
    write(container, lambda d: d.add_identity(first, IdentityIn("phone", "+62811000111", True)))
    phones = [
        i.verified
        for i in read(container, lambda d: d.customer(first)).customer.identities
        if i.kind.value == "phone"
    ]
    assert phones == [True]
    with pytest.raises(InvalidInput) as bad:
        write(container, lambda d: d.add_identity(first, IdentityIn("phone", "0811")))
    assert bad.value.field == "value"
    with pytest.raises(NotFound) as missing:
        read(container, lambda d: d.customer("cus_nobody"))
    assert (missing.value.code, missing.value.field) == (
        "support.customer_not_found",
        "customer_id",
    )


def test_a_provisional_customer_from_an_unknown_channel_identity(container: Container) -> None:
    telegram = write(container, lambda d: d.resolve("telegram", "0042", name="  Rina "))
    assert (telegram.provisional, telegram.display_name, telegram.account_id) == (
        True,
        "Rina",
        None,
    )
    assert [(i.kind.value, i.value) for i in telegram.identities] == [("telegram", "42")]
    again = write(container, lambda d: d.resolve("telegram", "42"))
    assert again.id == telegram.id
    assert count(container, "support_customers") == 1


def test_merge_moves_identities_and_tickets(container: Container) -> None:
    target = known(container)
    chat = container.support_intake(
        inbound(channel="telegram", external_id="upd-1", sender_kind="telegram", sender="777")
    )
    mail = container.support_intake(inbound())
    source = chat.customer_id
    assert mail.customer_id != source
    write(container, lambda d: d.merge(mail.customer_id, source))  # two provisional ones first
    merged = write(container, lambda d: d.merge(source, target))
    assert merged.id == target
    kinds = sorted((i.kind.value, i.value) for i in merged.identities)
    assert kinds == [
        ("account", "acct-1"),
        ("email", "ana.putri@example.com"),
        ("email", "budi@example.com"),
        ("phone", "+62811000111"),
        ("telegram", "777"),
    ]
    assert merged.provisional is False
    tickets = read(container, lambda d: d.tickets(customer_id=target))
    assert sorted(t.id for t in tickets) == sorted([chat.ticket_id, mail.ticket_id])
    # Reading a merged id leads to the customer it went into, even through two merges.
    for old in (source, mail.customer_id):
        found = read(container, methodcaller("customer", old))
        assert (found.customer.id, found.requested, found.redirected) == (target, old, True)
        assert read(container, methodcaller("tickets", customer_id=old)) == tickets
    assert read(container, lambda d: d.merged_ids(target)) == sorted([source, mail.customer_id])
    # The next message from the merged-away identity lands with the target.
    later = container.support_intake(
        inbound(channel="telegram", external_id="upd-2", sender_kind="telegram", sender="777")
    )
    assert (later.customer_id, later.ticket_id) == (target, chat.ticket_id)
    payload = [p for a, _, p in audit(container) if a == "support.customer_merged"][-1]
    assert payload == {
        "customer_id": source,
        "into": target,
        "identities_moved": 2,
        "tickets_moved": 2,
    }


def test_refused_merges(container: Container) -> None:
    a, b = known(container), known(container, account="acct-2", identities=())
    write(container, lambda d: d.merge(a, b))
    c = write(container, lambda d: d.create_customer(CustomerIn(display_name="C"))).id
    cases = [
        (c, c, "a customer cannot be merged into itself", "into"),
        (c, a, f"{a} was merged into {b}; merge into that one", "into"),
        (a, c, f"{a} was already merged into {b}", "customer_id"),
    ]
    for source, into, message, field in cases:
        with pytest.raises(Conflict) as caught:
            write(container, methodcaller("merge", source, into))
        assert (caught.value.code, caught.value.message, caught.value.field) == (
            "support.bad_merge",
            message,
            field,
        )
        assert caught.value.status == 409
    with pytest.raises(NotFound) as missing:
        write(container, lambda d: d.merge(c, "cus_missing"))
    assert missing.value.field == "into"


def test_a_ticket_on_behalf_of_a_customer(container: Container) -> None:
    customer_id = known(container)
    view = write(
        container,
        lambda d: d.open_ticket(
            CustomerRef(customer_id=customer_id),
            TicketIn(subject="Called about KYC", category="kyc_rejected", tags=["Phone"]),
            body="Customer says the selfie check failed twice.",
        ),
    )
    t = view.ticket
    assert (t.customer_id, t.category.value, t.tags, t.language, t.region) == (
        customer_id,
        "kyc_rejected",
        ("phone",),
        "id",
        "ID",
    )
    [message] = view.messages
    assert (message.author_kind.value, message.author_id, message.channel.value) == (
        "customer",
        customer_id,
        "api",
    )
    by_identity = write(
        container,
        lambda d: d.open_ticket(
            CustomerRef(identity=IdentityIn("email", "new.person@example.org"), name="New"),
            TicketIn(subject="Hello"),
        ),
    )
    newcomer = read(container, lambda d: d.customer(by_identity.ticket.customer_id)).customer
    assert (newcomer.provisional, newcomer.display_name) == (True, "New")
    with pytest.raises(InvalidInput) as caught:
        write(container, lambda d: d.open_ticket(CustomerRef(), TicketIn(subject="x")))
    assert caught.value.field == "customer_id"
