"""The demo site's content, accounts and media: `make run` seeds it (dev and test settings
only; never installed in production)."""
