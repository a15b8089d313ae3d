"""A reference transparency-log witness (c2sp.org/tlog-witness, tlog-cosignature).

An independent party: its own key file and its own state file, and it imports only
``hub.trail`` (what an auditor runs). ``tabadol witness serve`` runs it over HTTP.
"""
