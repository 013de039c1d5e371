"""The JSON API (OpenAPI at ``/api/openapi.json``, interactive documentation at ``/api/docs``), one module a resource.

A thin layer over the registry and the services, as the command line is: reading is open (:mod:`.projects`);
creating or changing projects, stakes, claims and sources needs an editor token (:mod:`.edits`), and every change
is written whole or not at all, with who made it and when (:mod:`chagai.registry.edits`). Appraisals and
comparisons run at once (:mod:`.model`); exports give a project's report, workbook, cash flow and ownership
(:mod:`.exports`); simulations run in the background as jobs kept in the registry (:mod:`.simulations`).

Each route declares what it needs (the registry, the model cache, the job runner, who is asking, the path's
project) as a dependency of :mod:`chagai.web.deps`. Errors are JSON (:mod:`.errors`): 404 with the projects a name
was close to; 422 with every problem of a request, each naming the field, the value sent, what was expected and how
to fix it; 401 and 403 for writes without an editor token.
"""

from __future__ import annotations

from fastapi import APIRouter

from chagai.web.routes import edits, exports, model, projects, simulations

router = APIRouter()
# reading first, then writing, exports and the model: the order of the OpenAPI document and its tags
for resource in (projects, edits, exports, model, simulations):
    router.include_router(resource.router)
