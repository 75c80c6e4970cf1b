"""Support: customers (one identity across channels), tickets, messages, the timeline.

Every channel (e-mail, in-app chat, web form, Telegram) hands its messages to one entry
point, ``SupportDesk.intake`` (``Container.support_intake`` runs it in its own
transaction, idempotently); agents and the bot work tickets through the same desk.
"""
