"""E-mail in and out for the support desk.

``parse`` turns raw RFC 5322 bytes into a ``ParsedMail`` (pure); ``listener`` (SMTP, aiosmtpd)
and ``imap`` (polling) hand raw bytes to an ``accept`` callable; ``intake`` is that callable:
parse, deliver to the support core, and quarantine (``store``) whatever cannot be taken in;
``outbound`` composes and sends replies.
"""
