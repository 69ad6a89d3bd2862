"""What a piece of content is about: the five pillars of the change."""

from __future__ import annotations

from enum import StrEnum

from engagement.i18n import N_, _


class Pillar(StrEnum):
    MISSION = "mission"
    IDENTITY = "identity"
    STRATEGY = "strategy"
    COMPETENCIES = "competencies"
    CAPABILITIES = "capabilities"


PILLARS: tuple[Pillar, ...] = tuple(Pillar)
_LABELS = {
    Pillar.MISSION: N_("Mission"),
    Pillar.IDENTITY: N_("Identity"),
    Pillar.STRATEGY: N_("Strategy"),
    Pillar.COMPETENCIES: N_("Competencies"),
    Pillar.CAPABILITIES: N_("Capabilities"),
}


def pillar_label(pillar: Pillar | str) -> str:
    """A pillar's name in the current language."""
    return _(_LABELS[Pillar(pillar)])
