"""The JSON API (OpenAPI at ``/api/openapi.json``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["api"])
