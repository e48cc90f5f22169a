"""The notes of each session: agreed by the DCS, shared with the Lead Member."""
