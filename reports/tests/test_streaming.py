"""The large detail's rows stream from a server-side cursor, the next chunk fetched while this one is written."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models.expressions import RawSQL

from reports.exporters.base import stream_values

pytestmark = pytest.mark.django_db


def all_content_types():
    return ContentType.objects.order_by("pk").values_list("pk", "app_label", "model")


def test_every_row_comes_once_in_order_whatever_the_chunk_size():
    expected = list(all_content_types())
    assert len(expected) > 10
    for chunk_size in (1, 3, len(expected), len(expected) + 5):
        assert list(stream_values(all_content_types(), chunk_size=chunk_size)) == expected


def test_a_reader_that_stops_early_leaves_the_connection_usable():
    rows = stream_values(all_content_types(), chunk_size=2)
    first = [next(rows) for _ in range(3)]
    rows.close()  # as when the writer fails half-way

    assert first == list(all_content_types()[:3])
    assert ContentType.objects.count() == len(all_content_types())


def test_an_error_while_fetching_reaches_the_reader():
    if connection.vendor != "postgresql":
        pytest.skip("the prefetching cursor is PostgreSQL's")
    # Division by zero on the third row: PostgreSQL reports it when that row is fetched.
    third_row_fails = RawSQL(
        "1 / (3 - (SELECT count(*) FROM django_content_type c WHERE c.id <= django_content_type.id))", []
    )
    queryset = ContentType.objects.order_by("pk").annotate(bad=third_row_fails).values_list("pk", "bad")
    with pytest.raises(Exception, match="division by zero"):
        list(stream_values(queryset, chunk_size=1))
