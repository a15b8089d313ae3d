"""Read models of the hub's event log: one module per view, no transport in sight.

The monitoring views (national-window feed, case status, agency KPIs and open data) are
SQL views on eventsourcing tracking recorders, in SQLite or PostgreSQL; the consultation
views (report, participation table, citizen score) are in-memory projections.
"""
