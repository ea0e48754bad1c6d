package checks

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

var redirectURIWhitespace = &Check{
	ID:    "redirect-uri-whitespace",
	Title: "no whitespace or invisible characters in redirect-URI and client values",
	Description: `The redirect URI the IdP sends users back to is built from the product's
address, and the IdP matches it, the issuer and the client ID character for
character. A trailing space, a tab, a no-break space, a zero-width character, a
carriage return from a file edited on Windows, or a "smart" quote pasted from a
document makes sign-in fail with "invalid url" or an unknown-client error that
looks like nothing is wrong. The check reads Connect's Server.Address,
OAuth2.OpenIDConnectIssuer (and the legacy DiscoveryEndpoint) and OAuth2.ClientId,
and Workbench's auth-openid-issuer, launcher-sessions-callback-address and the
client-id in openid-client-secret, and names each bad character with its position.
It also prints the redirect URIs the IdP must have registered.`,
	Rules: []Rule{
		{ID: "redirect-no-whitespace", Level: "must", Text: "No leading/trailing whitespace or invisible characters in values that form the redirect URI or identify the client.", Source: seed000 + `: "Make sure any whitespace has been removed"`},
		{ID: "redirect-connect-callback", Level: "must", Text: "Connect's redirect URI is <Server.Address>/__login__/callback.", Source: "001_e3c0e894e55e98ec.txt § Obtaining a Client ID and Client Secret"},
		{ID: "redirect-workbench-callback", Level: "must", Text: "Workbench's redirect URI is <Workbench https URL>/openid/callback.", Source: seed000 + `: "Workbench redirect URI"`},
	},
	Docs: []string{
		"https://docs.posit.co/connect/admin/authentication/oauth2-openid-based/openid-connect/",
		"https://docs.posit.co/ide/server-pro/admin/authenticating_users/openid_connect_authentication.html",
	},
	Needs: []collectors.Need{collectors.NeedConnect, collectors.NeedWorkbench},
	Run:   runRedirectURIWhitespace,
}

// valueSite is one configured value to inspect.
type valueSite struct {
	path, name string
	line       int
	raw        string // the whole source line
	// value is what the product reads. For gcfg that is the unquoted value
	// (gcfg itself trims unquoted whitespace and drops CR); for Workbench
	// it is every byte after '=' because Workbench's readers trim less.
	value   string
	trimmed bool // the product trims spaces/tabs around value (Workbench)
}

func runRedirectURIWhitespace(c *Check, s *collectors.Snapshot) []Finding {
	if s.Connect == nil && s.Workbench == nil {
		return []Finding{c.skip("neither Posit Connect nor Posit Workbench is installed")}
	}
	var out []Finding
	var sites []valueSite
	g, problem := c.connectConfig(s)
	if problem != nil {
		out = append(out, *problem)
	}
	for _, k := range [][2]string{{"Server", "Address"}, {"OAuth2", "OpenIDConnectIssuer"}, {"OAuth2", "DiscoveryEndpoint"}, {"OAuth2", "ClientId"}} {
		if e, ok := g.Get(k[0], k[1]); ok {
			sites = append(sites, valueSite{path: s.Connect.ConfigPath, name: k[0] + "." + k[1], line: e.Line, raw: e.Raw, value: e.Value})
		}
	}
	if w := s.Workbench; w != nil {
		for _, src := range []struct {
			path string
			kv   *parse.KV
			keys []string
		}{
			{collectors.RServerConfPath, w.RServer, []string{"auth-openid-issuer", "launcher-sessions-callback-address"}},
			{collectors.OpenIDSecretPath, w.OpenIDSecret, []string{"client-id"}},
		} {
			if f, bad := c.unreadable(s.File(src.path)); bad {
				out = append(out, f)
				continue
			}
			for _, k := range src.keys {
				if e, ok := src.kv.Get(k); ok {
					raw := e.Raw
					if strings.HasSuffix(e.RawValue, "\r") {
						raw += "\r" // show the CR in the evidence
					}
					sites = append(sites, valueSite{path: src.path, name: k, line: e.Line, raw: raw, value: e.RawValue, trimmed: true})
				}
			}
		}
	}
	var clean []Evidence
	for _, site := range sites {
		probs := inspectValue(site)
		if len(probs) == 0 {
			clean = append(clean, Evidence{Path: site.path, Line: site.line, Text: site.raw})
			continue
		}
		sev := Warn
		var words []string
		for _, p := range probs {
			if p.fatal {
				sev = Fail
			}
			words = append(words, p.text)
		}
		f := c.finding(sev, fmt.Sprintf("%s has %s", site.name, probs[0].short), "redirect-no-whitespace")
		f.Detail = fmt.Sprintf("%s (%s line %d): %s.", site.name, site.path, site.line, strings.Join(words, "; "))
		if sev == Warn {
			f.Detail += " Workbench trims spaces and tabs around values, so this is not fatal here, but the same value pasted into the IdP's registration is."
		}
		f.Evidence = append(f.Evidence, Evidence{Path: site.path, Line: site.line, Text: site.raw})
		f.Remediation = fmt.Sprintf("Retype line %d of %s by hand, with nothing before or after the value", site.line, site.path)
		if strings.Contains(strings.Join(words, " "), "carriage return") {
			f.Remediation += "; convert the file to Unix line endings (sed -i 's/\\r$//' " + site.path + ")"
		}
		f.Remediation += ", then restart the product."
		f.Data = map[string]any{"setting": site.name, "problems": len(probs)}
		out = append(out, f)
	}
	if len(sites) > 0 && len(out) == 0 {
		f := c.finding(Pass, "redirect-URI and client values are clean", "redirect-no-whitespace")
		f.Detail = fmt.Sprintf("%d value(s) checked: no surrounding whitespace, tabs, no-break or zero-width spaces, carriage returns or smart quotes.", len(sites))
		f.Evidence = clean
		out = append(out, f)
	}
	if f, ok := redirectURIs(c, s); ok {
		out = append(out, f)
	}
	if len(out) == 0 {
		out = append(out, c.skip("no redirect-URI or client setting is configured"))
	}
	return out
}

type valueProblem struct {
	short, text string
	fatal       bool // survives the product's own trimming
}

// inspectValue names every suspicious character of a value with its
// position (1-based, in characters of the value as the product reads it).
func inspectValue(v valueSite) []valueProblem {
	val := v.value
	var probs []valueProblem
	if v.trimmed {
		if strings.HasSuffix(val, "\r") {
			probs = append(probs, valueProblem{short: "a carriage return (CRLF line ending)", text: "ends in a carriage return (U+000D) from a Windows (CRLF) line ending", fatal: true})
			val = strings.TrimSuffix(val, "\r")
		}
		lead := len(val) - len(strings.TrimLeft(val, " \t"))
		trail := len(val) - len(strings.TrimRight(val, " \t"))
		if lead > 0 {
			probs = append(probs, valueProblem{short: "leading whitespace", text: fmt.Sprintf("%d space/tab character(s) before the value", lead)})
		}
		if trail > 0 {
			probs = append(probs, valueProblem{short: "trailing whitespace", text: fmt.Sprintf("%d space/tab character(s) after the value", trail)})
		}
		val = strings.Trim(val, " \t")
		if uq := parse.Unquote(val); uq != val {
			val = uq
		}
	}
	if !utf8.ValidString(val) {
		probs = append(probs, valueProblem{short: "bytes that are not UTF-8", text: "contains bytes that are not valid UTF-8", fatal: true})
		return probs
	}
	runes := []rune(val)
	for i, r := range runes {
		name, bad := suspiciousRune(r)
		if !bad {
			continue
		}
		where := fmt.Sprintf("at position %d of %d", i+1, len(runes))
		switch {
		case i == 0:
			where = "at the start (position 1)"
		case i == len(runes)-1:
			where = fmt.Sprintf("at the end (position %d)", i+1)
		}
		short := name
		if r == ' ' || r == '\t' {
			short = "whitespace inside the quotes"
			if i != 0 && i != len(runes)-1 {
				short = "whitespace inside the value"
			}
		}
		probs = append(probs, valueProblem{short: short, text: fmt.Sprintf("%s %s", name, where), fatal: true})
	}
	return probs
}

// suspiciousRune names characters that do not belong in a URL or client ID.
func suspiciousRune(r rune) (string, bool) {
	switch r {
	case ' ':
		return "a space (U+0020)", true
	case '\t':
		return "a tab (U+0009)", true
	case '\r':
		return "a carriage return (U+000D)", true
	case '\n':
		return "a line feed (U+000A)", true
	case '\u00a0':
		return "a no-break space (U+00A0)", true
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return fmt.Sprintf("a zero-width character (U+%04X)", r), true
	case '\u2018', '\u2019', '\u201c', '\u201d', '\u00ab', '\u00bb':
		return fmt.Sprintf("a typographic quote %q (U+%04X)", string(r), r), true
	case '"':
		return "a straight double quote (U+0022) left in the value", true
	}
	if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || unicode.IsControl(r) {
		return fmt.Sprintf("an invisible character (U+%04X)", r), true
	}
	return "", false
}

// redirectURIs lists the callback URLs the IdP must have registered.
// loopbackHost is localhost or a loopback address.
func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func redirectURIs(c *Check, s *collectors.Snapshot) (Finding, bool) {
	var uris []string
	var ev []Evidence
	var notes []string
	if cf := s.Connect; cf != nil && cf.Config != nil && strings.EqualFold(cf.Config.Value("Authentication", "Provider"), "oauth2") {
		if e, ok := cf.Config.Get("Server", "Address"); ok && strings.TrimSpace(e.Value) != "" {
			uris = append(uris, "Connect: "+strings.TrimRight(strings.TrimSpace(e.Value), "/")+"/__login__/callback")
			ev = append(ev, Evidence{Path: cf.ConfigPath, Line: e.Line, Text: e.Raw})
		} else {
			notes = append(notes, "Connect uses OAuth2 but Server.Address is not set, so its redirect URI cannot be derived: set Server.Address to the https URL users type")
		}
	}
	if w := s.Workbench; w != nil && w.RServer.Enabled("auth-openid") {
		// Workbench builds its redirect URI from the address the browser
		// used (through the proxy), which no setting records.
		// launcher-sessions-callback-address is where sessions call rserver
		// back; it is often that same URL but need not be (Posit's own
		// container image sets http://127.0.0.1:8787), so it is only a hint.
		note := "Workbench: <the https URL users type, e.g. https://workbench.company.com>/openid/callback (Workbench builds it from the address the browser uses; no setting records it)"
		if e, ok := w.RServer.Get("launcher-sessions-callback-address"); ok && e.Value != "" {
			base := strings.TrimRight(strings.TrimSpace(parse.Unquote(strings.TrimSpace(e.Value))), "/")
			if u, err := url.Parse(base); err == nil && u.Scheme == "https" && !loopbackHost(u.Hostname()) {
				note += fmt.Sprintf("; if users type %s, it is %s/openid/callback", base, base)
			} else {
				note += fmt.Sprintf("; launcher-sessions-callback-address (%s) is an internal address for sessions, not the one to register", base)
			}
			ev = append(ev, Evidence{Path: collectors.RServerConfPath, Line: e.Line, Text: e.Raw})
		}
		notes = append(notes, note)
	}
	if len(uris) == 0 && len(notes) == 0 {
		return Finding{}, false
	}
	f := c.finding(Info, "redirect URIs the IdP must have registered", "redirect-connect-callback", "redirect-workbench-callback")
	detail := uris
	detail = append(detail, notes...)
	f.Detail = strings.Join(detail, "\n")
	f.Evidence = ev
	f.Remediation = "Compare these with the app registrations in your IdP, character for character (https, host, any path prefix, no trailing space)."
	f.Data = map[string]any{"redirect_uris": uris}
	return f, true
}
