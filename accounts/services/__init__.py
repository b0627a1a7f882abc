"""Writes for accounts: role-change audit, privacy requests (export, deletion)."""
