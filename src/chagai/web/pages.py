"""Server-rendered pages (jinja2), with small progressive JavaScript from ``static/``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
