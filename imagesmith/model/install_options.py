"""Package managers' command-line options, and how each manager's own parser splits argv.

Three parsers, each following the library the tool itself uses:

- pip: Python's `optparse` (pip/_internal/cli/cmdoptions.py, commands/install.py,
  uninstall.py): `--opt=v` / `--opt v`, unambiguous long-option prefixes (`--no-cache` is
  `--no-cache-dir`, `--force` is `--force-reinstall`), short clusters where a value option takes
  the rest of the cluster (`-qU`, `-rreqs.txt`, `-Ur reqs.txt`).
- conda/mamba: `argparse`, the same forms plus argparse's prefix matching.
- apt-get/apt/aptitude: apt-pkg's `CommandLine` (exact long names only, `--no-X` and
  `--X=no` for booleans, `-oX=Y`, `-o=X=Y`, clusters such as `-qy`).

The pip table is the union over pip releases 1.5-26 (options that were removed, such as
`--install-option` or `--build`, still appear in old Dockerfiles); extracted from pip's source
by reading every `Option(...)` and whether its action takes a value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Opt:
    """One option occurrence: its canonical name, its value (None for a flag), the words."""

    name: str  # canonical spelling, e.g. `--requirement`
    value: str | None
    words: tuple[str, ...]  # as written (`-r`, `reqs.txt`) or (`-rreqs.txt`,)


@dataclass(frozen=True)
class Split:
    options: tuple[Opt, ...]
    operands: tuple[str, ...]
    missing_value: str | None = None  # an option at the end that needed a value


class OptionTable:
    """Spellings -> (canonical name, takes a value)."""

    def __init__(self, groups: Iterable[tuple[str, bool]], *, prefixes: bool) -> None:
        self._by_name: dict[str, tuple[str, bool]] = {}
        for spellings, takes_value in groups:
            names = spellings.split()
            canonical = next((n for n in names if n.startswith("--")), names[0])
            for name in names:
                self._by_name[name] = (canonical, takes_value)
        self._prefixes = prefixes

    def lookup(self, name: str) -> tuple[str, bool] | None:
        if name in self._by_name:
            return self._by_name[name]
        if not self._prefixes or not name.startswith("--"):
            return None
        hits = {v for k, v in self._by_name.items() if k.startswith(name)}
        return hits.pop() if len(hits) == 1 else None  # ambiguous or unknown: not resolved


# (spellings, takes a value). Sources: pip's cmdoptions.py (general, index and install groups),
# commands/install.py and commands/uninstall.py, releases 1.5.6 to 26.x.
PIP_OPTIONS = OptionTable(
    [
        ("-h --help", False),
        ("--debug", False),
        ("--isolated", False),
        ("--require-virtualenv --require-venv", False),
        ("--break-system-packages", False),
        ("--python", True),
        ("-v --verbose", False),
        ("-V --version", False),
        ("-q --quiet", False),
        ("--no-color", False),
        ("--progress-bar", True),
        ("--log --log-file --local-log", True),
        ("--log-explicit-levels", False),
        ("--no-input", False),
        ("--keyring-provider", True),
        ("--proxy", True),
        ("--no-proxy-env", False),
        ("--retries", True),
        ("--resume-retries", True),
        ("--timeout --default-timeout", True),
        ("--exists-action", True),
        ("--trusted-host", True),
        ("--cert", True),
        ("--client-cert", True),
        ("--cache-dir", True),
        ("--no-cache-dir", False),
        ("--download-cache", True),
        ("--disable-pip-version-check", False),
        ("--no-python-version-warning", False),
        ("--use-feature", True),
        ("--use-deprecated", True),
        ("-i --index-url --pypi-url", True),
        ("--extra-index-url", True),
        ("--no-index", False),
        ("-f --find-links", True),
        ("--allow-external", True),
        ("--allow-all-external", False),
        ("--no-allow-external", False),
        ("--allow-unverified --allow-insecure", True),
        ("--no-allow-insecure", False),
        ("--process-dependency-links", False),
        ("-M --use-mirrors", False),
        ("--mirrors", True),
        ("-r --requirement", True),
        ("--requirements-from-script", True),
        ("-c --constraint", True),
        ("--build-constraint", True),
        ("-e --editable", True),
        ("--src --source --source-dir --source-directory", True),
        ("-b --build --build-dir --build-directory", True),
        ("-d --download --download-dir --download-directory", True),
        ("-t --target", True),
        ("--platform", True),
        ("--python-version", True),
        ("--implementation", True),
        ("--abi", True),
        ("--user", False),
        ("--no-user", False),
        ("--root", True),
        ("--prefix", True),
        ("-U --upgrade", False),
        ("--upgrade-strategy", True),
        ("--force-reinstall", False),
        ("-I --ignore-installed", False),
        ("--ignore-requires-python", False),
        ("--no-deps --no-dependencies", False),
        ("--only-deps --only-dependencies", False),
        ("--group", True),
        ("--no-build-isolation", False),
        ("--check-build-dependencies", False),
        ("--use-pep517", False),
        ("--no-use-pep517", False),
        ("-C --config-settings", True),
        ("--global-option", True),
        ("--install-option", True),
        ("--build-option", True),
        ("--no-clean", False),
        ("--pre", False),
        ("--all-releases", True),
        ("--only-final", True),
        ("--json", False),
        ("--root-user-action", True),
        ("--hash", True),
        ("--require-hashes", False),
        ("--no-require-hashes", False),
        ("--path", True),
        ("--exclude", True),
        ("--no-binary", True),
        ("--only-binary", True),
        ("--prefer-binary", False),
        ("--refresh-package", True),
        ("--uploaded-prior-to", True),
        ("--use-wheel", False),
        ("--no-use-wheel", False),
        ("-Z --always-unzip", False),
        ("--egg", False),
        ("--no-install", False),
        ("--no-download", False),
        ("--dry-run", False),
        ("--compile", False),
        ("--no-compile", False),
        ("--no-warn-script-location", False),
        ("--no-warn-conflicts", False),
        ("--report", True),
        ("--skip-requirements-regex", True),
        ("--default-vcs", True),
        ("-y --yes", False),
    ],
    prefixes=True,
)

# `uv pip install|uninstall` (clap: exact names only). From uv's `PipInstallArgs` and its
# shared index/resolver/installer/cache groups.
UV_PIP_OPTIONS = OptionTable(
    [
        ("-r --requirement --requirements", True),
        ("-c --constraint --constraints", True),
        ("--override --overrides", True),
        ("-b --build-constraint --build-constraints", True),
        ("-e --editable", True),
        ("--extra", True),
        ("--group", True),
        ("--all-extras", False),
        ("-U --upgrade", False),
        ("-P --upgrade-package", True),
        ("--reinstall --force-reinstall", False),
        ("--reinstall-package", True),
        ("--no-deps", False),
        ("-i --index-url", True),
        ("--extra-index-url", True),
        ("--index", True),
        ("--default-index", True),
        ("--no-index", False),
        ("-f --find-links", True),
        ("--index-strategy", True),
        ("--keyring-provider", True),
        ("--prerelease", True),
        ("--pre", False),
        ("--resolution", True),
        ("--exclude-newer", True),
        ("--no-build-isolation", False),
        ("--no-build-isolation-package", True),
        ("-C --config-setting --config-settings", True),
        ("--no-build", False),
        ("--no-binary", True),
        ("--only-binary", True),
        ("-p --python", True),
        ("--system", False),
        ("--break-system-packages", False),
        ("--target", True),
        ("--prefix", True),
        ("--python-version", True),
        ("--python-platform", True),
        ("--torch-backend", True),
        ("--link-mode", True),
        ("--compile-bytecode --compile", False),
        ("--strict", False),
        ("--dry-run", False),
        ("-n --no-cache", False),
        ("--cache-dir", True),
        ("--refresh", False),
        ("--refresh-package", True),
        ("--directory", True),
        ("--project", True),
        ("--config-file", True),
        ("--no-config", False),
        ("--color", True),
        ("--allow-insecure-host --trusted-host", True),
        ("--native-tls", False),
        ("--offline", False),
        ("--no-progress", False),
        ("-q --quiet", False),
        ("-v --verbose", False),
        ("--user", False),
    ],
    prefixes=False,
)

# conda/mamba install, create, update, remove (conda/cli/helpers.py and the main_* parsers);
# micromamba's `-f/--file`, `-r/--root-prefix`, `--rc-file`, `--channel-priority VALUE`.
_CONDA_GROUPS = [
        ("-h --help", False),
        ("-n --name", True),
        ("-p --prefix", True),
        ("-c --channel", True),
        ("--use-local", False),
        ("--override-channels", False),
        ("--repodata-fn", True),
        ("--experimental", True),
        ("--no-lock", False),
        ("--repodata-use-zst", False),
        ("--no-repodata-use-zst", False),
        ("--strict-channel-priority", False),
        ("--no-channel-priority", False),
        ("--no-deps", False),
        ("--only-deps", False),
        ("--no-pin", False),
        ("--freeze-installed --no-update-deps", False),
        ("--update-deps", False),
        ("-S --satisfied-skip-solve", False),
        ("--update-all --all", False),
        ("--update-specs", False),
        ("--prune", False),
        ("--solver", True),
        ("--experimental-solver", True),
        ("-C --use-index-cache", False),
        ("-k --insecure", False),
        ("--offline", False),
        ("--json", False),
        ("--console", True),
        ("-v --verbose", False),
        ("--debug", False),
        ("--trace", False),
        ("-q --quiet", False),
        ("-d --dry-run", False),
        ("-y --yes", False),
        ("--download-only", False),
        ("--show-channel-urls", False),
        ("--no-show-channel-urls", False),
        ("--force-pscheck", False),
        ("--unknown", False),
        ("--file", True),
        ("--force", False),
        ("--copy", False),
        ("-m --mkdir", False),
        ("--clobber", False),
        ("--shortcuts", False),
        ("--no-shortcuts", False),
        ("--shortcuts-only", True),
        ("--clone", True),
        ("--no-default-packages", False),
        ("--subdir --platform", True),
        ("--dev", False),
        ("--override-frozen", False),
        ("--environment-specifier --env-spec", True),
        ("--all-dependencies --features", False),  # remove
        ("--keep-env", False),
        ("-r --root-prefix", True),  # micromamba
        ("--rc-file", True),
        ("--channel-priority", True),
]
CONDA_OPTIONS = OptionTable([*_CONDA_GROUPS, ("-f", False)], prefixes=True)  # conda: -f is --force
# micromamba, mamba 2 and `conda env create|update`: `-f` is --file
MAMBA_OPTIONS = OptionTable([*_CONDA_GROUPS, ("-f --file", True)], prefixes=True)

# apt-get / apt (apt-private/private-cmndline.cc); `q` also takes an optional `=N`.
APT_OPTIONS = OptionTable(
    [
        ("-o --option", True),
        ("-c --config-file", True),
        ("-t --target-release --default-release", True),
        ("-a --host-architecture", True),
        ("-P --build-profiles", True),
        ("--solver", True),
        ("--planner", True),
        ("--comment", True),
        ("-S --snapshot", True),
        ("-y --yes --assume-yes", False),
        ("--assume-no", False),
        ("-q --quiet --silent", False),
        ("-s --simulate --just-print --dry-run --recon --no-act", False),
        ("-d --download-only", False),
        ("-f --fix-broken", False),
        ("-m --ignore-missing --fix-missing", False),
        ("-u --show-upgraded", False),
        ("-V --verbose-versions", False),
        ("-b --compile --build", False),
        ("-h --help", False),
        ("-v --version", False),
        ("--no-download", False),
        ("--install-recommends", False),
        ("--install-suggests", False),
        ("--reinstall", False),
        ("--purge", False),
        ("--auto-remove --autoremove", False),
        ("--allow-unauthenticated", False),
        ("--allow-downgrades", False),
        ("--allow-remove-essential", False),
        ("--allow-change-held-packages", False),
        ("--allow-insecure-repositories", False),
        ("--allow-releaseinfo-change", False),
        ("--force-yes", False),
        ("--print-uris", False),
        ("--list-cleanup", False),
        ("--trivial-only", False),
        ("--remove", False),
        ("--only-upgrade", False),
        ("--upgrade", False),
        ("--ignore-hold", False),
        ("--with-new-pkgs", False),
        ("--fix-policy", False),
        ("--arch-only", False),
        ("--indep-only", False),
        ("--only-source", False),
        ("--diff-only", False),
        ("--dsc-only", False),
        ("--tar-only", False),
        ("--mark-auto", False),
        ("--update", False),
        ("--show-progress", False),
        ("--with-source", True),
        ("--color", False),
        # aptitude
        ("-r --with-recommends", False),
        ("-R --without-recommends", False),
        ("-D --show-deps", False),
        ("-Z", False),
        ("-F --display-format", True),
        ("-w --width", True),
        ("--sort", True),
        ("-O", True),
    ],
    prefixes=False,
)
APT_NEGATABLE = "--no-"  # apt-pkg accepts `--no-X` for every boolean long option


def split_argv(
    args: Iterable[str],
    table: OptionTable,
    *,
    interspersed: bool = True,
    negatable: bool = False,
    eq_in_cluster: bool = False,
) -> Split:
    """Split like optparse/argparse (or apt-pkg with `negatable`/`eq_in_cluster`) with `table`;
    unknown options are kept as flags.

    `interspersed=False` stops at the first operand (pip's top-level parser, which hands the
    rest to the subcommand). `negatable`: `--no-X` is `--X=no` (apt). `eq_in_cluster`: `-q=2`
    gives `-q` the value 2 (apt's short options)."""
    words = list(args)
    options: list[Opt] = []
    operands: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            operands.extend(words[i:])
            break
        if word.startswith("--"):
            name, eq, attached = word.partition("=")
            hit = table.lookup(name)
            if hit is None and negatable and name.startswith(APT_NEGATABLE):
                positive = table.lookup("--" + name[len(APT_NEGATABLE):])
                if positive is not None and not positive[1]:
                    options.append(Opt(positive[0], "no", (word,)))
                    continue
            canonical, takes_value = hit if hit else (name, False)
            if takes_value and not eq:
                if i >= len(words):
                    return Split(tuple(options), tuple(operands), canonical)
                options.append(Opt(canonical, words[i], (word, words[i])))
                i += 1
            else:
                options.append(Opt(canonical, attached if eq else None, (word,)))
            continue
        if word.startswith("-") and len(word) > 1:
            cluster = word[1:]
            for k, char in enumerate(cluster):
                hit = table.lookup("-" + char)
                canonical, takes_value = hit if hit else ("-" + char, False)
                rest = cluster[k + 1:]
                own = (word,) if k == 0 else ()  # the cluster's word goes with its first option
                if not takes_value:
                    if eq_in_cluster and rest.startswith("="):
                        options.append(Opt(canonical, rest[1:], own))
                        break
                    options.append(Opt(canonical, None, own))
                    continue
                if rest:
                    value = rest[1:] if eq_in_cluster and rest.startswith("=") else rest
                    options.append(Opt(canonical, value, own))
                elif i < len(words):
                    options.append(Opt(canonical, words[i], own + (words[i],)))
                    i += 1
                else:
                    return Split(tuple(options), tuple(operands), canonical)
                break
            continue
        operands.append(word)
        if not interspersed:
            operands.extend(words[i:])
            break
    return Split(tuple(options), tuple(operands))


def option_words(split: Split) -> tuple[str, ...]:
    """The option words as written, in order (values included), e.g. for re-emitting them."""
    return tuple(w for opt in split.options for w in opt.words)
