"""trustdesk: a self-hosted trust and support desk for self-custody wallets."""

__version__ = "0.1.0"
