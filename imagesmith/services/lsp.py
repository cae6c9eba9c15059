"""`imagesmith lsp`: a language server (pygls) that publishes lint's findings as the user types.

The same lint as the command line (`lint_text` with the document's folder as build context, so
IS1xx checks see the build folder; job scripts are told from Dockerfiles as lint tells them),
hover shows the rule's `explain` text, and code actions offer the fixes a rule has.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imagesmith.core.findings import Finding
    from imagesmith.core.profile import Profile

SEVERITY = {"error": 1, "warning": 2, "info": 3, "style": 4}  # LSP DiagnosticSeverity


def findings_for(text: str, path: Path, profile: Profile) -> list[Finding]:
    """What `imagesmith lint PATH` reports for this (unsaved) text."""
    from imagesmith.services.lint import LintOptions, lint_text

    context = path.parent if path.parent.is_dir() else None
    report = lint_text(text, str(path), profile, LintOptions(default_hadolint="off"),
                       context_dir=context)
    return list(report.findings)


def _line_text(lines: list[str], line: int) -> str:
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def fix_for(f: Finding, lines: list[str]) -> tuple[str, tuple[int, int, int, int], str] | None:
    """(title, range (0-based line, col, end line, end col), new text) of a rule's quick fix."""
    text = _line_text(lines, f.line)
    if f.code == "IS601":
        m = re.search(r"\b(apt-get|apt|aptitude)(\s+)(install|upgrade|dist-upgrade|remove|purge)\b", text)
        if m:
            at = m.end(1)
            return ("add -y (answer apt's prompt)", (f.line - 1, at, f.line - 1, at), " -y")
    if f.code == "IS504":
        tz = str(f.data.get("timezone") or "Asia/Shanghai")
        from_line = next((i for i, line in enumerate(lines) if re.match(r"\s*FROM\s", line, re.I)), None)
        if from_line is not None:
            end = len(lines[from_line])
            return (f"set ENV TZ={tz}", (from_line, end, from_line, end), f"\nENV TZ={tz}")
    return None


def serve(profile: Profile) -> None:
    """Run the server on stdio until the client says exit."""
    from lsprotocol import types as t
    from pygls.lsp.server import LanguageServer

    from imagesmith import __version__
    from imagesmith.rules.docs import rule_markdown
    from imagesmith.rules.registry import get_rule

    server = LanguageServer("imagesmith", __version__)
    latest: dict[str, list[Finding]] = {}

    def document(uri: str) -> tuple[str, Path]:
        doc = server.workspace.get_text_document(uri)
        return doc.source, Path(doc.path)

    def publish(uri: str) -> None:
        text, path = document(uri)
        try:
            found = findings_for(text, path, profile)
        except Exception as exc:  # noqa: BLE001 - a server must outlive one bad keystroke
            server.window_log_message(t.LogMessageParams(t.MessageType.Error,
                                                         f"imagesmith lint failed: {exc}"))
            found = []
        latest[uri] = found
        lines = text.splitlines()
        diagnostics = []
        for f in found:
            end_line = max(f.end_line or f.line, f.line)
            # the subject, else to the end of the last line
            end_char = f.span_end - 1 if f.span_end else len(_line_text(lines, end_line))
            diagnostics.append(t.Diagnostic(
                range=t.Range(t.Position(max(f.line - 1, 0), max(f.column - 1, 0)),
                              t.Position(max(end_line - 1, 0), end_char)),
                message=f.message + (f"\nfix: {f.help}" if f.help else ""),
                severity=t.DiagnosticSeverity(SEVERITY.get(f.severity.value, 3)),
                code=f.code, source="imagesmith",
                code_description=t.CodeDescription(
                    href=f"https://github.com/imagesmith/imagesmith/blob/main/docs/rules/{f.code}.md")
                if f.code.startswith("IS") else None,
            ))
        server.text_document_publish_diagnostics(
            t.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: t.DidOpenTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: t.DidChangeTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: t.DidSaveTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: t.DidCloseTextDocumentParams) -> None:
        latest.pop(params.text_document.uri, None)
        server.text_document_publish_diagnostics(
            t.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(t.TEXT_DOCUMENT_HOVER)
    def hover(params: t.HoverParams) -> t.Hover | None:
        line = params.position.line + 1
        here = [f for f in latest.get(params.text_document.uri, [])
                if f.line <= line <= max(f.end_line or f.line, f.line)]
        if not here:
            return None
        parts = []
        for f in here:
            try:
                parts.append(rule_markdown(get_rule(f.code)))
            except Exception:  # noqa: BLE001 - hadolint's codes have no imagesmith docs
                parts.append(f"**{f.code}** (hadolint): {f.message}\n\n{f.help}")
        return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown,
                                                value="\n\n---\n\n".join(parts)))

    @server.feature(t.TEXT_DOCUMENT_CODE_ACTION,
                    t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix]))
    def code_action(params: t.CodeActionParams) -> list[t.CodeAction]:
        uri = params.text_document.uri
        text, _ = document(uri)
        lines = text.splitlines()
        first, last = params.range.start.line + 1, params.range.end.line + 1
        actions = []
        for f in latest.get(uri, []):
            if not first <= f.line <= last:
                continue
            fix = fix_for(f, lines)
            if fix is None:
                continue
            title, (l1, c1, l2, c2), new = fix
            edit = t.TextEdit(range=t.Range(t.Position(l1, c1), t.Position(l2, c2)), new_text=new)
            actions.append(t.CodeAction(title=f"{f.code}: {title}", kind=t.CodeActionKind.QuickFix,
                                        edit=t.WorkspaceEdit(changes={uri: [edit]})))
        return actions

    server.start_io()


def server_available() -> str | None:
    """Why the language server cannot start here, or None."""
    try:
        import pygls  # noqa: F401
        import lsprotocol  # noqa: F401
    except ImportError:
        return "the language server needs pygls: pip install 'imagesmith[lsp]'"
    return None


__all__: list[Any] = ["findings_for", "fix_for", "serve", "server_available"]
