"""The knowledge base over HTTP.

GET /v1/kb/articles, GET /v1/kb/articles/{slug}, GET /v1/kb/search (scope kb:read);
PUT and DELETE /v1/kb/articles/{slug} (scope kb:write). Slugs, languages and article fields
are checked by the domain, so every refusal is a problem naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from trustdesk.auth.apikeys import ApiPrincipal
from trustdesk.bootstrap import Container
from trustdesk.bot.kb import LANGS, MAX_K, Article, Hit, Resolved
from trustdesk.bot.kb_store import Draft, KbCache, KbDesk, kb_desk
from trustdesk.web.deps import ContainerDep, require_scope
from trustdesk.web.errors import PROBLEM_JSON

router = APIRouter(tags=["knowledge base"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"content": {PROBLEM_JSON: {}}, "description": text}
    for code, text in {
        401: "missing or invalid API key",
        403: "the key lacks the scope",
        404: "no such article (in the language or in English)",
        409: "version conflict, or a shipped article cannot be deleted",
        422: "invalid field (the problem names it)",
    }.items()
}

Reader = Annotated[ApiPrincipal, Depends(require_scope("kb:read"))]
Writer = Annotated[ApiPrincipal, Depends(require_scope("kb:write"))]
Slug = Annotated[str, Path(max_length=200, description="lower-case words joined by hyphens")]
Lang = Annotated[str, Query(max_length=20, description=f"one of {', '.join(LANGS)}")]


class ArticleIn(BaseModel):
    """A new version of one language variant; the slug is in the path."""

    model_config = ConfigDict(extra="forbid")

    lang: str = Field(max_length=20, description=f"one of {', '.join(LANGS)}")
    title: str
    body: str = Field(description="Markdown, at most 20,000 characters")
    tags: list[str] = Field(default_factory=list)
    intents: list[str] = Field(default_factory=list, description="intent names it answers")
    questions: list[str] = Field(default_factory=list, description="ways users ask for it")
    base_version: int | None = Field(
        default=None, description="the version you edited; a newer one stored is a 409"
    )


class ArticleSummary(BaseModel):
    slug: str
    lang: str
    title: str
    tags: list[str]
    intents: list[str]
    version: int
    updated_at: str | None
    origin: str
    fallback: bool


class ArticleOut(ArticleSummary):
    questions: list[str]
    body: str


class HitOut(BaseModel):
    slug: str
    lang: str
    title: str
    score: float
    snippet: str
    why: str
    fallback: bool


class SearchOut(BaseModel):
    query: str
    lang: str
    hits: list[HitOut]


def _summary(found: Resolved) -> dict[str, Any]:
    a: Article = found.article
    return {
        "slug": a.slug,
        "lang": a.lang,
        "title": a.title,
        "tags": list(a.tags),
        "intents": list(a.intents),
        "version": a.version,
        "updated_at": a.updated_at.isoformat() if a.updated_at else None,
        "origin": a.origin,
        "fallback": found.fallback,
    }


def _full(found: Resolved) -> dict[str, Any]:
    a = found.article
    return _summary(found) | {"questions": list(a.questions), "body": a.body}


def _hit(hit: Hit) -> dict[str, Any]:
    return {
        "slug": hit.slug,
        "lang": hit.lang,
        "title": hit.title,
        "score": hit.score,
        "snippet": hit.snippet,
        "why": hit.why,
        "fallback": hit.fallback,
    }


def _desk(container: Container, request: Request, actor: str, session: Session) -> KbDesk:
    audit = container.audit_log(session)
    return kb_desk(session, audit, container.clock.now, actor, request.state.request_id)


def _cache(request: Request) -> KbCache:
    # Per app, not per process: tests build several apps over different databases.
    state = request.app.state
    cache: KbCache | None = getattr(state, "kb_cache", None)
    if cache is None:
        cache = state.kb_cache = KbCache()
    return cache


@router.get("/v1/kb/articles", response_model=list[ArticleSummary], responses=_PROBLEMS)
def list_articles(
    request: Request, container: ContainerDep, p: Reader, lang: Lang | None = None
) -> list[dict[str, Any]]:
    """Every stored and shipped variant; with ``lang``, one per slug in that language
    (English where there is none, marked ``fallback``)."""
    with container.reading() as session:
        return [_summary(f) for f in _desk(container, request, p.actor, session).articles(lang)]


@router.get("/v1/kb/articles/{slug}", response_model=ArticleOut, responses=_PROBLEMS)
def get_article(
    slug: Slug, request: Request, container: ContainerDep, p: Reader, lang: Lang = "en"
) -> dict[str, Any]:
    with container.reading() as session:
        return _full(_desk(container, request, p.actor, session).get(slug, lang))


@router.put(
    "/v1/kb/articles/{slug}",
    response_model=ArticleOut,
    responses={**_PROBLEMS, 201: {"description": "created"}},
)
def put_article(
    slug: Slug,
    body: ArticleIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    p: Writer,
) -> dict[str, Any]:
    """Create the variant (201) or store a new version of it (200); a stored variant
    overrides the shipped one of the same slug and language."""
    draft = Draft(
        slug=slug,
        lang=body.lang,
        title=body.title,
        body=body.body,
        tags=tuple(body.tags),
        intents=tuple(body.intents),
        questions=tuple(body.questions),
        base_version=body.base_version,
    )
    with container.session() as session:
        article, created = _desk(container, request, p.actor, session).put(draft)
    response.status_code = 201 if created else 200
    return _full(Resolved(article, article.lang))


@router.delete("/v1/kb/articles/{slug}", status_code=204, responses=_PROBLEMS)
def delete_article(
    slug: Slug, request: Request, container: ContainerDep, p: Writer, lang: Lang
) -> Response:
    """Delete the stored variant; a shipped article of that slug and language shows again."""
    with container.session() as session:
        _desk(container, request, p.actor, session).delete(slug, lang)
    return Response(status_code=204)


@router.get("/v1/kb/search", response_model=SearchOut, responses=_PROBLEMS)
def search(
    request: Request,
    container: ContainerDep,
    p: Reader,
    q: Annotated[str, Query(max_length=1000, description="the user's question")],
    lang: Lang = "en",
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 5,
    intent: Annotated[str | None, Query(max_length=64, description="predicted intent")] = None,
) -> dict[str, Any]:
    """The best articles for a question, each citing slug and language, with a snippet and
    the signals (words, meaning, intent) that found it."""
    with container.reading() as session:
        kb = _cache(request).get(session)
    hits = kb.search(q, lang, k, intent)
    return {"query": q, "lang": lang, "hits": [_hit(h) for h in hits]}
