"""`imagesmith lsp`: the language server for editors (stdio)."""

from __future__ import annotations

from typing import Optional


from imagesmith.cli.app import app
from imagesmith.cli.options import PROFILE_OPTION


@app.command()
def lsp(profile: Optional[str] = PROFILE_OPTION) -> int:
    """Run the language server on stdin/stdout: lint findings as you type in Dockerfiles, build
    folders and job scripts, the rule's text on hover, quick fixes.

    Editors start it themselves; see docs/lint.md#editors for VS Code and Neovim.
    """
    from pathlib import Path

    from imagesmith.core.errors import UserInputError
    from imagesmith.core.profile import select_profile
    from imagesmith.services.lsp import serve, server_available

    why = server_available()
    if why is not None:
        raise UserInputError(why)
    serve(select_profile(profile, Path.cwd()))
    return 0
