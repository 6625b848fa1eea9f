"""Responses serialised once, by pydantic's core."""

from fastapi import Response, status
from pydantic import BaseModel


def json_response(model: BaseModel, *, status_code: int = status.HTTP_200_OK) -> Response:
    """``model`` as JSON, skipping FastAPI's re-validation pass over large answers (a plan
    of 72,000 lines); the route still declares its ``response_model`` for the OpenAPI."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
