"""``tabadol demo``: the reference story, run through the real gRPC API (only the CLI imports it)."""
