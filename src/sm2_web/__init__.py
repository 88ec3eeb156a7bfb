"""SM2 Dispatch."""
