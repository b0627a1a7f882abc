"""Reads for accounts: who must use a second factor, what we hold about a person."""
