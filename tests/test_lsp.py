"""`imagesmith lsp` end to end with a real LSP client (pytest-lsp): open, change, the
diagnostics lint would give, hover with the rule's text, a quick fix that removes the finding."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient

BROKEN = "FROM bit:5000/deepo_9\nRUN apt-get update && apt-get install curl\n"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "imagesmith", "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("workspace")
    await lsp_client.initialize_session(t.InitializeParams(
        capabilities=t.ClientCapabilities(), root_uri=root.as_uri()))
    lsp_client.root = root  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def _opened(client: LanguageClient, name: str, text: str) -> str:
    folder = client.root / "dockertmp"  # type: ignore[attr-defined]
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(t.DidOpenTextDocumentParams(
        t.TextDocumentItem(uri=uri, language_id="dockerfile", version=1, text=text)))
    await client.wait_for_notification(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri


def _codes(client: LanguageClient, uri: str) -> dict[str, t.Diagnostic]:
    return {str(d.code): d for d in client.diagnostics[uri]}


@pytest.mark.asyncio
async def test_diagnostics_hover_and_a_quick_fix(client: LanguageClient) -> None:
    uri = await _opened(client, "Dockerfile", BROKEN)
    found = _codes(client, uri)
    assert {"IS601", "IS504"} <= set(found)
    assert found["IS601"].severity == t.DiagnosticSeverity.Error and found["IS601"].range.start.line == 1

    hover = await client.text_document_hover_async(t.HoverParams(
        t.TextDocumentIdentifier(uri), t.Position(line=1, character=5)))
    assert hover is not None and "# IS601" in hover.contents.value  # type: ignore[union-attr]

    actions = await client.text_document_code_action_async(t.CodeActionParams(
        t.TextDocumentIdentifier(uri), t.Range(t.Position(1, 0), t.Position(1, 10)),
        t.CodeActionContext(diagnostics=client.diagnostics[uri])))
    fix = next(a for a in actions or [] if isinstance(a, t.CodeAction) and a.title.startswith("IS601"))
    [edit] = fix.edit.changes[uri]  # type: ignore[union-attr, index]
    line = BROKEN.splitlines()[1]
    fixed_line = line[:edit.range.start.character] + edit.new_text + line[edit.range.end.character:]
    assert fixed_line == "RUN apt-get update && apt-get -y install curl"

    fixed = BROKEN.replace(line, fixed_line)
    client.text_document_did_change(t.DidChangeTextDocumentParams(
        t.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [t.TextDocumentContentChangeWholeDocument(text=fixed)]))
    await client.wait_for_notification(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert "IS601" not in _codes(client, uri)


@pytest.mark.asyncio
async def test_job_scripts_and_build_folder_checks(client: LanguageClient) -> None:
    job = await _opened(client, "train.pbs", "#!/bin/bash\n#PBS -N x\n#PBS -l walltime=1:70:00\n"
                        "startdocker -c \"python a.py\" bit:5000/deepo_9\n")
    assert "IS702" in _codes(client, job)
    # a build-folder check: COPY of a file the folder does not hold
    uri = await _opened(client, "Dockerfile", "FROM bit:5000/deepo_9\nENV TZ=Asia/Shanghai\n"
                        "COPY missing.tar /opt/\n")
    assert "IS104" in _codes(client, uri)
