# make run   - private PostgreSQL, migrations, demo organisation, the server.
# make test  - go vet and every test (race detector) against the private cluster.
# make bench - benchmarks that print "BENCH <name> <value> <unit>" lines.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

PGPORT    ?= 55432
PGBIN     ?= /usr/lib/postgresql/15/bin
LISTEN    ?= 127.0.0.1:8080
PGDIR     := $(CURDIR)/.pgdata
PGDATA    := $(PGDIR)/data
PGLOG     := $(PGDIR)/postgres.log
ADMIN_URL := postgres://postgres@127.0.0.1:$(PGPORT)/postgres?sslmode=disable
DB_URL    := postgres://postgres@127.0.0.1:$(PGPORT)/callingd?sslmode=disable
BIN       := $(CURDIR)/bin

# initdb refuses root: as root, the cluster runs as the postgres user.
ifeq ($(shell id -u),0)
AS_PG := runuser -u postgres --
else
AS_PG :=
endif

export GOFLAGS := -buildvcs=false

.SILENT: deps db-start db-stop db-create db-reset run
.PHONY: help run test bench chaos build deps db-start db-stop db-reset vet

help:
	@echo "make run    start PostgreSQL, migrate, seed the demo organisation, serve the panel"
	@echo "make test   go vet + go test -race ./... against a private PostgreSQL (port $(PGPORT))"
	@echo "make bench  benchmarks, one 'BENCH <name> <value> <unit>' line per figure"
	@echo "make chaos  the fault drills (SIGKILL, PostgreSQL and Asterisk restarts, takeover): BENCH chaos_* lines"
	@echo "make prompts  generate the Asterisk prompts (espeak-ng + sox) into asterisk-config/sounds"
	@echo "make db-stop / db-reset   stop / wipe the private PostgreSQL cluster"

# Debian packages the tests need, installed only when missing: chromium for
# the browser tests (web/browser), which fail without it unless
# CALLINGD_BROWSER=skip.
deps:
	need=()
	[ -x $(PGBIN)/postgres ] || need+=(postgresql-15)
	command -v runuser >/dev/null || need+=(util-linux)
	[ "$${CALLINGD_BROWSER:-}" = skip ] || command -v chromium >/dev/null || need+=(chromium)
	if [ $${#need[@]} -gt 0 ]; then
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$${need[@]}"
	fi
	command -v go >/dev/null || { echo "Go is required (https://go.dev/dl/)"; exit 1; }

build:
	go build -o $(BIN)/callingd ./cmd/callingd

# Idempotent: a running cluster is left alone.
db-start: deps
	if $(AS_PG) $(PGBIN)/pg_ctl -D $(PGDATA) status >/dev/null 2>&1; then exit 0; fi
	mkdir -p $(PGDIR)
	if [ -n "$(AS_PG)" ]; then
	  chown postgres: $(PGDIR)
	  # The postgres user must be able to reach the data directory: let it
	  # traverse (not list) the directories above the clone.
	  d=$(PGDIR)
	  while [ "$$d" != / ]; do d=$$(dirname "$$d"); $(AS_PG) test -x "$$d" || chmod o+x "$$d"; done
	fi
	if [ ! -f $(PGDATA)/PG_VERSION ]; then
	  $(AS_PG) $(PGBIN)/initdb -D $(PGDATA) -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >$(PGDIR)/initdb.log
	fi
	if ! $(AS_PG) $(PGBIN)/pg_ctl -D $(PGDATA) -l $(PGLOG) -w -t 60 start \
	    -o "-p $(PGPORT) -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=300 -c fsync=off -c full_page_writes=off -c shared_buffers=256MB" >/dev/null; then
	  tail -20 $(PGLOG); echo "PostgreSQL did not start (is port $(PGPORT) taken? set PGPORT=...)"; exit 1
	fi
	echo "PostgreSQL 15 on 127.0.0.1:$(PGPORT), data in $(PGDATA)"

db-stop:
	if [ -f $(PGDATA)/postmaster.pid ]; then $(AS_PG) $(PGBIN)/pg_ctl -D $(PGDATA) -m fast -w stop; fi

db-reset: db-stop
	rm -rf $(PGDIR)

db-create: db-start
	if ! $(PGBIN)/psql "$(ADMIN_URL)" -Atqc "SELECT 1 FROM pg_database WHERE datname = 'callingd'" | grep -q 1; then
	  $(PGBIN)/psql "$(ADMIN_URL)" -qc 'CREATE DATABASE callingd'
	fi

run: db-create build
	export CALLINGD_DATABASE_URL='$(DB_URL)'
	$(BIN)/callingd migrate
	$(BIN)/callingd demo
	exec $(BIN)/callingd serve --listen $(LISTEN) --simulate

vet:
	unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...

include asterisk-config/prompts.mk

test: db-start vet
	bash asterisk-config/check.sh
	CALLINGD_TEST_DATABASE_URL='$(ADMIN_URL)' go test -race -count=1 -timeout 8m ./...

bench: db-start build
	CALLINGD_TEST_DATABASE_URL='$(ADMIN_URL)' go run ./cmd/callingbench --callingd $(BIN)/callingd

# The fault drills alone (also in make test and make bench): BENCH chaos_* lines.
chaos: db-start build
	CALLINGD_TEST_DATABASE_URL='$(ADMIN_URL)' go run ./cmd/callingbench --callingd $(BIN)/callingd --only chaos
