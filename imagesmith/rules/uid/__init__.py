"""IS5xx: jobs run as a non-root uid without a passwd entry."""
