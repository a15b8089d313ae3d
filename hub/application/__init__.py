"""Tabadol's use cases on primitives: catalogue, cases, exchanges, consultations, petitions."""
