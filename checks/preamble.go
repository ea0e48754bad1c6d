package checks

import (
	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

// The preambles every product check starts with: "is the product here, can
// its config be read, does this check apply". Each returns either what the
// check judges or the one finding that says why it does not judge (a skip
// with the reason, or the unreadable file's error), so a new check never
// writes them again and never passes silently when it did not look.

// connectProviderConfig is the preamble of a check that applies only when
// Connect's Authentication.Provider is provider: Connect installed, the gcfg
// readable and parsed (else skip, connect-auth-provider reports it), the
// provider is provider (else skip naming the one in use).
func (c *Check) connectProviderConfig(s *collectors.Snapshot, provider string) (*parse.Gcfg, *Finding) {
	if s.Connect == nil {
		f := c.skip("Posit Connect is not installed")
		return nil, &f
	}
	g, skip := c.connectConfigOrSkip(s)
	if skip != nil {
		return nil, skip
	}
	if prov, _, _ := connectProvider(g); prov != provider {
		f := c.skip("Connect's provider is " + prov + ", not " + provider)
		return nil, &f
	}
	return g, nil
}

// workbenchConfig is the preamble of a Workbench check: Workbench installed
// (else skip) and rserver.conf readable (else its error).
func (c *Check) workbenchConfig(s *collectors.Snapshot) (*collectors.WorkbenchFacts, *Finding) {
	if s.Workbench == nil {
		f := c.skip("Posit Workbench is not installed")
		return nil, &f
	}
	if f, bad := c.unreadable(s.File(collectors.RServerConfPath)); bad {
		return nil, &f
	}
	return s.Workbench, nil
}

// workbenchFeature is workbenchConfig for a check that applies only when the
// rserver.conf option key is 1; off, it skips with why.
func (c *Check) workbenchFeature(s *collectors.Snapshot, key, why string) (*collectors.WorkbenchFacts, *Finding) {
	w, stop := c.workbenchConfig(s)
	if stop != nil {
		return nil, stop
	}
	if !w.RServer.Enabled(key) {
		f := c.skip(why + " (" + key + " is not 1)")
		return nil, &f
	}
	return w, nil
}
