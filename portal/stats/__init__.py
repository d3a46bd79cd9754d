"""Public accountability figures, the operations room's wall screen and hotspots (未诉先办)."""
