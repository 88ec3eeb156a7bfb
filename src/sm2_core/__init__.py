"""SM2 Dispatch domain core."""
