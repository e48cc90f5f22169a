"""The coordinators' tools: deliveries to retry or cancel, exports."""
