"""Virage: the engagement domain, importable and testable without Streamlit."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
CONTENT_DIR = PROJECT_DIR / "content"
