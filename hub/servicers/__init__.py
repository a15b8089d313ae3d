"""hub/servicers."""
