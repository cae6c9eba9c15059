"""IS2xx: every FROM is a cluster catalog image (or an earlier stage), pinned and resolvable."""
