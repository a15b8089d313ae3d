"""Tabadol (تبادل): the integration hub — composition root, signed ledger, use cases, gRPC and HTTP edges, CLI."""
