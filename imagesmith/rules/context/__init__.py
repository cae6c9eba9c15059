"""IS1xx: the build folder (dockertmp) holds everything the build needs; no volumes at build."""
