"""The baseline for the HTTP ratio: same server, same body, same pydantic model, no work.

uvicorn --app-dir bench trivial_app:app --workers 2
"""

from __future__ import annotations

import itertools

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from trustdesk.risk.schemas import AssessmentIn

app = FastAPI()
_ids = itertools.count(1)


@app.get("/healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@app.post("/v1/assessments", status_code=201)
async def create_assessment(body: AssessmentIn) -> dict[str, str | int]:
    return {"id": f"asm_{next(_ids)}", "decision": "allow", "score": 0, "account": body.account_id}
