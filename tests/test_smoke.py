def test_the_home_page_shows_the_size_of_the_map(client, db):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "3.321" in body  # communes, Vietnamese thousands separator
    assert ">34<" in body
