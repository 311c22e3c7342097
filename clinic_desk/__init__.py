"""ClinicDesk: an offline-first desktop program for small private clinics."""

__version__ = "0.1.0"
