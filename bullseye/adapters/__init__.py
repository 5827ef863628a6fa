"""Adapters that map public data sets into the landing contract."""
