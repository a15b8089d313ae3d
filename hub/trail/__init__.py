"""What an auditor runs offline: envelopes, the Merkle tree, signed notes, key history, the trail and bundle verifiers."""
