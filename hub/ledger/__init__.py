"""The eventsourcing adapter: the signing mapper, the writer thread, and the log reader."""
