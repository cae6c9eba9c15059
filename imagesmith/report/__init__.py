"""Report formatters: text, json, sarif, junit, github. Pure functions of results."""
