package checks

import (
	"fmt"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

var clockSkew = &Check{
	ID:    "clock-skew",
	Title: "this host's clock agrees with the IdP's",
	Description: `ID tokens are short-lived and carry issued-at and expiry times; a host whose
clock is off by minutes rejects valid tokens or accepts stale ones. The check
compares this host's clock with the Date header of every https peer probed (the
issuers first): more than 60 seconds apart warns, more than 5 minutes fails.`,
	Rules: []Rule{
		{ID: "clock-in-sync", Level: "should", Text: "The host clock is close to the IdP's, because tokens are short-lived.", Source: seed000 + `: "short-lived, usually expiring after an hour"`},
	},
	Docs:   []string{"https://docs.posit.co/connect/admin/authentication/oauth2-openid-based/openid-connect/"},
	Needs:  []collectors.Need{collectors.NeedProbes},
	Probes: []collectors.ProbeKind{collectors.ProbeFrontDoor, collectors.ProbeIssuer},
	Run:    runClockSkew,
}

const (
	skewWarn = 60 * time.Second
	skewFail = 5 * time.Minute
)

func runClockSkew(c *Check, s *collectors.Snapshot) []Finding {
	pf := s.Probes
	if pf == nil || !pf.Ran {
		return []Finding{c.skip("network probes were not run")}
	}
	if pf.Offline {
		return []Finding{c.skip("offline: no https peer was contacted, so the clock could not be compared")}
	}
	type sample struct {
		peer string
		skew time.Duration
	}
	var samples []sample
	add := func(h *probe.HTTPResult) {
		if h == nil || h.Date.IsZero() || h.ReceivedAt.IsZero() {
			return
		}
		// Date has one-second resolution: truncate our side to match.
		samples = append(samples, sample{h.URL, h.ReceivedAt.Truncate(time.Second).Sub(h.Date)})
	}
	for _, is := range pf.Issuers {
		if is.Probe != nil {
			add(is.Probe.Discovery)
			add(is.Probe.JWKS)
		}
	}
	for _, fd := range pf.FrontDoors {
		if fd.Probe != nil {
			add(fd.Probe.HTTP)
		}
	}
	if len(samples) == 0 {
		return []Finding{c.skip("no https peer answered with a Date header, so the clock could not be compared")}
	}
	// Under --root the clock compared is this machine's, not the inspected
	// host's: say so in the title.
	clock := "this host's clock"
	if !s.Live {
		clock = "this machine's clock"
	}
	worst := samples[0]
	for _, sm := range samples[1:] {
		if abs(sm.skew) > abs(worst.skew) {
			worst = sm
		}
	}
	dir := "ahead of"
	if worst.skew < 0 {
		dir = "behind"
	}
	data := map[string]any{"skew_seconds": int(worst.skew.Seconds()), "peer": worst.peer, "peers": len(samples)}
	switch a := abs(worst.skew); {
	case a > skewFail:
		f := c.finding(Fail, fmt.Sprintf("%s is %s %s %s", clock, a.Round(time.Second), dir, worst.peer), "clock-in-sync")
		f.Detail = fmt.Sprintf("Compared with the Date header of %d https answer(s), the largest difference is %s (%s). Token validation fails with skew this large.", len(samples), a.Round(time.Second), worst.peer) + probeNote(s)
		f.Remediation = "Run an NTP client (chronyd or systemd-timesyncd: 'timedatectl set-ntp true') and check 'timedatectl status'."
		f.Data = data
		return []Finding{f}
	case a > skewWarn:
		f := c.finding(Warn, fmt.Sprintf("%s is %s %s %s", clock, a.Round(time.Second), dir, worst.peer), "clock-in-sync")
		f.Detail = fmt.Sprintf("Compared with %d https answer(s), the largest difference is %s. Tokens tolerate little skew.", len(samples), a.Round(time.Second)) + probeNote(s)
		f.Remediation = "Enable time synchronisation ('timedatectl set-ntp true')."
		f.Data = data
		return []Finding{f}
	}
	f := c.finding(Pass, fmt.Sprintf("the clock agrees with %d https peer(s) within %s", len(samples), skewWarn), "clock-in-sync")
	f.Detail = fmt.Sprintf("Largest difference %s (%s).", abs(worst.skew).Round(time.Second), worst.peer) + probeNote(s)
	f.Data = data
	return []Finding{f}
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
