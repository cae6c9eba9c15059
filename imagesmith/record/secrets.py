"""Secret-looking files: left out of a recorded build folder unless the user asks for them."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

SECRET_NAMES: tuple[tuple[str, str], ...] = (
    (".netrc", "netrc credentials"),
    ("_netrc", "netrc credentials"),
    (".git-credentials", "git credentials"),
    (".pypirc", "PyPI credentials"),
    (".npmrc", "npm token"),
    (".dockercfg", "registry credentials"),
    ("id_rsa", "SSH private key"),
    ("id_dsa", "SSH private key"),
    ("id_ecdsa", "SSH private key"),
    ("id_ed25519", "SSH private key"),
    ("*.pem", "key or certificate"),
    ("*.key", "private key"),
    ("*.p12", "key store"),
    ("*.pfx", "key store"),
    ("*token*", "token file"),
    ("*secret*", "secret file"),
    ("*password*", "password file"),
    ("*credentials*", "credentials file"),
    (".env", "environment secrets"),
)
SECRET_DIRS: tuple[tuple[str, str], ...] = (
    ("*/.ssh/*", "SSH files"),
    ("*/.aws/*", "AWS credentials"),
    ("*/.docker/config.json", "registry credentials"),
    ("*/.kube/config", "Kubernetes credentials"),
    ("*/.gnupg/*", "GnuPG keys"),
)
SECRET_CONTENT = re.compile(
    rb"-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----"
    rb"|AKIA[0-9A-Z]{16}"
    rb"|gh[pousr]_[A-Za-z0-9]{30,}"
    rb"|xox[baprs]-[A-Za-z0-9-]{10,}"
)


def secret_reason(path: str, content: bytes | None = None) -> str | None:
    """Why `path` (with its content, when known) looks like a secret, or None."""
    name = PurePosixPath(path).name.lower()
    for pattern, reason in SECRET_NAMES:
        if fnmatchcase(name, pattern):
            return reason
    for pattern, reason in SECRET_DIRS:
        if fnmatchcase(path, pattern):
            return reason
    if content is not None and SECRET_CONTENT.search(content[:1_000_000]):
        return "contains a private key or token"
    return None
