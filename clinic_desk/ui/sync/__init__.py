"""Sync between workstations (issue 7): the status line, conflicts, the desk's
"needs attention" list and pairing a new workstation."""
