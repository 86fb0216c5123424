# The two commands of README.md. Both set up .venv themselves on a fresh machine.
.PHONY: demo test test-fast lint serve worker

demo:
	@scripts/setup.sh
	.venv/bin/python -m groundswell demo

test:
	@scripts/setup.sh --browser
	.venv/bin/python -m pytest $(PYTEST_ARGS)

# For local work: everything but the tests marked slow (CI and `make test` run them all).
test-fast:
	@scripts/setup.sh --browser
	.venv/bin/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint:
	@scripts/setup.sh
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy groundswell tests conftest.py
	.venv/bin/lint-imports
	.venv/bin/python manage.py makemigrations --check --dry-run

serve:
	@scripts/setup.sh
	.venv/bin/python -m groundswell migrate --noinput
	.venv/bin/python -m groundswell serve

worker:
	@scripts/setup.sh
	.venv/bin/python -m groundswell worker
