"""The stored log as a Merkle tree: checkpoint store, checkpointer, exports and evidence bundles."""
