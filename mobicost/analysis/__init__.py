"""Analyses over costed networks: alpha x resolution sweeps (:mod:`.sweep`), side-by-side
comparisons (:mod:`.compare`), and published figures judged against exact counts
(:mod:`.check`, with the MobileNet paper's printed tables in :mod:`.published`)."""
