package compare

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
	"github.com/posit-doctor/posit-doctor/redact"
	"github.com/posit-doctor/posit-doctor/report"
)

// node is a bundle made in memory: what compare reads, and nothing else.
func node(name, gcfg, rserver, lb string, secrets []collectors.SecretFact, skew time.Duration, findings ...checks.Finding) *report.Bundle {
	g, _ := parse.ParseGcfg([]byte(gcfg))
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := &collectors.Snapshot{Schema: collectors.SnapshotSchema, Hostname: "same-host",
		Connect:   &collectors.ConnectFacts{ConfigPath: collectors.ConnectConfigPath, Config: g},
		Workbench: &collectors.WorkbenchFacts{RServer: parse.ParseKV([]byte(rserver)), LoadBalancer: parse.ParseKV([]byte(lb))},
		Secrets:   secrets,
		Probes: &collectors.ProbeFacts{Ran: true, Issuers: []collectors.IssuerFact{{Issuer: "https://idp", Probe: &probe.DiscoveryResult{
			Discovery: &probe.HTTPResult{Date: now, ReceivedAt: now.Add(skew)}}}}},
	}
	return &report.Bundle{Name: name + ".tar.gz", Facts: s, Manifest: &report.Manifest{Schema: report.BundleSchema},
		Report: &report.Report{Schema: report.Schema, Findings: findings}}
}

const gcfgBase = "[Server]\nAddress = https://connect.example.com\nDataDir = /shared/connect\n[Metrics]\nDataPath = /var/lib/metrics-1\n[Database]\nProvider = postgres\n"

func find(r *Result, key string) *Drift {
	for i := range r.Drift {
		if r.Drift[i].Key == key {
			return &r.Drift[i]
		}
	}
	return nil
}

// TestDriftClasses: one table row per class of difference, with the
// severity the contract gives it; documented per-node values are no drift.
func TestDriftClasses(t *testing.T) {
	sec := func(crc string) []collectors.SecretFact {
		return []collectors.SecretFact{
			{Product: "workbench", Setting: "client-secret", Path: collectors.OpenIDSecretPath, Set: true, Form: collectors.FormWorkbenchEncrypted, KeyCRC32: crc, Listed: true},
			{Product: "workbench", Setting: "secure-cookie-key", Path: collectors.SecureCookieKeyEtc, Set: true, Form: collectors.FormFile, KeyCRC32: crc, Listed: true},
		}
	}
	pass := checks.Finding{Check: "nscd-cache", Severity: checks.Pass, Title: "ok"}
	fail := checks.Finding{Check: "nscd-cache", Severity: checks.Fail, Title: "nscd caches passwd"}
	a := node("a", gcfgBase, "auth-openid=1\nwww-port=8787\n", "www-host-name=a.internal\nbalancer=sessions\n", sec("AAAA0001"), 0, pass)
	b := node("b", strings.Replace(strings.Replace(gcfgBase, "postgres", "sqlite", 1), "metrics-1", "metrics-2", 1),
		"auth-openid=1\nwww-port=8788\nsession-timeout-minutes=30\n", "www-host-name=b.internal\nbalancer=user-hash\n", sec("BBBB0002"), 3*time.Minute, fail)
	r := Compare([]*report.Bundle{a, b})
	for _, c := range []struct {
		key, sev string
	}{
		{"Database.Provider", Fail},
		{"secure-cookie-key CRC32", Fail},
		{"client-secret", Fail},
		{"session-timeout-minutes", Warn},
		{"balancer", Warn},
		{"offset to the IdP", Warn},
		{"nscd-cache", Warn},
	} {
		d := find(r, c.key)
		if d == nil || d.Severity != c.sev {
			t.Errorf("%s: got %+v, want severity %s", c.key, d, c.sev)
			continue
		}
		if d.Values["a"] == d.Values["b"] || d.Why == "" {
			t.Errorf("%s: %+v", c.key, d)
		}
	}
	for _, perNode := range []string{"www-port", "www-host-name", "Metrics.DataPath", "Server.Address"} {
		if d := find(r, perNode); d != nil {
			t.Errorf("%s differs per node by design (or is equal), not drift: %+v", perNode, d)
		}
	}
	if r.ExitCode() != 2 {
		t.Errorf("exit %d", r.ExitCode())
	}
	if d := find(r, "client-secret"); d != nil && d.Values["a"] != "workbench-encrypted, key crc32:AAAA0001" {
		t.Errorf("client-secret value %q", d.Values["a"])
	}
	// Same host name on both: labelled by bundle file.
	if r.Nodes[0].label != "a" || r.Nodes[1].label != "b" {
		t.Errorf("labels %+v", r.Nodes)
	}
	same := Compare([]*report.Bundle{a, node("a2", gcfgBase, "auth-openid=1\nwww-port=8787\n", "www-host-name=x\nbalancer=sessions\n", sec("AAAA0001"), 20*time.Second, pass)})
	if len(same.Drift) != 0 || same.ExitCode() != 0 {
		t.Errorf("agreeing nodes (20 s clock difference is within tolerance): %+v", same.Drift)
	}
}

// TestWriteEscapesAndRedacts: a config value with terminal escapes and a
// secret shape is shown escaped and redacted in every format, and the JSON
// is the compare/v1 shape.
func TestWriteEscapesAndRedacts(t *testing.T) {
	a := node("a", gcfgBase, "launcher-address=localhost\n", "", nil, 0)
	b := node("b", gcfgBase, "launcher-address=\x1b[31mevil https://u:PlantedPw0001@h/\n", "", nil, 0)
	r := Compare([]*report.Bundle{a, b})
	for _, f := range []string{FormatText, FormatJSON, FormatMarkdown} {
		var buf bytes.Buffer
		if err := Write(&buf, r, f, redact.New()); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.Contains(out, "PlantedPw0001") || strings.Contains(out, "\x1b") {
			t.Errorf("%s leaks or drives the terminal:\n%q", f, out)
		}
		if f == FormatJSON {
			var doc map[string]any
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"schema", "nodes", "drift"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("json lacks %q", k)
				}
			}
			d := doc["drift"].([]any)[0].(map[string]any)
			for _, k := range []string{"kind", "path", "key", "values", "severity", "why"} {
				if _, ok := d[k]; !ok {
					t.Errorf("drift item lacks %q: %v", k, d)
				}
			}
		}
	}
	if err := Write(&bytes.Buffer{}, r, "yaml", redact.New()); err == nil {
		t.Error("unknown format accepted")
	}
}
