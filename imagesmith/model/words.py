"""Variable expansion and quote removal exactly as BuildKit's shell lexer does it.

A port of the semantics of moby/buildkit `frontend/dockerfile/shell/lex.go` (`ProcessWord`,
`ProcessWords`): quotes are removed, `$V`, `${V}`, `${V:-w}`, `${V-w}`, `${V:+w}`, `${V+w}`,
`${V:?m}`, `${V?m}`, `${V#p}`, `${V##p}`, `${V%p}`, `${V%%p}`, `${V/p/r}`, `${V//p/r}` are expanded,
the escape token (`\\` or the `# escape=` directive's) escapes the next character, and inside
double quotes only `"`, `$` and the escape token are escaped.

One difference on purpose: a variable whose value cannot be known (an ARG without default, the
ENV of a base image nobody described) is not expanded to "" as an unset one would be. It is kept
as written and reported in `Expansion.unknown`, so callers can say "unknown" instead of guessing.

`shell=True` reads a RUN body's words the way the shell would for the same constructs, with what
a shell adds and a Dockerfile does not: `$(...)`, backticks and `$((...))` are unknown (their
value is only known at run time), as are positional and special parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known before the build runs, and why."""

    reason: str
    # An ARG with no default: unset unless `--build-arg` sets it. `${V:-w}`, `${V-w}`, `${V:+w}`
    # and `${V+w}` take the unset branch (what the admins' build, which passes no build args,
    # gets); a plain `$V` is unknown, since an empty value is rarely what the author meant.
    unset_unless_given: bool = False

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return f"<unknown: {self.reason}>"


Value = str | Unknown


@dataclass(frozen=True)
class Scope:
    """The variables visible at one point: set names, and what an unlisted name is.

    `fallback` None means an unlisted name is unset (BuildKit expands it to ""); an `Unknown`
    means it may be set somewhere imagesmith cannot see (the base image's config)."""

    values: Mapping[str, Value | None] = field(default_factory=dict)  # None: unset on purpose
    fallback: Unknown | None = None

    def lookup(self, name: str) -> tuple[bool, Value]:
        """(is set, value); unlisted names follow `fallback`."""
        if name in self.values:
            value = self.values[name]
            return (False, "") if value is None else (True, value)
        if self.fallback is not None:
            return True, self.fallback
        return False, ""

    def known(self) -> dict[str, str]:
        return {k: v for k, v in self.values.items() if isinstance(v, str)}

    def with_values(self, more: Mapping[str, Value | None]) -> "Scope":
        return Scope({**self.values, **more}, self.fallback)


@dataclass(frozen=True)
class UnknownRef:
    name: str
    reason: str


@dataclass(frozen=True)
class Expansion:
    text: str  # the word after expansion; unknown references kept as written
    words: tuple[str, ...]  # the same, split as ProcessWords splits (unquoted expansions split)
    unknown: tuple[UnknownRef, ...] = ()
    error: str | None = None  # BuildKit would stop the build with this message
    used: frozenset[str] = frozenset()  # variable names the word referenced

    @property
    def known(self) -> bool:
        return not self.unknown and self.error is None


class LexError(Exception):
    pass


_SPECIAL = set("@*#?-$!0")
_MAX_DEPTH = 64  # nested ${...} deeper than this is refused, not recursed into


class _Words:
    """ProcessWords' word builder: unquoted expansion results split on white space."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.buf: list[str] = []
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch.isspace():
            if self.in_word and self.buf:
                self.words.append("".join(self.buf))
                self.buf.clear()
                self.in_word = False
        else:
            self.add_raw(ch)

    def add_raw(self, text: str) -> None:
        self.buf.append(text)
        self.in_word = True

    def add_string(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def done(self) -> list[str]:
        if self.buf:
            self.words.append("".join(self.buf))
            self.buf.clear()
        return self.words


class _Lexer:
    def __init__(self, word: str, scope: Scope, escape: str, shell: bool) -> None:
        self.src = word
        self.pos = 0
        self.scope = scope
        self.escape = escape
        self.shell = shell
        self.unknown: list[UnknownRef] = []
        self.used: set[str] = set()
        self.depth = 0

    # -- scanner --------------------------------------------------------------------------
    def peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def next(self) -> str:
        ch = self.peek()
        if ch:
            self.pos += 1
        return ch

    # -- BuildKit's processStopOn ----------------------------------------------------------
    def stop_on(self, stop: str, raw_escapes: bool = False) -> tuple[str, list[str]]:
        result: list[str] = []
        words = _Words()
        while self.peek():
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                return "".join(result), words.done()
            if ch == "$":
                tmp = self.dollar()
                result.append(tmp)
                words.add_string(tmp)
            elif ch == "'":
                tmp = self.single_quote()
                result.append(tmp)
                words.add_raw(tmp)
            elif ch == '"':
                tmp = self.double_quote()
                result.append(tmp)
                words.add_raw(tmp)
            elif self.shell and ch == "`":
                tmp = self.backtick()
                result.append(tmp)
                words.add_raw(tmp)
            else:
                ch = self.next()
                if ch == self.escape:
                    if raw_escapes:
                        words.add_raw(ch)
                        result.append(ch)
                    ch = self.next()
                    if not ch:
                        break
                    words.add_raw(ch)
                else:
                    words.add_char(ch)
                result.append(ch)
        if stop:
            raise LexError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.done()

    def single_quote(self) -> str:
        self.next()
        out: list[str] = []
        while True:
            ch = self.next()
            if not ch:
                raise LexError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                return "".join(out)
            out.append(ch)

    def double_quote(self) -> str:
        self.next()
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                raise LexError("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.next()
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
            elif self.shell and ch == "`":
                out.append(self.backtick())
            else:
                ch = self.next()
                if ch == self.escape:
                    nxt = self.peek()
                    if not nxt:
                        continue
                    if nxt in ('"', "$", self.escape) or (self.shell and nxt == "`"):
                        ch = self.next()
                out.append(ch)

    # -- shell-only constructs ------------------------------------------------------------
    def _skip_balanced(self, open_: str, close: str) -> str:
        start = self.pos
        depth = 1
        while depth:
            ch = self.next()
            if not ch:
                raise LexError(f"missing {close!r}")
            if ch == "\\":
                self.next()
            elif ch == "'" and open_ == "(":
                while self.next() not in ("'", ""):
                    pass
            elif ch == open_:
                depth += 1
            elif ch == close:
                depth -= 1
        return self.src[start : self.pos - 1]

    def _run_time(self, literal: str, what: str) -> str:
        self.unknown.append(UnknownRef(literal, f"{what}: known only when the RUN executes"))
        return literal

    def backtick(self) -> str:
        start = self.pos
        self.next()
        while (ch := self.next()) != "`":
            if not ch:
                raise LexError("unexpected end of statement while looking for matching backtick")
            if ch == "\\":
                self.next()
        return self._run_time(self.src[start : self.pos], "command substitution")

    # -- BuildKit's processDollar ----------------------------------------------------------
    def name(self) -> str:
        out: list[str] = []
        while self.peek():
            ch = self.peek()
            if not out and ch.isdigit():
                while self.peek().isdigit():
                    out.append(self.next())
                return "".join(out)
            if not out and ch in _SPECIAL:
                return self.next()
            if not (ch.isalpha() or ch.isdigit() or ch == "_"):
                break
            out.append(self.next())
        return "".join(out)

    def _get(self, name: str, literal: str) -> tuple[bool, str, bool]:
        """(set, value, unknown) for `name`; unknown values are reported and kept literal."""
        self.used.add(name)
        if self.shell and (name.isdigit() or name in _SPECIAL):
            self.unknown.append(UnknownRef(name, "a shell parameter, known only at run time"))
            return True, literal, True
        is_set, value = self.scope.lookup(name)
        if isinstance(value, Unknown):
            self.unknown.append(UnknownRef(name, value.reason))
            return True, literal, True
        return is_set, value, False

    def _unset_arg(self, name: str) -> bool:
        _, value = self.scope.lookup(name)
        if isinstance(value, Unknown) and value.unset_unless_given:
            self.used.add(name)
            return True
        return False

    def dollar(self) -> str:
        start = self.pos
        self.next()
        if self.shell and self.peek() == "(":
            self.next()
            if self.peek() == "(":
                self.next()
                self._skip_balanced("(", ")")
                if self.peek() == ")":
                    self.next()
                return self._run_time(self.src[start : self.pos], "arithmetic expansion")
            self._skip_balanced("(", ")")
            return self._run_time(self.src[start : self.pos], "command substitution")
        if self.peek() != "{":
            name = self.name()
            if not name:
                return "$"
            _, value, _ = self._get(name, self.src[start : self.pos])
            return value
        self.next()
        if not self.peek():
            raise LexError("syntax error: missing '}'")
        if self.peek() in "{}:":
            raise LexError("syntax error: bad substitution")
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise LexError(f"substitutions nested more than {_MAX_DEPTH} deep")
        try:
            return self._braced(start)
        finally:
            self.depth -= 1

    def _braced(self, start: int) -> str:
        name = self.name()
        ch = self.next()
        mod = ch
        null_is_unset = False
        if ch == "}":
            _, value, _ = self._get(name, self.src[start : self.pos])
            return value
        if ch == ":":
            null_is_unset = True
            ch = self.next()
            mod += ch
        if ch in ("+", "-", "?", "#", "%"):
            raw = ch in ("#", "%")
            if null_is_unset and raw:
                raise LexError(f"unsupported modifier ({mod}) in substitution")
            try:
                word, _ = self.stop_on("}", raw)
            except LexError:
                if not self.peek():
                    raise LexError("syntax error: missing '}'") from None
                raise
            if ch in "+-" and self._unset_arg(name):
                is_set, value, unknown = False, "", False
            else:
                is_set, value, unknown = self._get(name, self.src[start : self.pos])
            if unknown:
                return value
            empty = not is_set or (null_is_unset and value == "")
            if ch == "-":
                return word if empty else value
            if ch == "+":
                return "" if empty else word
            if ch == "?":
                if not is_set:
                    raise LexError(f"{name}: {word or 'is not allowed to be unset'}")
                if null_is_unset and value == "":
                    raise LexError(f"{name}: {word or 'is not allowed to be empty'}")
                return value
            greedy = word.startswith(ch)
            if greedy:
                word = word[1:]
            return _trim(value, word, greedy, suffix=ch == "%")
        if ch == "/":
            replace_all = self.peek() == "/"
            if replace_all:
                self.next()
            try:
                pattern, _ = self.stop_on("/", True)
                replacement, _ = self.stop_on("}", True)
            except LexError:
                raise LexError("syntax error: missing '}' or '/' in ${}") from None
            _, value, unknown = self._get(name, self.src[start : self.pos])
            if unknown:
                return value
            regex = _pattern_regex(pattern, greedy=True, anchored=False)
            if replace_all:
                return regex.sub(lambda _m: replacement, value)
            m = regex.search(value)
            return value if m is None else value[: m.start()] + replacement + value[m.end() :]
        raise LexError(f"unsupported modifier ({mod}) in substitution")


def _pattern_regex(pattern: str, greedy: bool, anchored: bool) -> re.Pattern[str]:
    """BuildKit's convertShellPatternToRegex: `*`, `?` and backslash escapes."""
    out = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append(star)
        elif ch == "?":
            out.append(".")
        elif ch == "\\":
            if i < len(pattern) and pattern[i] in "}/":
                continue
            nxt = pattern[i] if i < len(pattern) else ""
            i += 1
            if nxt not in ("*", "?", "\\"):
                raise LexError(f"invalid escape '\\{nxt}'")
            out.append(re.escape(nxt))
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.S)


def _trim(value: str, pattern: str, greedy: bool, suffix: bool) -> str:
    if suffix:
        # BuildKit reverses the string to trim a suffix with the same prefix logic.
        regex = _pattern_regex(pattern[::-1], greedy, anchored=True)
        m = regex.search(value[::-1])
        return value[: len(value) - m.end()] if m else value
    regex = _pattern_regex(pattern, greedy, anchored=True)
    m = regex.search(value)
    return value[m.end() :] if m else value


def expand(word: str, scope: Scope, *, escape: str = "\\", shell: bool = False) -> Expansion:
    """ProcessWord + ProcessWords over one word; never raises (errors are in `.error`)."""
    lexer = _Lexer(word, scope, escape, shell)
    try:
        text, words = lexer.stop_on("")
    except LexError as exc:
        return Expansion(word, (word,), tuple(lexer.unknown), str(exc), frozenset(lexer.used))
    return Expansion(text, tuple(words), tuple(lexer.unknown), None, frozenset(lexer.used))


EMPTY_SCOPE = Scope()
