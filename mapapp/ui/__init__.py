"""The visible parts of the page, one module each (layout + callbacks)."""
