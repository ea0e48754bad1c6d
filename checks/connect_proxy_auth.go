package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
)

var connectProxyAuth = &Check{
	ID:    "connect-proxy-auth",
	Title: "proxied authentication: Server.Address set and Connect reachable only through the proxy",
	Description: `With Provider = proxy, Connect trusts the username header (X-Auth-Username or
ProxyAuth.UsernameHeader) that the authenticating proxy sets. Server.Address must
point at the proxy. Anyone who can reach Connect's own port directly can forge
that header, so HTTP.Listen bound to every interface is a risk unless a firewall
closes the port; the proxy must also strip any username header the client sends
("Rejected insecure proxy authentication attempt" in the log means it does not,
or users bypass it). Groups come from ProxyAuth.GroupsHeader in current Connect;
GroupsAutoProvision without it has nothing to provision.`,
	Rules: []Rule{
		{ID: "proxy-server-address-required", Level: "must", Text: "Provider = proxy requires Server.Address pointing at the proxy.", Source: seed004 + " § 10.9.4 Configuring Proxied Authentication"},
		{ID: "proxy-no-direct-access", Level: "must", Text: "All access goes through the proxy; warn when HTTP.Listen is on all interfaces.", Source: seed004 + " § 10.9.1 How this Works"},
		{ID: "proxy-strip-username-header", Level: "must", Text: "The proxy deletes client-sent username headers before setting its own.", Source: seed004 + " § 10.9.5 Troubleshooting Proxied Authentication"},
		{ID: "proxy-usernameheader-match", Level: "must", Text: "ProxyAuth.UsernameHeader (default X-Auth-Username) matches what the proxy sets.", Source: seed004 + " § 10.9.4 Configuring Proxied Authentication"},
		{ID: "proxy-groups-header", Level: "info", Text: "Groups under proxied authentication come from the header named by ProxyAuth.GroupsHeader; GroupsAutoProvision needs it.", Source: "Posit Connect Admin Guide: Proxied Authentication § Configuration Example (GroupsHeader, GroupsAutoProvision) (https://docs.posit.co/connect/admin/authentication/proxied/)"},
	},
	Docs:  []string{"https://docs.posit.co/connect/admin/authentication/proxied/"},
	Needs: []collectors.Need{collectors.NeedConnect, collectors.NeedLogs},
	Run:   runConnectProxyAuth,
}

func runConnectProxyAuth(c *Check, s *collectors.Snapshot) []Finding {
	g, stop := c.connectProviderConfig(s, "proxy")
	if stop != nil {
		return []Finding{*stop}
	}
	var issues []issue
	if strings.TrimSpace(g.Value("Server", "Address")) == "" {
		issues = append(issues, issue{sev: Fail, rule: "proxy-server-address-required", title: "Provider = proxy but Server.Address is not set",
			detail: "Connect builds its links and redirects from Server.Address, which must be the authenticating proxy's URL.", fix: "Set [Server] Address to the proxy's https URL."})
	}
	listen := strings.TrimSpace(g.Value("HTTP", "Listen"))
	if listen == "" {
		listen = ":3939" // Connect's default
	}
	if host := listenHost(listen); host == "" || host == "0.0.0.0" || host == "::" || host == "[::]" {
		ev := []Evidence{}
		if e, ok := g.Get("HTTP", "Listen"); ok {
			ev = gcfgEv(s, e)
		}
		issues = append(issues, issue{sev: Warn, rule: "proxy-no-direct-access", title: "Connect listens on every interface (" + listen + ") under proxied authentication",
			detail: "Anyone who can reach that port directly can send their own username header and sign in as anyone.", fix: "Bind HTTP.Listen to 127.0.0.1 (when the proxy runs here) or firewall the port so only the proxy reaches it.", ev: ev})
	}
	header := strings.TrimSpace(g.Value("ProxyAuth", "UsernameHeader"))
	if header == "" {
		header = "X-Auth-Username"
	}
	issues = append(issues, issue{sev: Info, rule: "proxy-usernameheader-match", title: "Connect trusts the header " + header,
		detail: "The proxy must set " + header + " after deleting any copy the client sent.", fix: "Check the proxy config (nginx: proxy_set_header " + header + " $remote_user; Apache: RequestHeader unset then set)."})
	for _, lf := range s.Logs {
		if lf.Product != "connect" || lf.Scan == nil {
			continue
		}
		for _, gr := range lf.Scan.Groups {
			if gr.Signature == "connect-proxy-insecure" {
				issues = append(issues, issue{sev: Fail, rule: "proxy-strip-username-header", title: "the Connect log shows rejected insecure proxy authentication attempts",
					detail: "See log-errors: the proxy does not strip client-sent username headers, or users reach Connect directly.", fix: "Strip the header in the proxy and close direct access to Connect's port."})
			}
		}
	}
	// Current Connect takes groups from the proxy in ProxyAuth.GroupsHeader
	// (the 1.7-era guide said proxied authentication had none).
	groupsHeader, hasHeader := g.Get("ProxyAuth", "GroupsHeader")
	hasHeader = hasHeader && strings.TrimSpace(groupsHeader.Value) != ""
	auto, autoSet := boolSetting(g, "ProxyAuth", "GroupsAutoProvision")
	switch {
	case hasHeader:
		h := strings.TrimSpace(groupsHeader.Value)
		detail := fmt.Sprintf("Connect reads the user's groups from the %s header the proxy sets", h)
		if autoSet && auto {
			detail += " and creates groups it does not know (GroupsAutoProvision)"
		}
		issues = append(issues, issue{sev: Info, rule: "proxy-groups-header", title: "groups come from the proxy's " + h + " header",
			detail: detail + ". The proxy must set that header itself and strip any copy the client sends, as for the username header. Connect versions before GroupsHeader existed (the 1.7 guide) had no groups with proxied authentication.",
			fix:    "Make sure the proxy sends " + h + " with the groups separated as Connect expects, and deletes client-sent copies.", ev: gcfgEv(s, groupsHeader)})
	case autoSet && auto:
		e, _ := g.Get("ProxyAuth", "GroupsAutoProvision")
		issues = append(issues, issue{sev: Warn, rule: "proxy-groups-header", title: "GroupsAutoProvision is on but no ProxyAuth.GroupsHeader is set",
			detail: "Connect learns groups under proxied authentication only from the header named by ProxyAuth.GroupsHeader; without it there are no groups to provision.",
			fix:    "Set ProxyAuth.GroupsHeader (e.g. X-Auth-Groups) to the header your proxy fills with the user's groups, or remove GroupsAutoProvision.", ev: gcfgEv(s, e)})
	}
	return c.emit(issues, "proxied authentication is set up safely", "Server.Address is set and Connect is not listening on every interface.",
		"proxy-server-address-required", "proxy-no-direct-access")
}

// listenHost is the host part of an HTTP.Listen value (":3939" -> "").
func listenHost(l string) string {
	i := strings.LastIndex(l, ":")
	if i < 0 {
		return l
	}
	return l[:i]
}
