"""The model: appraising a project under a scenario, and comparing projects side by side."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response
from pydantic import JsonValue

from chagai.cases.compile import Scenario
from chagai.errors import InputError, Issue
from chagai.results import Appraisal as AppraisalResult
from chagai.results import Comparison
from chagai.services.appraise import Appraisal, comparison
from chagai.web.deps import ModelCacheDep, RegistryDep
from chagai.web.routes.errors import api_router
from chagai.web.schemas import AppraisalRequest

router = api_router()


def appraisal_document(a: Appraisal) -> JsonValue:
    """An appraisal as the API returns it: its typed result, JSON-ready."""
    return a.result().model_dump(mode="json")


@router.post("/appraisals", response_model=AppraisalResult, tags=["model"])
def create_appraisal(registry: RegistryDep, cache: ModelCacheDep, body: AppraisalRequest) -> Response:
    """Appraise a project under a scenario: what each government receives and each owner earns.

    The answer holds every figure with its basis, the stakeholders, the lenders' cover ratios (can the loans be
    repaid?), each government's receipts by item, the claims checked and the annual table.

    No token is needed: an appraisal reads the registry and writes nothing. Results are kept by the project's
    content and the request, so a repeated request is answered at once.
    """
    scenario = body.scenario.to_scenario(body.sell)
    content = cache.appraisal_response(registry, body.project, scenario, body.overrides, body.solve, appraisal_document)
    return Response(content, media_type="application/json")


@router.get("/compare", response_model=Comparison, tags=["model"])
def compare(
    registry: RegistryDep,
    cache: ModelCacheDep,
    ids: Annotated[
        str,
        Query(
            min_length=1,
            max_length=500,
            description="comma-separated project ids, names or aliases",
            examples=["saindak,reko-diq,sui"],
        ),
    ],
    rate: Annotated[float, Query(ge=0.0, le=1.0, description="real discount rate [fraction]")] = 0.10,
) -> Comparison:
    """Projects side by side: local (provincial) share, government take, returns, lenders' cover."""
    names = [n.strip() for n in ids.split(",") if n.strip()]
    if not 1 <= len(names) <= 10:
        raise InputError([Issue("query.ids", ids, "1 to 10 project names, separated by commas", "list the projects")])
    scenario = Scenario(discount_rate=rate)
    results = [cache.appraisal(registry, n, scenario, solve=True) for n in names]
    return comparison(results)
