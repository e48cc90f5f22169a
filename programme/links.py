"""The programme's links: the peer challenge library and the benchmarking pack, which the handbook
points to at several steps. The settings give the region's (PEER_CHALLENGE_LIBRARY_URL,
BENCHMARKING_PACK_URL); a cycle's calendar file may give its own (`library_url`,
`benchmarking_pack_url`). A link that is not configured is left out, never shown empty."""

from __future__ import annotations

from dataclasses import dataclass

from programme.calendar.cycle_settings import CycleSettings


@dataclass(frozen=True)
class ProgrammeLinks:
    library: str = ""
    benchmarking: str = ""

    def for_cycle(self, settings: CycleSettings | None) -> ProgrammeLinks:
        """The links as this cycle has them: its own where its calendar sets them, else these."""
        if settings is None:
            return self
        return ProgrammeLinks(settings.library_url or self.library, settings.benchmarking_pack_url or self.benchmarking)

    def shown(self) -> list[tuple[str, str]]:
        """(title, address) of each link that is configured, for a card or a notice."""
        return [(title, url) for title, url in (("The peer challenge library", self.library), ("The benchmarking pack", self.benchmarking))
                if url]

    @staticmethod
    def of_cycle(settings: CycleSettings | None) -> dict[str, str]:
        """A notification's payload keys for the links its cycle sets itself: the renderer shows the
        region's (notify/render.py's globals) where the payload has none."""
        if settings is None:
            return {}
        return {key: url for key, url in (("library_url", settings.library_url), ("benchmarking_url", settings.benchmarking_pack_url)) if url}
