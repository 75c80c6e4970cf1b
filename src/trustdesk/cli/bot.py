"""trustdesk bot train | eval | ask | reply | sweep: the bot's intent model, from data to
answers, and the bot tier of the support desk."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from trustdesk.bootstrap import build_container
from trustdesk.bot.desk_bot import BotRuntime, Knowledge
from trustdesk.bot.intent_service import build_intent_model, card_summary, evaluate_file
from trustdesk.bot.intent_training import CONFIGS, with_target
from trustdesk.bot.intents import IntentModel
from trustdesk.bot.kb import KnowledgeBase
from trustdesk.bot.language import detect_language
from trustdesk.bot.phishing import PhishingChecker
from trustdesk.bot.responder import Conversation, Reply, respond
from trustdesk.cli._context import console, container, fail, out
from trustdesk.core.errors import DomainError
from trustdesk.db.migrate import SchemaNotReady, require_current_schema
from trustdesk.settings import Settings

app = typer.Typer(
    help="The support bot: train and evaluate its intent model, try a message, sweep tickets."
)
app.info.no_args_is_help = True


class ConfigName(StrEnum):
    small = "small"
    classic = "classic"
    full = "full"


JsonOption = Annotated[bool, typer.Option("--json", help="print JSON")]
ModelDirOption = Annotated[
    Path | None, typer.Option("--model-dir", help="default: TRUSTDESK_BOT_MODEL_DIR")
]
VersionOption = Annotated[
    str | None, typer.Option("--version", help="a model version; default: the newest")
]


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise fail(f"configuration error: {where}: {first['msg']}") from None


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False))


@app.command("train")
def train(
    data: Annotated[
        Path | None, typer.Option(help="Banking77 folder (train.csv, test.csv)")
    ] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="model directory")] = None,
    config: Annotated[
        ConfigName, typer.Option(help="small: seconds, for tests; classic: TF-IDF; full: best")
    ] = ConfigName.full,
    target_precision: Annotated[
        float | None, typer.Option(help="precision the answered messages must keep")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Train a new model version, calibrate its hand-off threshold and save it."""
    settings = _settings()
    data_dir = data or settings.bot_data_dir
    target = out_dir or settings.bot_model_dir
    try:
        chosen = with_target(CONFIGS[config.value], target_precision)
        console.print(f"training intent model (config {chosen.name}) from {data_dir} …")
        _, card = build_intent_model(data_dir, target, chosen, datetime.now(UTC))
    except DomainError as exc:
        raise fail(exc.message) from None
    if as_json:
        _echo_json(card_summary(card))
        return
    validation = card.metrics["validation"]
    out.print(f"model {card.version} saved in {target} ({card.training_seconds:.1f} s)")
    out.print(
        f"threshold {card.threshold:.4f}: answered precision "
        f"{validation['answered_precision']:.2%}, hand-off {validation['handoff_rate']:.2%} "
        "(validation split)"
    )
    for name in ("banking77_test", "wallet_test"):
        if name in card.metrics:
            m = card.metrics[name]
            out.print(f"{name}: accuracy {m['accuracy']:.2%}, macro-F1 {m['macro_f1']:.2%}")


@app.command("eval")
def eval_command(
    dataset: Annotated[Path, typer.Option(help="CSV with text,category columns")],
    model_dir: ModelDirOption = None,
    version: VersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accuracy, macro-F1 and per-message latency of a model on a labelled CSV."""
    settings = _settings()
    try:
        model = IntentModel.load(
            model_dir or settings.bot_model_dir, version or settings.bot_model_version
        )
        report = evaluate_file(model, dataset)
    except DomainError as exc:
        raise fail(exc.message) from None
    if as_json:
        _echo_json(report.as_dict())
        return
    out.print(
        f"model {report.model_version}: accuracy {report.accuracy:.2%}, macro-F1 "
        f"{report.macro_f1:.2%}, n={report.n}; latency p50 {report.p50_ms} ms, "
        f"p99 {report.p99_ms} ms; hand-off {report.handoff_rate:.2%}"
    )


@app.command("ask")
def ask(
    text: Annotated[str, typer.Argument(help="a customer message")],
    model_dir: ModelDirOption = None,
    version: VersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Language and intent of one message, and whether it goes to a person."""
    settings = _settings()
    try:
        model = IntentModel.load(
            model_dir or settings.bot_model_dir, version or settings.bot_model_version
        )
    except DomainError as exc:
        raise fail(exc.message) from None
    language = detect_language(text)
    prediction = model.predict(text)
    result = {
        "language": language.code,
        "language_confidence": language.confidence,
        "intent": prediction.intent,
        "confidence": round(prediction.confidence, 6),
        "handoff": prediction.handoff,
        "handoff_reason": prediction.handoff_reason,
    }
    if as_json:
        _echo_json(result)
        return
    out.print(" ".join(f"{k}={v}" for k, v in result.items()))


@app.command("reply")
def reply_command(
    text: Annotated[str, typer.Argument(help="a customer message")],
    lang: Annotated[
        str | None, typer.Option("--lang", help="the customer's language (default: detected)")
    ] = None,
    chain: Annotated[
        str | None, typer.Option(help="the chain when the message names none (e.g. ethereum)")
    ] = None,
    rpc: Annotated[
        str | None, typer.Option(help="JSON-RPC URL of an EVM node; default TRUSTDESK_ETH_RPC_URL")
    ] = None,
    model_dir: ModelDirOption = None,
    version: VersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """What the bot answers to one message, or where it hands it off: language, intent,
    confidence, the answer (or the hand-off queue and notice) and any chain diagnosis."""
    settings = _settings()
    url = rpc or (settings.eth_rpc_url.get_secret_value() if settings.eth_rpc_url else None)
    runtime = BotRuntime(
        model_dir or settings.bot_model_dir, version or settings.bot_model_version, url or None
    )
    try:
        runtime.model()
        knowledge = _knowledge(settings, runtime)
        with runtime.ports(knowledge) as ports:
            reply = respond(text, ports, Conversation(chain=chain), language=lang)
    except DomainError as exc:
        raise fail(f"{exc.message} [{exc.code}]") from None
    if as_json:
        _echo_json(reply.to_dict())
        return
    _print_reply(reply)


def _knowledge(settings: Settings, runtime: BotRuntime) -> Knowledge:
    """Articles and phishing lists from the database; the shipped articles alone (said on
    stderr) where it has no current schema, so a model can be tried before a desk is set up."""
    c = build_container(settings)
    try:
        require_current_schema(c.engine)
        with c.reading() as session:
            return runtime.knowledge(session, c.clock.now)
    except SchemaNotReady as exc:
        console.print(f"note: {exc.message}; using the shipped articles and no phishing lists")
        return Knowledge(KnowledgeBase.load(), PhishingChecker())
    finally:
        c.close()


def _print_reply(reply: Reply) -> None:
    out.print(
        f"language={reply.language} intent={reply.intent} confidence={reply.confidence:.4f}",
        highlight=False,
    )
    if reply.handoff is not None:
        out.print(f"handoff={reply.handoff.queue} ({reply.handoff.reason})", highlight=False)
    if reply.diagnosis is not None:
        out.print(f"findings={','.join(reply.findings)}", highlight=False)
    out.print(reply.answer, highlight=False, soft_wrap=True)


@app.command("sweep")
def sweep_command(as_json: JsonOption = False) -> None:
    """Run the bot on every bot-tier ticket whose latest customer message it has not
    answered (mail that came while it was down). Exit 1 when a ticket failed."""
    with container() as c:
        report = c.bot_sweep()
    result = report.to_json()
    if as_json:
        _echo_json(result)
    else:
        out.print(
            f"replied {len(result['replied'])}, handed off {len(result['handed_off'])}, "
            f"failed {len(result['failed'])}",
            highlight=False,
        )
    if report.failed:
        raise typer.Exit(1)
