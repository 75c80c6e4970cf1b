"""The knowledge-base API on SQLite and PostgreSQL: read, write, search and the refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from tests.api.conftest import TestClient, assert_problem
from trustdesk.auth.apikeys import create_api_key
from trustdesk.bootstrap import build_container
from trustdesk.core.clock import FixedClock
from trustdesk.settings import Settings
from trustdesk.web.app import create_app

NEW = {
    "lang": "en",
    "title": "Using a hardware wallet",
    "body": "Confirm every transaction on the Trezor's own screen.",
    "tags": ["security"],
    "intents": ["hardware_wallet"],
}


class Kb:
    def __init__(self, client: TestClient, keys: dict[str, str]) -> None:
        self.client = client
        self.keys = keys

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def get(self, path: str, who: str = "reader", **params: Any) -> Any:
        return self.client.get(path, headers=self.headers(who), params=params)

    def put(self, slug: str, body: dict[str, Any], who: str = "writer") -> Any:
        return self.client.put(f"/v1/kb/articles/{slug}", json=body, headers=self.headers(who))

    def delete(self, slug: str, lang: str, who: str = "writer") -> Any:
        return self.client.delete(
            f"/v1/kb/articles/{slug}", params={"lang": lang}, headers=self.headers(who)
        )


@pytest.fixture
def kb(database_url: str) -> Iterator[Kb]:
    clock = FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    container = build_container(Settings(database_url=database_url), clock=clock)
    keys = {}
    with container.session() as session:
        for who, scopes in (("reader", {"kb:read"}), ("writer", {"kb:read", "kb:write"})):
            keys[who] = create_api_key(session, who, frozenset(scopes), clock.now())
        keys["other"] = create_api_key(session, "other", frozenset({"assess"}), clock.now())
    try:
        with TestClient(create_app(container)) as client:
            yield Kb(client, keys)
    finally:
        container.close()


def test_list_and_get_shipped_articles(kb: Kb) -> None:
    listed = kb.get("/v1/kb/articles", lang="zh")
    assert listed.status_code == 200, listed.text
    rows = listed.json()
    assert len(rows) == 11
    assert {(r["lang"], r["origin"], r["fallback"]) for r in rows} == {("zh", "shipped", False)}
    every = kb.get("/v1/kb/articles").json()
    assert len(every) == 33
    one = kb.get("/v1/kb/articles/seed-phrase-safety", lang="id")
    assert one.status_code == 200, one.text
    body = one.json()
    assert (body["slug"], body["lang"], body["version"]) == ("seed-phrase-safety", "id", 1)
    assert body["updated_at"] == "2026-02-01T00:00:00+00:00"
    assert "Tim dukungan kami tidak akan pernah memintanya" in body["body"]


def test_put_versions_fallback_and_delete(kb: Kb) -> None:
    created = kb.put("hardware-wallets", NEW)
    assert created.status_code == 201, created.text
    assert (created.json()["version"], created.json()["origin"]) == (1, "db")
    updated = kb.put("hardware-wallets", NEW | {"title": "Hardware wallets", "base_version": 1})
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2
    stale = kb.put("hardware-wallets", NEW | {"base_version": 1})
    assert_problem(stale, 409, "kb.version_conflict", "base_version")

    fallback = kb.get("/v1/kb/articles/hardware-wallets", lang="zh").json()
    assert (fallback["lang"], fallback["fallback"], fallback["title"]) == (
        "en",
        True,
        "Hardware wallets",
    )
    search = kb.get("/v1/kb/search", q="Trezor screen", lang="zh", k=1)
    assert search.status_code == 200, search.text
    [hit] = search.json()["hits"]
    assert (hit["slug"], hit["lang"], hit["fallback"]) == ("hardware-wallets", "en", True)
    assert hit["why"].endswith("no zh version, English shown")

    assert kb.delete("hardware-wallets", "en").status_code == 204
    assert_problem(kb.get("/v1/kb/articles/hardware-wallets"), 404, "kb.not_found", "slug")
    assert_problem(kb.delete("hardware-wallets", "en"), 404, "kb.not_found", "slug")
    assert_problem(kb.delete("kyc-rejected", "en"), 409, "kb.shipped_article", "slug")


def test_an_override_shows_in_list_get_and_search(kb: Kb) -> None:
    override = {"lang": "en", "title": "KYC declined", "body": "Zebra protocol: resend it."}
    saved = kb.put("kyc-rejected", override)
    assert saved.status_code == 201 and saved.json()["version"] == 2
    assert kb.get("/v1/kb/articles/kyc-rejected").json()["title"] == "KYC declined"
    [hit] = kb.get("/v1/kb/search", q="zebra protocol", k=1).json()["hits"]
    assert (hit["slug"], hit["title"]) == ("kyc-rejected", "KYC declined")


def test_search(kb: Kb) -> None:
    found = kb.get("/v1/kb/search", q="提币一直显示处理中", lang="zh", k=3)
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["query"], body["lang"], len(body["hits"])) == ("提币一直显示处理中", "zh", 3)
    assert body["hits"][0]["slug"] == "pending-withdrawal"
    by_intent = kb.get("/v1/kb/search", q="uangku raib", lang="id", intent="suspected_theft")
    assert by_intent.json()["hits"][0]["slug"] == "suspected-theft"


@pytest.mark.parametrize(
    ("slug", "body", "code", "field"),
    [
        ("Bad_Slug", NEW, "kb.invalid_slug", "slug"),
        ("ok-slug", NEW | {"lang": "fr"}, "kb.invalid_lang", "lang"),
        ("ok-slug", NEW | {"body": "x" * 20_001}, "kb.invalid_article", "body"),
        ("ok-slug", NEW | {"title": " "}, "kb.invalid_article", "title"),
        ("ok-slug", NEW | {"intents": ["Not An Intent"]}, "kb.invalid_article", "intents"),
        ("ok-slug", NEW | {"author": "me"}, "input.invalid", "author"),
        ("ok-slug", {"lang": "en", "title": "t"}, "input.invalid", "body"),
    ],
)
def test_bad_articles_are_refused_and_nothing_is_stored(
    kb: Kb, slug: str, body: dict[str, Any], code: str, field: str
) -> None:
    assert_problem(kb.put(slug, body), 422, code, field)
    with kb.client.app.state.container.reading() as session:  # type: ignore[attr-defined]
        assert session.execute(text("SELECT count(*) FROM kb_articles")).scalar_one() == 0


def test_bad_queries_and_missing_scopes(kb: Kb) -> None:
    assert_problem(kb.get("/v1/kb/search", q=" "), 422, "kb.empty_query", "q")
    assert_problem(kb.get("/v1/kb/search", q="fees", lang="xx"), 422, "kb.invalid_lang", "lang")
    assert_problem(kb.get("/v1/kb/search", q="fees", k=50), 422, "input.invalid", "k")
    assert_problem(kb.get("/v1/kb/articles", lang="de"), 422, "kb.invalid_lang", "lang")
    assert_problem(kb.get("/v1/kb/articles/no-such-thing"), 404, "kb.not_found", "slug")
    assert_problem(kb.put("ok-slug", NEW, who="reader"), 403, "auth.forbidden")
    assert_problem(kb.get("/v1/kb/articles", who="other"), 403, "auth.forbidden")
    assert_problem(kb.client.get("/v1/kb/search", params={"q": "x"}), 401, "auth.unauthorized")


def test_routes_are_in_the_openapi_document(kb: Kb) -> None:
    paths = kb.client.get("/openapi.json").json()["paths"]
    assert set(paths["/v1/kb/articles/{slug}"]) == {"get", "put", "delete"}
    assert set(paths["/v1/kb/search"]) == {"get"}
