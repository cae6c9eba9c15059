"""`--gpu 1080ti,k80|all`: GPU nicknames or node-group names to the profile's node groups."""

from __future__ import annotations

import re

from imagesmith.core.errors import UserInputError
from imagesmith.core.profile import NodeGroup, Profile


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _matches(token: str, group: NodeGroup) -> bool:
    key = _squash(token)
    return bool(key) and (
        key == _squash(group.name) or key in _squash(group.gpu) or key == group.sm.replace("_", "")
    )


def resolve_groups(spec: str | None, profile: Profile) -> list[NodeGroup]:
    """Groups in profile order. None, "" and "all" mean every group."""
    if spec is None or spec.strip().lower() in ("", "all"):
        return list(profile.node_groups)
    chosen: list[NodeGroup] = []
    for token in (t.strip() for t in spec.split(",")):
        if not token:
            continue
        hits = [g for g in profile.node_groups if _matches(token, g)]
        if not hits:
            known = ", ".join(f"{g.name} ({g.gpu})" for g in profile.node_groups)
            raise UserInputError(
                f"--gpu {token!r} matches no node group of profile {profile.name}",
                hint=f"use a GPU name, a group name or 'all'; groups: {known}",
            )
        if len(hits) > 1:
            raise UserInputError(
                f"--gpu {token!r} matches several node groups: {', '.join(g.name for g in hits)}",
                hint="use a group name",
            )
        if hits[0] not in chosen:
            chosen.append(hits[0])
    order = {g.name: i for i, g in enumerate(profile.node_groups)}
    return sorted(chosen, key=lambda g: order[g.name])
