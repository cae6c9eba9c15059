"""Shell words for RUN bodies: split a script into simple commands with argv words.

bashlex (a port of bash's own grammar) parses every script that uses shell syntax beyond
a plain one-line list of commands. Such a list (words, quotes, `$VAR`/`${VAR}`, `&&`, `||`, `;`,
`|`, redirections; no compound commands, substitutions, heredocs or comments) is split by
the standard library's POSIX tokenizer `shlex` instead: for that subset both give the same
commands (tests/lint/test_shell_equivalence.py checks it on the corpus), and it spares
bashlex's start-up (it rebuilds its LALR tables on import, ~0.15 s) for simple files.
When bashlex cannot parse (`[[ ]]`, `case`, some heredoc forms) the same tokenizer
splits the text as a fallback, so every RUN still yields commands; `exact` is False then.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import lru_cache

_OPERATORS = {"&&", "||", ";", "|", "&", ";;", "(", ")", "|&", "\n"}
_REDIRECTS = {">", ">>", "<", ">&", "&>", ">|", "<>", "&>>", "<&"}
_BRACED_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_NOT_PLAIN = re.compile(
    r"[`(){}#]|<<|\$'|\[\[|\\\n|(^|[\s;&|])(if|then|else|elif|fi|for|while|until|do|done|case|esac|"
    r"function|select|!)(?=$|[\s;&|])"
)
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WRAPPERS = {"sudo", "env", "nohup", "time", "exec", "command", "nice", "xargs", "eval"}


@dataclass(frozen=True)
class SimpleCommand:
    argv: tuple[str, ...]  # words with quotes removed; variables are left unexpanded
    assignments: tuple[str, ...] = ()  # `VAR=value` prefixes
    start: int = 0  # offset of the command in the script text
    end: int = 0
    exact: bool = True  # parsed by bashlex (False: operator-split fallback)
    in_substitution: bool = False  # inside `$( )` or backticks
    redirects: tuple[str, ...] = field(default=())  # redirect targets, e.g. ("/root/.bashrc",)
    raw_words: tuple[str, ...] = ()  # argv as written (quotes kept), for exact expansion
    raw_assignments: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""

    def effective(self) -> "SimpleCommand":
        """The command behind wrappers like `sudo` or `env X=1` (`sudo apt-get` -> `apt-get`)."""
        argv = list(self.argv)
        while argv and argv[0].rsplit("/", 1)[-1] in _WRAPPERS:
            argv.pop(0)
            while argv and (argv[0].startswith("-") or _ASSIGNMENT.match(argv[0])):
                argv.pop(0)
        if len(argv) == len(self.argv):
            return self
        return SimpleCommand(
            tuple(argv),
            self.assignments,
            self.start,
            self.end,
            self.exact,
            self.in_substitution,
            self.redirects,
            self.raw_words[len(self.raw_words) - len(argv):] if self.raw_words else (),
            self.raw_assignments,
        )


@dataclass(frozen=True)
class ShellScript:
    text: str
    commands: tuple[SimpleCommand, ...]
    exact: bool  # bashlex parsed the whole script

    def find(self, *names: str) -> list[SimpleCommand]:
        return [c for c in self.commands if c.effective().name in names]


def _bashlex_commands(text: str) -> list[SimpleCommand]:
    import bashlex

    out: list[SimpleCommand] = []

    class Visitor(bashlex.ast.nodevisitor):  # type: ignore[misc]
        def __init__(self) -> None:
            self.depth = 0

        def visitcommand(self, node, parts):  # type: ignore[no-untyped-def]
            argv = [p.word for p in parts if p.kind == "word"]
            assigns = [p.word for p in parts if p.kind == "assignment"]
            raw = [text[p.pos[0] : p.pos[1]] for p in parts if p.kind == "word"]
            raw_assigns = [text[p.pos[0] : p.pos[1]] for p in parts if p.kind == "assignment"]
            redirects = [
                p.output.word for p in parts if p.kind == "redirect" and hasattr(p.output, "word")
            ]
            if argv or assigns:
                out.append(
                    SimpleCommand(
                        tuple(argv),
                        tuple(assigns),
                        node.pos[0],
                        node.pos[1],
                        True,
                        self.depth > 0,
                        tuple(redirects),
                        tuple(raw),
                        tuple(raw_assigns),
                    )
                )

        def visitcommandsubstitution(self, node, command):  # type: ignore[no-untyped-def]
            self.depth += 1

        def visitprocesssubstitution(self, node, command):  # type: ignore[no-untyped-def]
            self.depth += 1

    for tree in bashlex.parse(text):
        Visitor().visit(tree)
    out.sort(key=lambda c: c.start)
    return out


def is_plain_list(text: str) -> bool:
    """One line of simple commands with nothing a POSIX tokenizer would read differently.
    (Multi-line scripts go to bashlex, whose command offsets callers turn into lines.)"""
    return "\n" not in text.rstrip("\n") and _NOT_PLAIN.search(_BRACED_VAR.sub("V", text)) is None


def _token_commands(text: str, exact: bool) -> list[SimpleCommand]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>\n")
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True  # every non-blank, non-operator character belongs to a word
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: plain whitespace words
        tokens = [t for t in re.split(r"[ \t\r]+|(\n|&&|\|\||;|\|)", text) if t]
        exact = False
    out: list[SimpleCommand] = []
    words: list[str] = []
    redirects: list[str] = []

    def flush() -> None:
        assigns = []
        while words and _ASSIGNMENT.match(words[0]):
            assigns.append(words.pop(0))
        if words or assigns:
            out.append(
                SimpleCommand(
                    tuple(words), tuple(assigns), 0, len(text), exact, False, tuple(redirects)
                )
            )
        words.clear()
        redirects.clear()

    it = iter(tokens)
    for tok in it:
        if tok in _REDIRECTS:
            if words and words[-1].isdigit():
                words.pop()  # the fd number of `2>&1`
            target = next(it, "")
            if not (tok.endswith("&") and target.isdigit()):
                redirects.append(target)
        elif tok in _OPERATORS or (tok and set(tok) <= set(";&|()<>\n")):
            flush()
        else:
            words.append(tok)
    flush()
    return out


_PLAIN_OPS = ("&&", "||", ";;", "|&", ";", "|", "&", "\n")
_PLAIN_REDIRECTS = ("&>>", "&>", ">>", ">&", "<&", ">|", "<>", ">", "<")


def _raw_tokens(text: str) -> list[tuple[str, str]] | None:
    """("word"|"op"|"redir", raw text) for a plain list; None on an unbalanced quote."""
    out: list[tuple[str, str]] = []
    word: list[str] = []
    i, n = 0, len(text)

    def flush() -> None:
        if word:
            out.append(("word", "".join(word)))
            word.clear()

    while i < n:
        ch = text[i]
        if ch in " \t\r":
            flush()
            i += 1
        elif ch == "\\":
            word.append(text[i : i + 2])
            i += 2
        elif ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch:
                j += 2 if (ch == '"' and text[j] == "\\") else 1
            if j >= n:
                return None
            word.append(text[i : j + 1])
            i = j + 1
        elif (op := next((o for o in _PLAIN_OPS if text.startswith(o, i)), None)) and not (
            op == "&" and text.startswith(">", i + 1)
        ):
            flush()
            out.append(("op", op))
            i += len(op)
        elif red := next((r for r in _PLAIN_REDIRECTS if text.startswith(r, i)), None):
            if word and "".join(word).isdigit():
                word.clear()  # the fd number of `2>`
            flush()
            out.append(("redir", red))
            i += len(red)
        else:
            word.append(ch)
            i += 1
    flush()
    return out


def _plain_commands(text: str) -> list[SimpleCommand] | None:
    tokens = _raw_tokens(text)
    if tokens is None:
        return None
    out: list[SimpleCommand] = []
    raw: list[str] = []
    redirects: list[str] = []

    def flush() -> None:
        assigns = []
        while raw and _ASSIGNMENT.match(raw[0]):
            assigns.append(raw.pop(0))
        if raw or assigns:
            out.append(
                SimpleCommand(
                    tuple(_unquoted(w) for w in raw), tuple(_unquoted(a) for a in assigns), 0,
                    len(text), True, False, tuple(redirects), tuple(raw), tuple(assigns),
                )
            )
        raw.clear()
        redirects.clear()

    it = iter(tokens)
    for kind, tok in it:
        if kind == "redir":
            target = next(it, ("word", ""))[1]
            if not (tok.endswith("&") and target.isdigit()):
                redirects.append(_unquoted(target))
        elif kind == "op":
            flush()
        else:
            raw.append(tok)
    flush()
    return out


def _unquoted(raw: str) -> str:
    """Quote removal of one word, variables left as written (what bashlex's `word` holds)."""
    try:
        words = shlex.split(raw, comments=False, posix=True)
    except ValueError:
        return raw
    return words[0] if len(words) == 1 else raw.strip("'\"")


@lru_cache(maxsize=4096)
def parse_shell(text: str) -> ShellScript:
    """Split `text` into simple commands; never raises."""
    if is_plain_list(text):
        plain = _plain_commands(text)
        if plain is not None:
            return ShellScript(text, tuple(plain), True)
    try:
        return ShellScript(text, tuple(_bashlex_commands(text)), True)
    except Exception:  # noqa: BLE001 - bashlex raises many kinds on grammar it lacks
        return ShellScript(text, tuple(_token_commands(text, exact=False)), False)


def words_after(cmd: SimpleCommand, subcommand: str) -> list[str]:
    """Arguments after the first occurrence of `subcommand` (e.g. "install")."""
    argv = list(cmd.effective().argv)
    if subcommand in argv:
        return argv[argv.index(subcommand) + 1 :]
    return []


def split_flags(
    args: list[str], takes_value: set[str]
) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """Separate flags from operands; `takes_value` names options whose value is the next word."""
    flags: list[str] = []
    operands: list[str] = []
    values: dict[str, list[str]] = {}
    it = iter(args)
    for word in it:
        if word == "--":
            operands.extend(it)
            break
        if word.startswith("-") and len(word) > 1:
            name, eq, val = word.partition("=")
            flags.append(name)
            if eq:
                values.setdefault(name, []).append(val)
            elif name in takes_value:
                values.setdefault(name, []).append(next(it, ""))
            elif len(name) > 2 and not name.startswith("--") and name[:2] in takes_value:
                values.setdefault(name[:2], []).append(name[2:])  # `-rreqs.txt`
        else:
            operands.append(word)
    return flags, operands, values


def shell_quote(words: list[str]) -> str:
    return shlex.join(words)
