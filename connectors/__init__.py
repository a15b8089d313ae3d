"""Connectors: clients of other agencies' systems and their reference simulators.

One package per system (``civil_registry``, ``deeds_registry``, ``postal_code``,
``identity``, ``treasury``), each with ``connect(target, *, agency, …)`` returning an
async client whose methods return frozen dataclasses and raise only
:class:`ConnectorError`, and a ``simulator`` module with ``create_server``.
:mod:`connectors.simulators` runs any simulator by name; :mod:`connectors.synthetic`
gives the deterministic people, companies and addresses the simulators hold.
This package imports the generated bindings, grpc, structlog and the standard library:
nothing of ``hub``, ``aggregates`` or ``projections``.
"""

from connectors.errors import ConnectorError, FailureKind, FieldViolation

__all__ = ["ConnectorError", "FailureKind", "FieldViolation"]
