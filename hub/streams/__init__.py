"""Relay to NATS JetStream and the projection runners and workers: the only importers of nats."""
