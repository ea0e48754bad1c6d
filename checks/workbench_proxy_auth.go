package checks

import (
	"net/url"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

// docWorkbenchProxied is the public page the proxied-authentication rules
// come from (the source documents say nothing about Workbench's proxy mode).
const docWorkbenchProxied = "Posit Workbench Admin Guide: Proxied Authentication"

const urlWorkbenchProxied = "https://docs.posit.co/ide/server-pro/authenticating_users/proxied_authentication.html"

// wbProxyHeaderDefault is the header Workbench trusts unless
// auth-proxy-user-header names another.
const wbProxyHeaderDefault = "X-RStudio-Username"

var workbenchProxyAuth = &Check{
	ID:    "workbench-proxy-auth",
	Title: "Workbench proxied authentication: sign-in URL set, one sign-in method, reachable only through the proxy",
	Description: `With auth-proxy=1 Workbench trusts the username header (X-RStudio-Username,
or auth-proxy-user-header) that the authenticating proxy sets, and sends users
without it to auth-proxy-sign-in-url, which must therefore be set to an
absolute URL. Proxied authentication is the only sign-in method once on, so
auth-openid or auth-saml beside it is a conflict. Anyone who can reach
Workbench's own port can send the header themselves, so www-address on every
interface (the default) is a risk unless a firewall closes the port.`,
	Rules: []Rule{
		{ID: "wb-proxy-sign-in-url", Level: "must", Text: "auth-proxy=1 needs auth-proxy-sign-in-url, an absolute URL without placeholders.", Source: docWorkbenchProxied + " § Enabling proxied authentication (" + urlWorkbenchProxied + ")"},
		{ID: "wb-proxy-exclusive", Level: "must", Text: "Proxied authentication is the exclusive sign-in method: not together with auth-openid or auth-saml.", Source: docWorkbenchProxied + " § Enabling proxied authentication (" + urlWorkbenchProxied + ")"},
		{ID: "wb-proxy-no-direct-access", Level: "must", Text: "End-user traffic cannot reach Workbench directly: www-address is not every interface (or a firewall closes the port).", Source: docWorkbenchProxied + " (" + urlWorkbenchProxied + ")"},
		{ID: "wb-proxy-user-header", Level: "info", Text: "The proxy sets the username header Workbench trusts (X-RStudio-Username unless auth-proxy-user-header names another) and drops any copy the client sent.", Source: docWorkbenchProxied + " § Implementing the proxy (" + urlWorkbenchProxied + ")"},
	},
	Docs:  []string{urlWorkbenchProxied},
	Needs: []collectors.Need{collectors.NeedWorkbench},
	Run:   runWorkbenchProxyAuth,
}

func runWorkbenchProxyAuth(c *Check, s *collectors.Snapshot) []Finding {
	w, stop := c.workbenchFeature(s, "auth-proxy", "Workbench proxied authentication is off")
	if stop != nil {
		return []Finding{*stop}
	}
	rs := collectors.RServerConfPath
	var issues []issue
	on, _ := w.RServer.Get("auth-proxy")
	signIn, ok := w.RServer.Get("auth-proxy-sign-in-url")
	v := strings.TrimSpace(parse.Unquote(strings.TrimSpace(signIn.Value)))
	u, err := url.Parse(v)
	switch {
	case !ok || v == "":
		issues = append(issues, issue{sev: Fail, rule: "wb-proxy-sign-in-url", title: "auth-proxy=1 but auth-proxy-sign-in-url is not set",
			detail: "Workbench redirects every request without the username header, and every sign-out, to auth-proxy-sign-in-url; without it users have nowhere to sign in.",
			fix:    "Set auth-proxy-sign-in-url=https://<your proxy>/<sign-in page> in " + rs + " and restart Workbench.", ev: kvEv(rs, on)})
	case collectors.Placeholder(v):
		issues = append(issues, issue{sev: Fail, rule: "wb-proxy-sign-in-url", title: "auth-proxy-sign-in-url is still a documentation placeholder",
			detail: "auth-proxy-sign-in-url = " + v + ".", fix: "Set it to the real sign-in page of your authenticating proxy.", ev: kvEv(rs, signIn)})
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		issues = append(issues, issue{sev: Fail, rule: "wb-proxy-sign-in-url", title: "auth-proxy-sign-in-url is not an absolute URL",
			detail: "auth-proxy-sign-in-url = " + v + "; the documents ask for the absolute URL of the sign-in page.", fix: "Use the full https:// URL of the sign-in page.", ev: kvEv(rs, signIn)})
	}
	for _, other := range []string{"auth-openid", "auth-saml"} {
		if w.RServer.Enabled(other) {
			e, _ := w.RServer.Get(other)
			issues = append(issues, issue{sev: Fail, rule: "wb-proxy-exclusive", title: "auth-proxy and " + other + " are both on",
				detail: "Once proxied authentication is on it is the only sign-in method; " + other + "=1 beside it cannot work as intended.",
				fix:    "Keep one sign-in method: remove " + other + "=1 or auth-proxy=1 from " + rs + ".", ev: kvEv(rs, e)})
		}
	}
	addr, set := w.RServer.Get("www-address")
	if a := strings.TrimSpace(addr.Value); !set || a == "" || a == "0.0.0.0" || a == "::" || a == "[::]" {
		shown := "0.0.0.0 (the default)"
		var ev []Evidence
		if set {
			shown, ev = a, kvEv(rs, addr)
		}
		issues = append(issues, issue{sev: Warn, rule: "wb-proxy-no-direct-access", title: "Workbench listens on every interface (www-address " + shown + ") under proxied authentication",
			detail: "Anyone who can reach Workbench's port directly can send their own " + proxyHeader(w) + " header and work as any user.",
			fix:    "Set www-address=127.0.0.1 when the proxy runs on this host, or firewall the port so only the proxy reaches it.", ev: ev})
	}
	var hev []Evidence
	if e, ok := w.RServer.Get("auth-proxy-user-header"); ok {
		hev = kvEv(rs, e)
	}
	issues = append(issues, issue{sev: Info, rule: "wb-proxy-user-header", title: "Workbench trusts the header " + proxyHeader(w),
		detail: "The proxy must set " + proxyHeader(w) + " from the user it authenticated, after deleting any copy the client sent (reverse-proxy checks the nginx and Apache configs on this host).",
		fix:    "nginx: proxy_set_header " + proxyHeader(w) + " $remote_user; Apache: RequestHeader unset, then set, " + proxyHeader(w) + ".", ev: hev})
	return c.emit(issues, "Workbench proxied authentication is set up safely",
		"auth-proxy-sign-in-url is an absolute URL, no other sign-in method is on, and www-address is not every interface.",
		"wb-proxy-sign-in-url", "wb-proxy-exclusive", "wb-proxy-no-direct-access")
}

// proxyHeader is the username header Workbench trusts.
func proxyHeader(w *collectors.WorkbenchFacts) string {
	if h := strings.TrimSpace(w.RServer.Value("auth-proxy-user-header")); h != "" {
		return h
	}
	return wbProxyHeaderDefault
}
