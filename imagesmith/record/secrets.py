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


# Files that are credentials by their name or place alone, wherever a command made them (a
# package's tokenization_utils.py or cacert.pem is not one: wildcards apply only to files
# copied into the build folder, whose content is checked too).
_CREDENTIAL_FILES = frozenset(n for n, _ in SECRET_NAMES if "*" not in n)
_SYSTEM = ("/usr/", "/opt/conda/", "/etc/ssl/", "/etc/ca-certificates", "/var/lib/")


def made_credential(path: str) -> str | None:
    """Why a file a kept command made is a credential (strict: names and places only)."""
    if path.startswith(_SYSTEM) or "-packages/" in path:
        return None
    name = PurePosixPath(path).name.lower()
    if name in _CREDENTIAL_FILES:
        return dict(SECRET_NAMES)[name]
    for pattern, reason in SECRET_DIRS:
        if fnmatchcase(path, pattern) and not path.endswith((".pub", "known_hosts", "config.pub")):
            return reason
    return None


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


# Words of a variable name (split at `_`) that make it a credential: HF_TOKEN, WANDB_API_KEY,
# AWS_SECRET_ACCESS_KEY, DB_PASSWORD; not TOKENIZERS_PARALLELISM or KEYBOARD.
_SECRET_WORDS = frozenset({"TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIALS",
                           "CREDENTIAL", "APIKEY", "AUTH", "PASSPHRASE", "PASS", "PWD"})
_SECRET_NAMES = frozenset({"PGPASSWORD", "MYSQL_PWD", "REDISCLI_AUTH", "WANDB_KEY"})
# A variable that names where a secret lives is no secret: HF_TOKEN_PATH, PASSWD_FILE, SSH_AUTH_SOCK
_LOCATION_WORDS = frozenset({"FILE", "PATH", "DIR", "SOCK", "HOME", "STORE", "FOLDER", "LOCATION"})
_NOT_SECRETS = frozenset({"PWD", "OLDPWD", "NO_AUTH"})
_KEY_QUALIFIERS = frozenset({"API", "ACCESS", "PRIVATE", "SECRET", "SSH", "SIGNING", "ENCRYPTION",
                             "LICENSE", "LICENCE"})
SECRET_VALUE = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}"
    r"|\bgithub_pat_[A-Za-z0-9_]{40,}"
    r"|\bglpat-[A-Za-z0-9_-]{20,}"
    r"|\bhf_[A-Za-z0-9]{30,}"
    r"|\bsk-[A-Za-z0-9_-]{20,}"
    r"|\bxox[baprs]-[A-Za-z0-9-]{10,}"
    r"|\bAIza[0-9A-Za-z_-]{35}"
    r"|://[^/\s:@]*:[^/\s@]+@"  # a URL with a password in it (pip's --index-url, git remotes)
)


def secret_env_reason(name: str, value: str) -> str | None:
    """Why an exported variable looks like a credential, or None."""
    upper = name.upper()
    words = upper.split("_")
    if SECRET_VALUE.search(value):
        return "its value looks like a token, key or a URL with a password"
    if upper in _NOT_SECRETS or words[-1] in _LOCATION_WORDS or (len(words) > 1 and words[-2] in _LOCATION_WORDS):
        return None
    if upper in _SECRET_NAMES:
        return f"its name ({name}) says it holds a credential"
    if any(w in _SECRET_WORDS for w in words):
        return f"its name ({name}) says it holds a credential"
    if any(w == "KEY" and i > 0 and words[i - 1] in _KEY_QUALIFIERS for i, w in enumerate(words)):
        return f"its name ({name}) says it holds a key"
    if SECRET_VALUE.search(value):
        return "its value looks like a token, key or a URL with a password"
    return None
