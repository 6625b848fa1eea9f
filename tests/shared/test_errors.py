"""``shared.errors``: a 405 names every method its path answers (``Allow``, RFC 9110)."""

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from shared.errors import PROBLEM_MEDIA_TYPE, install_problem_handlers


def test_a_405_allows_every_method_of_its_path_not_only_the_first_routes() -> None:
    app = FastAPI()
    install_problem_handlers(app)
    router = APIRouter(prefix="/prices")

    @router.get("/{id:int}")
    def read(id: int) -> int:
        return id

    @router.patch("/{id:int}")
    def change(id: int) -> int:
        return id

    @router.delete("/{id:int}")
    def delete(id: int) -> None:
        return None

    @router.post("/revisions")
    def revise() -> None:
        return None

    app.include_router(router)
    client = TestClient(app)
    refused = client.options("/prices/1")
    assert refused.status_code == 405
    assert refused.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert refused.headers["allow"] == "GET, PATCH, DELETE"
    # An id is digits: the sibling path is not one, so its other methods are not allowed.
    assert client.put("/prices/revisions").headers["allow"] == "POST"


def test_an_id_that_is_not_a_number_is_a_422_naming_it_not_a_bare_404() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/prices/{id:int}")
    def read(id: int) -> int:
        return id

    client = TestClient(app)
    refused = client.get("/prices/abc")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "path.id", "reason": "an id is a whole number"}]
    assert client.get("/prices/abc/history").status_code == 404
    assert client.get("/nothing").status_code == 404
