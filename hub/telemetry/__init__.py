"""What the hub tells its operators: Prometheus metrics, health and operational records.

Importable from every layer (it imports nothing of ``hub``): a room reports what it does
through the small functions of :mod:`hub.telemetry.metrics` (``RpcMetrics``,
``observe_write_batch``, ``track_writer_queue``, ``observe_exchange``, ...) and the health of
what it owns through a :class:`~hub.telemetry.health.Health`.
"""
