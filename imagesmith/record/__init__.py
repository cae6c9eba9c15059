"""Session recording: the journal, the bash hook, package snapshots, file-change capture,
the journal-to-Dockerfile generator and the image/container comparison."""
