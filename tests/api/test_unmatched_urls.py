def test_an_api_address_that_matches_nothing_answers_in_the_error_shape(client):
    response = client.get("/api/v1/assessments/abc/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "There is nothing at this address."}


def test_a_page_address_that_matches_nothing_is_an_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_api_docs_load_swagger_from_our_own_static_files(client):
    page = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
