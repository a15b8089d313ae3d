"""The gRPC edge: one servicer per service (each registered by ``register(server, edge)``), the interceptors and the one error table."""
