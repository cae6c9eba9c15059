"""The one reading of version strings: Debian/dpkg, pip (PEP 440), CUDA short forms, pip names.

- Debian: `DebianVersion` parses `[epoch:]upstream[-revision]` and orders versions exactly as
  dpkg does (lib/dpkg/version.c: `parseversion`, `verrevcmp`); `upstream()` drops epoch and
  revision.
- pip: `try_parse` / `parse` are `packaging.version.Version`; `try_parse` never raises (garbage,
  or digit runs past Python's int limit, give None). `local_cuda` reads `+cu113` as CUDA 11.3.
- CUDA: `cuda_major_minor` reads `9.0.176`, `cuda10.1`, `10-1`, `V11.8.89`, `cu113` as X.Y.
- names: `canonical_name` is PEP 503 (`packaging.utils.canonicalize_name`).
- `same_release(claim, actual)`: whether an ENV claim names the installed version (the rule is
  in its docstring). `compare_numeric` is the dotted-number order of NVIDIA_REQUIRE_* values.

Whatever cannot be read is None (unknown), never a default; `parse`/`major_minor` raise
UserInputError for callers that need a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.utils import canonicalize_name
from packaging.version import Version

from imagesmith.core.errors import UserInputError

# -- pip / PEP 440 -------------------------------------------------------------------------


def try_parse(text: str | None) -> Version | None:
    """A PEP 440 version, or None for anything else (never raises)."""
    if not text:
        return None
    try:
        return Version(text.strip())
    except ValueError:  # InvalidVersion, and int()'s digit limit on very long numbers
        return None


def parse(text: str) -> Version:
    version = try_parse(text)
    if version is None:
        raise UserInputError(f"not a version: {text[:80]!r}", hint="write e.g. 1.8.0 or 1.8.0+cu111")
    return version


def canonical_name(name: str) -> str:
    """PEP 503 project name: `Tensorflow_GPU` -> `tensorflow-gpu`."""
    return str(canonicalize_name(name))


def cuda_from_digits(digits: str) -> str:
    """The X.Y of wheel tags and package names: `90` -> 9.0, `118` -> 11.8, `8` -> 8.0."""
    return f"{digits[:-1]}.{digits[-1]}" if len(digits) > 1 else f"{digits}.0"


_CU_TAG = re.compile(r"cu(\d{2,3})")


def local_cuda(text: str) -> str | None:
    """CUDA X.Y of a CUDA wheel tag: `1.8.0+cu113` / `+cu113` / `cu113` -> 11.3; `+cpu` -> None."""
    m = _CU_TAG.fullmatch(text.strip().rpartition("+")[2].lower())
    return cuda_from_digits(m.group(1)) if m else None


# -- CUDA short forms ------------------------------------------------------------------------

_CUDA_FORM = re.compile(r"(?:v|cuda[-_ ]?)?(\d+)(?:[.-](\d+))?(?:[.-]\d+)*", re.IGNORECASE)


def cuda_major_minor(text: str | None) -> str | None:
    """X.Y of `9.0.176`, `9`, `cuda10.1`, `10-1` (apt suffix), `V11.8.89` (nvcc), `cu113`;
    also driver (`470.82.01` -> 470.82), compute capability and PEP 440 (`2.4.0rc0` -> 2.4)
    strings. None if unreadable."""
    if not text:
        return None
    text = text.strip()
    bare = text.lstrip("+").lower()
    tagged = local_cuda(bare) if bare.startswith("cu") and "." not in bare else None
    if tagged:
        return tagged
    m = _CUDA_FORM.fullmatch(text)
    if m:
        short = f"{m.group(1)}.{m.group(2) or '0'}"
    else:  # any PEP 440 version: `2.4.0rc0` -> 2.4, `1.8.0+cu111` -> 1.8
        parsed = try_parse(text)
        if parsed is None:
            return None
        short = f"{parsed.major}.{parsed.minor}"
    return short if try_parse(short) is not None else None


def major_minor(text: str) -> str:
    """`cuda_major_minor` for callers that need a value: unreadable input is a UserInputError."""
    short = cuda_major_minor(text)
    if short is None:
        raise UserInputError(f"not a CUDA/driver version: {text[:80]!r}", hint="write e.g. 10.1")
    return short


def cuda_variant(cuda: str | None) -> str | None:
    """The wheel tag of a CUDA version: `9.0` -> cu90, `11.8.89` -> cu118."""
    short = cuda_major_minor(cuda)
    return "cu" + short.replace(".", "") if short else None


# -- Debian / dpkg ---------------------------------------------------------------------------

_INT_MAX = 2**31 - 1  # dpkg keeps the epoch in an int
_DIGITS = frozenset("0123456789")
_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True, eq=False)
class DebianVersion:
    """`[epoch:]upstream[-revision]`; ==, < ... follow dpkg's order, not the text."""

    epoch: int
    upstream: str
    revision: str = ""

    @classmethod
    def parse(cls, text: str, strict: bool = True) -> DebianVersion:
        """Parse as dpkg's `parseversion`. dpkg only warns about a version that does not start
        with a digit or holds characters outside [A-Za-z0-9.+~-:]; strict rejects those too."""
        problem, version = _parse_debian(text, strict)
        if version is None:
            raise UserInputError(f"not a Debian version: {text[:80]!r}: {problem}")
        return version

    def compare(self, other: DebianVersion) -> int:
        """<0, 0, >0 as `dpkg --compare-versions`."""
        if self.epoch != other.epoch:
            return -1 if self.epoch < other.epoch else 1
        return _verrevcmp(self.upstream, other.upstream) or _verrevcmp(self.revision, other.revision)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DebianVersion) and self.compare(other) == 0

    def __hash__(self) -> int:
        return hash((self.epoch, _order_key(self.upstream), _order_key(self.revision)))

    def __lt__(self, other: DebianVersion) -> bool:
        return self.compare(other) < 0

    def __le__(self, other: DebianVersion) -> bool:
        return self.compare(other) <= 0

    def __gt__(self, other: DebianVersion) -> bool:
        return self.compare(other) > 0

    def __ge__(self, other: DebianVersion) -> bool:
        return self.compare(other) >= 0

    def __str__(self) -> str:
        epoch = f"{self.epoch}:" if self.epoch else ""
        revision = f"-{self.revision}" if self.revision else ""
        return f"{epoch}{self.upstream}{revision}"


def _parse_debian(text: str, strict: bool) -> tuple[str, DebianVersion | None]:
    """(problem, version): the version, or None and dpkg's words for what is wrong."""
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        return "version string is empty", None
    if any(c.isspace() for c in text):
        return "version string has embedded spaces", None
    epoch = 0
    head, colon, rest = text.partition(":")
    if colon:
        m = re.fullmatch(r"([+-]?)(\d*)", head)
        if not m or not m.group(2):  # strtol() read no digits: "empty"; digits then junk: "not number"
            empty = re.match(r"[+-]?\d", head) is None
            return ("epoch in version is empty" if empty else "epoch in version is not number"), None
        digits = m.group(2).lstrip("0") or "0"
        if m.group(1) == "-" and digits != "0":
            return "epoch in version is negative", None
        if len(digits) > 10 or int(digits) > _INT_MAX:
            return "epoch in version is too big", None
        if not rest:
            return "nothing after colon in version number", None
        epoch, text = int(digits), rest
    upstream, hyphen, revision = text.rpartition("-")
    if not hyphen:
        upstream, revision = text, ""
    elif not revision:
        return "revision number is empty", None
    if not upstream:
        return "version number is empty", None
    if strict:
        if upstream[0] not in _DIGITS:
            return "version number does not start with digit", None
        allowed = _DIGITS | _ALPHA
        if any(c not in allowed and c not in ".-+~:" for c in upstream):
            return "invalid character in version number", None
        if any(c not in allowed and c not in ".+~" for c in revision):
            return "invalid character in revision number", None
    return "", DebianVersion(epoch, upstream, revision)


def _order(c: str) -> int:
    """dpkg's weight of a non-digit: `~` sorts before the end, letters before other marks."""
    if c in _DIGITS:
        return 0
    if c in _ALPHA:
        return ord(c)
    if c == "~":
        return -1
    return ord(c) + 256 if c else 0


def _verrevcmp(a: str, b: str) -> int:
    """dpkg's comparison of an upstream version or a revision: alternating non-digit runs
    (by `_order`) and digit runs (by numeric value, so no int() limit applies)."""
    i = j = 0
    while i < len(a) or j < len(b):
        while (i < len(a) and a[i] not in _DIGITS) or (j < len(b) and b[j] not in _DIGITS):
            ac = _order(a[i]) if i < len(a) else 0
            bc = _order(b[j]) if j < len(b) else 0
            if ac != bc:
                return ac - bc
            i, j = i + 1, j + 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        first_diff = 0
        while i < len(a) and j < len(b) and a[i] in _DIGITS and b[j] in _DIGITS:
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i, j = i + 1, j + 1
        if i < len(a) and a[i] in _DIGITS:
            return 1
        if j < len(b) and b[j] in _DIGITS:
            return -1
        if first_diff:
            return first_diff
    return 0


def _order_key(part: str) -> tuple[tuple[tuple[int, ...], str], ...]:
    """A key equal for exactly the strings `_verrevcmp` calls equal: its (non-digit run, digit
    run) pairs with leading zeros dropped, less trailing pairs that compare as nothing."""
    pairs = [(tuple(map(_order, text)), digits.lstrip("0"))
             for text, digits in re.findall(r"(\D*)(\d*)", part)]
    while pairs and pairs[-1] == ((), ""):
        pairs.pop()
    return tuple(pairs)


def try_parse_debian(text: str | None, strict: bool = True) -> DebianVersion | None:
    if text is None:
        return None
    return _parse_debian(text, strict)[1]


def compare_debian(a: str, b: str) -> int:
    """-1, 0, 1 as `dpkg --compare-versions a lt|eq|gt b`; UserInputError where dpkg errors."""
    cmp = DebianVersion.parse(a, strict=False).compare(DebianVersion.parse(b, strict=False))
    return (cmp > 0) - (cmp < 0)


def upstream(version: str) -> str | None:
    """dpkg's upstream part: `1:7.1.2.21-1+cuda9.0` -> `7.1.2.21`, `2.7.17-1~18.04` -> `2.7.17`;
    None when the text is no Debian version."""
    parsed = try_parse_debian(version, strict=False)
    return parsed.upstream if parsed else None


# -- comparing claims with installed versions -----------------------------------------------

_RELEASE = re.compile(r"(\d+(?:\.\d+)*)(.*)", re.DOTALL)


@dataclass(frozen=True)
class Release:
    """The release numbers of a version (leading zeros dropped, kept as text: no int limit) and
    its pre-release marker (None for a final release)."""

    numbers: tuple[str, ...]
    marker: str | None


def release(text: str | None) -> Release | None:
    """`1:7.1.2.21-1+cuda9.0` -> 7.1.2.21; `1.8.0+cu90` -> 1.8.0; `2.0.0rc1` and `2.0.0~rc1`
    -> 2.0.0 marked rc1; `2.3.2.post111` -> 2.3.2 (a post-release is the same release).
    Dropped: a leading v, the epoch, everything from the first `+` (pip local part, Debian
    `+cuda9.0`/`+dfsg`), and the Debian revision after the last `-`. None: no leading number."""
    if not text:
        return None
    core = text.strip().lstrip("vV")
    core = re.sub(r"^\d+:", "", core).split("+", 1)[0]
    if "-" in core:
        core = core.rpartition("-")[0]
    m = _RELEASE.fullmatch(core)
    if not m:
        return None
    numbers = tuple(n.lstrip("0") or "0" for n in m.group(1).split("."))
    tail = m.group(2).lstrip(".~_-").lower()
    marker: str | None = tail or None
    pep440 = try_parse(f"0{tail}") if tail else None
    if pep440 is not None:  # rc1 / alpha1 / c1 / dev0 / post1 spelled any PEP 440 way
        pre = "".join(map(str, pep440.pre or ())) + (f".dev{pep440.dev}" if pep440.dev is not None else "")
        marker = pre or None
    return Release(numbers, marker)


def same_release(claim: str | None, actual: str | None) -> bool | None:
    """Whether `claim` (an ENV value) names the `actual` installed version; None when either is
    no version (unknown, never a match).

    The rule: compare the release numbers both give (the shorter prefix: `9.0` names 9.0.176,
    `8` names 8.0.61, `1.0.0` does not name 1.0.1), ignoring epoch, Debian revision and local
    part. A pre-release marker counts where the side that has it is as precise as the other
    or more: `2.0.0` does not name 2.0.0rc1, `2.0rc1` does not name 2.0.0, `2.0` names 2.0.0rc1.
    """
    a, b = release(claim), release(actual)
    if a is None or b is None:
        return None
    n = min(len(a.numbers), len(b.numbers))
    if a.numbers[:n] != b.numbers[:n]:
        return False
    for side, other in ((a, b), (b, a)):
        mine, theirs = (side.marker, len(side.numbers)), (other.marker, len(other.numbers))
        if side.marker is not None and mine[1] <= theirs[1] and mine != theirs:
            return False
    return True


# -- NVIDIA_REQUIRE_* values ----------------------------------------------------------------

_UINTMAX = 2**64 - 1  # libnvidia-container's strtoumax() bound


def compare_numeric(a: str, b: str) -> int | None:
    """-1/0/1 of two dotted numbers as libnvidia-container's `dsl_compare_version` orders them
    (per component, missing components are 0: `10.1` == `10.1.0`); None for anything with
    other characters, no leading digit, or a component it rejects as too large."""
    parts = []
    for text in (a.strip(), b.strip()):
        if not re.fullmatch(r"\d[\d.]*", text):
            return None
        nums = [n.lstrip("0") or "0" for n in text.split(".") if n]
        if any(len(n) > 20 or int(n) >= _UINTMAX for n in nums):
            return None
        parts.append([int(n) for n in nums])
    x, y = parts
    width = max(len(x), len(y))
    x += [0] * (width - len(x))
    y += [0] * (width - len(y))
    return (x > y) - (x < y)
