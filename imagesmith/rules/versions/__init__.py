"""IS3xx: version ENV variables tell the truth about what the image contains (guide step 5)."""
