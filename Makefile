# The logic lives in scripts/bootstrap.sh; these targets only name it. See docs/reference.md, "Setting up, configuring, deploying".
SHELL := /bin/bash
.DEFAULT_GOAL := help
BOOTSTRAP := bash scripts/bootstrap.sh

.PHONY: help run test setup lint stop-db

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 10

run: ## set everything up, then serve on http://127.0.0.1:5000 (HOST, PORT, FLASK_DEBUG=1)
	@$(BOOTSTRAP) run

test: ## set up (database webmap_test), then run the whole pytest suite (PYTEST_ARGS)
	@$(BOOTSTRAP) test

setup: ## everything `make run` does except serving
	@$(BOOTSTRAP) setup run

lint: ## ruff check
	@$(BOOTSTRAP) lint

stop-db: ## stop the private PostgreSQL cluster under var/ (if one was started)
	@$(BOOTSTRAP) stop-db
