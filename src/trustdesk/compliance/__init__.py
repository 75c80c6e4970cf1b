"""Compliance: sanctions lists and name screening, KYC, jurisdiction packs, data rights."""
