"""The ceiling the sign benchmark is compared with: a bare Django view doing one INSERT.

Mounted only when BENCH_CEILING is set (bench/spike.py sets it); the table is created by
the benchmark, not by a migration, so it never exists on a real site.
"""

from django.db import IntegrityError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

CREATE_TABLE = "CREATE TABLE IF NOT EXISTS bench_ceiling (key varchar(254) PRIMARY KEY)"


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    key = request.POST.get("key", "")[:254]
    try:
        # Autocommit, as the sign form's own INSERT: one statement, its own transaction.
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_ceiling (key) VALUES (%s)", [key])
    except IntegrityError:
        return HttpResponse("duplicate", status=409)
    return HttpResponse("stored", status=201)
