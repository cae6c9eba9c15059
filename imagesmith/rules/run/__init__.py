"""IS6xx: RUN commands that break or hang the admins' non-interactive build."""
