package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
)

// catalogue is the one place checks are registered, in the order reports
// list them. IDs are a public contract (JSON, --only, bundle paths): never
// rename one; retire it with a note instead.
var catalogue = mustCatalogue(
	frontdoorTLS,
	issuerReachable,
	redirectURIWhitespace,
	secretFileMode,
	nsswitchPwb,
	nscdCache,
	logErrors,
	clockSkew,
	connectAuthProvider,
	connectOAuth2,
	connectLDAP,
	connectPAM,
	connectProxyAuth,
	connectSAML,
	workbenchOpenID,
	workbenchUserProvisioning,
	workbenchLauncher,
	workbenchProxyAuth,
	workbenchSAML,
	workbenchLoadBalancing,
	reverseProxy,
	services,
)

func mustCatalogue(cs ...*Check) []*Check {
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.ID] {
			panic("duplicate check ID " + c.ID)
		}
		seen[c.ID] = true
	}
	return cs
}

// All returns the catalogue in report order.
func All() []*Check { return append([]*Check(nil), catalogue...) }

// IDs returns every check ID, sorted.
func IDs() []string {
	ids := make([]string, 0, len(catalogue))
	for _, c := range catalogue {
		ids = append(ids, c.ID)
	}
	sort.Strings(ids)
	return ids
}

// ByID returns the check with id.
func ByID(id string) (*Check, bool) {
	for _, c := range catalogue {
		if c.ID == id {
			return c, true
		}
	}
	return nil, false
}

// UnknownIDError names IDs that are not in the catalogue and lists the valid ones.
type UnknownIDError struct {
	Flag    string
	Unknown []string
}

func (e *UnknownIDError) Error() string {
	return fmt.Sprintf("%s: unknown check ID %s; valid IDs are: %s",
		e.Flag, strings.Join(e.Unknown, ", "), strings.Join(IDs(), ", "))
}

// Select applies --only and --skip (comma-separated IDs) to the catalogue.
func Select(only, skip []string) ([]*Check, error) {
	var unknown []string
	set := func(flag string, ids []string) (map[string]bool, error) {
		m := map[string]bool{}
		unknown = unknown[:0]
		for _, id := range ids {
			id = strings.TrimSpace(id)
			if id == "" {
				continue
			}
			if _, ok := ByID(id); !ok {
				unknown = append(unknown, id)
			}
			m[id] = true
		}
		if len(unknown) > 0 {
			return nil, &UnknownIDError{Flag: flag, Unknown: append([]string(nil), unknown...)}
		}
		return m, nil
	}
	onlySet, err := set("--only", only)
	if err != nil {
		return nil, err
	}
	skipSet, err := set("--skip", skip)
	if err != nil {
		return nil, err
	}
	var out []*Check
	for _, c := range catalogue {
		if len(onlySet) > 0 && !onlySet[c.ID] {
			continue
		}
		if skipSet[c.ID] {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// PlanFor is what a run of cs collects and whom it may contact: the union
// of their Needs and Probes. With offline, nothing is contacted, whatever
// the checks judge.
func PlanFor(cs []*Check, offline bool) *collectors.Plan {
	var needs []collectors.Need
	var probes []collectors.ProbeKind
	for _, c := range cs {
		needs = append(needs, c.Needs...)
		probes = append(probes, c.Probes...)
	}
	return collectors.NewPlan(needs, probes, offline)
}

// NeedsNetwork reports whether any of cs judges network probes (declares
// Probes), so that a run that selects none sends no traffic. It reads the
// checks' declarations, never a list of IDs, so a new network check cannot
// be forgotten here.
func NeedsNetwork(cs []*Check) bool {
	for _, c := range cs {
		if len(c.Probes) > 0 {
			return true
		}
	}
	return false
}
