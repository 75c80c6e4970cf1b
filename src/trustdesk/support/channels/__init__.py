"""Support channels beyond mail-in: the Telegram webhook and the web form (pure parsing and
validation into the core's ``InboundMessage``), and the mail outbox that sends agents' and
the bot's replies to e-mail and web-form customers.

The web routes live in ``trustdesk.web.telegram`` and ``trustdesk.web.webform``; ``trustdesk
serve`` runs the outbox dispatcher (``trustdesk.cli.channels``).
"""
