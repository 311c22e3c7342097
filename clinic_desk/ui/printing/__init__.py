"""Printing and saving finished PDFs (built by ``clinic_desk.core.printing``) from the UI."""
