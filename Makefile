# posit-doctor: build, run on a fixture host, test, lint, fuzz, bench.
GO       ?= go
PKG      := github.com/posit-doctor/posit-doctor
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X $(PKG)/cmd/cli.Version=$(VERSION) -X $(PKG)/cmd/cli.Commit=$(COMMIT) -X $(PKG)/cmd/cli.Date=$(DATE)
BIN      := bin/posit-doctor
# The fixture host 'make run' inspects (any directory under testdata/hosts).
SCENARIO ?= ubuntu-healthy
FUZZTIME ?= 20s

.PHONY: build run test test-deps lint fuzz stress bench bench-logs clean package

## build: a static binary at bin/posit-doctor (no cgo)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/posit-doctor

## run: build, materialise a fixture host and inspect it (SCENARIO=name)
# The fixture's URLs are documentation hosts, so the demo runs --offline:
# no DNS query, no connection; the network checks judge what needs none.
run: build
	$(GO) run ./cmd/mkfixture $(SCENARIO) build/hosts/$(SCENARIO)
	@$(BIN) run --root build/hosts/$(SCENARIO) --offline; status=$$?; \
	  echo "(posit-doctor exited $$status; --offline: nothing was sent; on a real host: sudo $(BIN) run)"

## package: dist/posit-doctor_<version>_amd64.deb and .rpm (nfpm): the binary,
## man pages, completions, systemd units and /etc/default/posit-doctor
package: build
	$(GO) run ./cmd/mkpackage -version '$(VERSION)' \
	  -commits $$(git rev-list --count HEAD 2>/dev/null || echo 0) \
	  -mtime $$(git log -1 --format=%ct 2>/dev/null || date +%s) \
	  -stage build/package -out dist

## test: lint, the static build, and every test with the race detector
test: lint build test-deps
	$(GO) test -race -count=1 ./...

## test-deps: the real servers the tests run on loopback (Debian packages)
test-deps:
	@missing=""; \
	  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	  command -v apache2 >/dev/null 2>&1 || [ -x /usr/sbin/apache2 ] || missing="$$missing apache2"; \
	  command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	  command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	  command -v prometheus-node-exporter >/dev/null 2>&1 || missing="$$missing prometheus-node-exporter"; \
	  command -v rpm >/dev/null 2>&1 || missing="$$missing rpm"; \
	  command -v systemd-analyze >/dev/null 2>&1 || missing="$$missing systemd"; \
	  command -v dpkg-deb >/dev/null 2>&1 || missing="$$missing dpkg"; \
	  command -v man >/dev/null 2>&1 || missing="$$missing man-db"; \
	  command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || missing="$$missing openssh-server"; \
	  command -v ssh >/dev/null 2>&1 || missing="$$missing openssh-client"; \
	  command -v ansible-playbook >/dev/null 2>&1 || missing="$$missing ansible-core"; \
	  command -v strace >/dev/null 2>&1 || missing="$$missing strace"; \
	  command -v setpriv >/dev/null 2>&1 || missing="$$missing util-linux"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "installing$$missing for the loopback tests"; \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing) >/dev/null \
	        || echo "WARNING: could not install$$missing; the tests that need them will SKIP"; \
	    else \
	      echo "WARNING: not root or no apt-get:$$missing missing; the tests that need them will SKIP"; \
	    fi; \
	  fi

## test-ansible-scale: the fleet playbook on 20 loopback nodes (3 sshd
## ports, forks 20), with its wall time in the log (NODES=50 for more)
NODES ?= 20
test-ansible-scale: test-deps
	POSIT_DOCTOR_ANSIBLE_NODES=$(NODES) $(GO) test -count=1 -run '^TestPlaybookScale$$' -v ./deploy/ansible

## lint: gofmt and go vet must be clean
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## fuzz: a short run of every fuzz target (FUZZTIME=20s each)
fuzz:
	@for t in FuzzGcfg FuzzKV FuzzNSSwitch FuzzSystemGrammars; do \
	  $(GO) test ./collectors/parse -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) || exit 1; done
	$(GO) test ./collectors/logs -run '^$$' -fuzz '^FuzzClassify$$' -fuzztime $(FUZZTIME)
	$(GO) test ./collectors/logs -run '^$$' -fuzz '^FuzzTemplateKey$$' -fuzztime $(FUZZTIME)
	$(GO) test ./redact -run '^$$' -fuzz '^FuzzPlantedSecret$$' -fuzztime $(FUZZTIME)
	$(GO) test ./redact -run '^$$' -fuzz '^FuzzPlantedSecretClasses$$' -fuzztime $(FUZZTIME)
	$(GO) test ./report -run '^$$' -fuzz '^FuzzMachineText$$' -fuzztime $(FUZZTIME)
	$(GO) test ./report -run '^$$' -fuzz '^FuzzReadBundle$$' -fuzztime $(FUZZTIME)
	$(GO) test ./report -run '^$$' -fuzz '^FuzzTerminalText$$' -fuzztime $(FUZZTIME)

## stress: the symlink-swap races against --root for STRESSTIME (10s) each,
## under the race detector: a directory and a last component are swapped for
## links out of the root while collections run; nothing from outside may show
STRESSTIME ?= 10s
stress:
	POSIT_DOCTOR_STRESS=$(STRESSTIME) $(GO) test -race -count=1 -run 'SymlinkSwapStress' -v ./collectors/host ./cmd/cli

## bench: Go benchmarks, then the comparisons with standard tools
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	./testdata/bench/compare.sh
	./testdata/bench/redact.sh

## bench-logs: the scanner's Go benchmarks and the log table of compare.sh
## only (density table vs grep -c; RUNS=5 SIZE=256MiB by default)
bench-logs: build
	$(GO) test -run '^$$' -bench 'Scan|Classify|Template' -benchmem ./collectors/logs
	ONLY_LOGS=1 ./testdata/bench/compare.sh

clean:
	rm -rf bin build dist
