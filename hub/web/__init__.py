"""The hub's HTTP edge, on one port beside gRPC (``TABADOL_HTTP_LISTEN``).

- :func:`hub.web.app.create_http_app` builds the Starlette app: ``/metrics``
  (Prometheus text format), ``/healthz`` (the process answers) and ``/readyz`` (200 when
  every health check passes, 503 with the failing checks otherwise).
- :class:`hub.web.server.HttpServer` serves it with uvicorn *inside the hub's own event
  loop*, as one more task beside the gRPC server.

Adding pages (the dashboard, the log's tiles): give ``create_http_app`` your routes::

    from starlette.routing import Mount, Route
    app = create_http_app(health=health, extra_routes=[
        Mount("/dashboard", routes=dashboard_routes()),   # hub/web/dashboard/
        Route("/tile/{level:int}/{index:path}", tile),    # hub/web/tiles.py
    ])

and in ``hub/bootstrap.py`` pass them to ``start_http(running, settings, extra_routes=...)``.
Handlers run on the hub's loop: never block it (read the store with
``asyncio.to_thread`` or the executor). The built-in paths above come first and cannot be
shadowed.
"""
