package collectors

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/posit-doctor/posit-doctor/redact"
)

// RedactedJSON serialises the snapshot for a support bundle with every
// string passed through the redactor. Values of secret settings are
// replaced by redact.Token, which keeps what the checks judge (plain or
// encrypted, and with which Workbench key), so 'posit-doctor analyze'
// reaches the same verdicts offline. The walk is generic: a field added to
// the snapshot later is redacted without anyone remembering to.
func RedactedJSON(s *Snapshot, red *redact.Redactor) ([]byte, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("serialising facts: %w", err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return json.MarshalIndent(redactFacts(v, red), "", "  ")
}

func redactFacts(v any, red *redact.Redactor) any {
	switch x := v.(type) {
	case string:
		return red.String(x)
	case []any:
		for i := range x {
			x[i] = redactFacts(x[i], red)
		}
		return x
	case map[string]any:
		// A parsed setting: {"key": ..., "value": ..., "raw_value"/"raw": ...}.
		// Its value becomes a token; everything else, raw lines included,
		// goes through the redactor.
		tokenised := false
		if k, ok := x["key"].(string); ok {
			if val, ok := x["value"].(string); ok && secretSetting(k, val) {
				x["value"] = tokenFor(k, val)
				if _, ok := x["raw_value"]; ok {
					x["raw_value"] = tokenFor(k, val)
				}
				tokenised = true
			}
		}
		for k, e := range x {
			if tokenised && (k == "value" || k == "raw_value") {
				continue
			}
			x[k] = redactFacts(e, red)
		}
		return x
	}
	return v
}

// secretSetting reports a setting whose value is a secret (not a path, a
// boolean or a number naming one).
func secretSetting(key, val string) bool {
	if strings.EqualFold(key, "URL") {
		u, err := url.Parse(strings.TrimSpace(val))
		if err != nil || u.User == nil {
			return false
		}
		_, has := u.User.Password()
		return has
	}
	return redact.IsSecretKey(key) && redact.String(key+" = "+val) != key+" = "+val
}

// tokenFor redacts a secret value; a URL keeps its shape with the
// password's token in place.
func tokenFor(key, val string) string {
	if strings.EqualFold(key, "URL") {
		u, err := url.Parse(strings.TrimSpace(val))
		if err == nil && u.User != nil {
			pw, _ := u.User.Password()
			// Percent-encoded, as a URL must be: url.Parse gives the
			// token back as the password.
			u.User = url.UserPassword(u.User.Username(), redact.Token(pw))
			return u.String()
		}
	}
	return redact.Token(val)
}
