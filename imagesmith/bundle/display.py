"""Bundle text made safe to show: the one implementation lives in core.display (lint's text
output uses it too)."""

from imagesmith.core.display import for_page, for_terminal, map_strings, without_surrogates

__all__ = ["for_page", "for_terminal", "map_strings", "without_surrogates"]
