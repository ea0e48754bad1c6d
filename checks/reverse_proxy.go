package checks

import (
	"fmt"
	"github.com/posit-doctor/posit-doctor/collectors/host"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
)

const (
	docConnectRunProxy   = "Posit Connect Admin Guide: Running with a Proxy"
	urlConnectRunProxy   = "https://docs.posit.co/connect/admin/proxy/"
	docWorkbenchRunProxy = "Posit Workbench Admin Guide: Running with a Proxy"
	urlWorkbenchRunProxy = "https://docs.posit.co/ide/server-pro/access_and_security/running_with_a_proxy.html"
)

var reverseProxy = &Check{
	ID:    "reverse-proxy",
	Title: "nginx or Apache in front of Connect or Workbench: websockets, forwarded headers, path prefix, body size, TLS, proxied-auth header",
	Description: `Finds nginx (/etc/nginx: nginx.conf, conf.d, sites-enabled) and Apache httpd
(/etc/apache2, /etc/httpd) configs, following include inside the root, and
judges every location that proxies to a Connect or Workbench port: websockets
forwarded (nginx: proxy_http_version 1.1 with Upgrade and Connection headers;
Apache: ws:// rewrite or upgrade=websocket), the original URL forwarded
(X-RSC-Request for Connect, X-RStudio-Request or X-Forwarded-* for Workbench),
a path prefix that matches Server.Address or Workbench's root path
(www-root-path or X-RStudio-Root-Path; a mismatch gives "invalid CSRF" and
redirect loops), a request body limit that lets Connect bundles through, a TLS
listener, and under proxied authentication a username header set by the proxy
from the user it authenticated, so a client-sent header cannot pass.`,
	Rules: []Rule{
		{ID: "rp-websocket", Level: "must", Text: "The proxy forwards websockets (nginx: proxy_http_version 1.1, Upgrade $http_upgrade, Connection upgrade; Apache: a ws:// rewrite with mod_proxy_wstunnel, or upgrade=websocket).", Source: seed000 + `: "Posit Connect will need WebSockets enabled"; ` + src(docWorkbenchRunProxy, "Forwarding websockets", urlWorkbenchRunProxy)},
		{ID: "rp-forwarded-headers", Level: "should", Text: "The proxy forwards the original request URL: X-RSC-Request for Connect (required with path rewriting), X-RStudio-Request or X-Forwarded-Host/Proto for Workbench.", Source: src(docConnectRunProxy, "", urlConnectRunProxy) + "; " + src(docWorkbenchRunProxy, "Set HTTP headers", urlWorkbenchRunProxy)},
		{ID: "rp-path-prefix", Level: "must", Text: "A location prefix other than / matches Connect's Server.Address path, or Workbench's www-root-path / X-RStudio-Root-Path.", Source: seed004 + " § 10.9.3 Example Proxy Configuration; " + src(docWorkbenchRunProxy, "Add a proxy pass directive", urlWorkbenchRunProxy)},
		{ID: "rp-body-size", Level: "should", Text: "nginx in front of Connect allows bundle uploads: client_max_body_size 0 or at least 100m (the default 1m gives 413).", Source: src(docConnectRunProxy, "", urlConnectRunProxy)},
		{ID: "rp-tls-listener", Level: "should", Text: "The proxy's listener serves TLS (the front door has an SSL certificate), unless a load balancer in front of it does.", Source: seed000 + `: "the front-door address must be configured with an SSL certificate"; ` + src(docWorkbenchRunProxy, "", urlWorkbenchRunProxy)},
		{ID: "rp-proxy-auth-header", Level: "must", Text: "Under proxied authentication the proxy sets the username header from the user it authenticated (replacing any the client sent), never passing the client's through.", Source: seed004 + " § 10.9.3 Example Proxy Configuration; " + src(docWorkbenchProxied, "Implementing the proxy", urlWorkbenchProxied)},
		{ID: "rp-config-parses", Level: "must", Text: "The web server configs posit-doctor reads parse (nginx with gonginx, Apache with its own grammar).", Source: src(docWorkbenchRunProxy, "", urlWorkbenchRunProxy)},
	},
	Docs:  []string{urlConnectRunProxy, urlWorkbenchRunProxy},
	Needs: []collectors.Need{collectors.NeedConnect, collectors.NeedWorkbench, collectors.NeedWebServer},
	Run:   runReverseProxy,
}

// productPorts are the ports Connect and Workbench listen on here
// (their settings, else the defaults 3939 and 8787).
func productPorts(s *collectors.Snapshot) (connect, workbench map[string]bool) {
	connect, workbench = map[string]bool{"3939": true}, map[string]bool{"8787": true}
	if cf := s.Connect; cf != nil && cf.Config != nil {
		for _, k := range [][2]string{{"HTTP", "Listen"}, {"HTTPS", "Listen"}} {
			if v := strings.TrimSpace(cf.Config.Value(k[0], k[1])); v != "" {
				if _, p, err := net.SplitHostPort(v); err == nil {
					connect[p] = true
				}
			}
		}
	}
	if w := s.Workbench; w != nil {
		if p := strings.TrimSpace(w.RServer.Value("www-port")); p != "" {
			workbench[p] = true
		}
	}
	return connect, workbench
}

func posEv(p collectors.Pos, text string) Evidence {
	return Evidence{Path: p.File, Line: p.Line, Text: text}
}

func runReverseProxy(c *Check, s *collectors.Snapshot) []Finding {
	if s.Connect == nil && s.Workbench == nil {
		return []Finding{c.skip("neither Posit Connect nor Posit Workbench is installed")}
	}
	wf := s.WebServers
	if wf == nil {
		return []Finding{c.skip("no nginx or Apache httpd config on this host (/etc/nginx, /etc/apache2, /etc/httpd)")}
	}
	var issues []issue
	var unreadable []Finding
	for _, f := range wf.Files {
		// A file we may not read is its own verdict (run with sudo), not a
		// parse warning, and no "no proxy here" may follow from it.
		if u, bad := c.unreadable(s.File(f.Path)); bad && s.File(f.Path).Problem.Kind == host.KindPermission {
			unreadable = append(unreadable, u)
			continue
		}
		if f.Error != "" {
			issues = append(issues, issue{sev: Warn, rule: "rp-config-parses", title: fmt.Sprintf("%s: could not parse %s (%s)", f.Server, f.Path, f.Error),
				detail: "The proxies it defines were not judged.", fix: fmt.Sprintf("Check it with '%s' and correct line %d.", map[string]string{"nginx": "nginx -t", "apache": "apachectl configtest"}[f.Server], f.Line),
				ev: []Evidence{{Path: f.Path, Line: f.Line}}})
		}
	}
	cports, wports := productPorts(s)
	judged := 0
	for i := range wf.Sites {
		site := &wf.Sites[i]
		product := ""
		for _, p := range site.UpstreamPorts() {
			switch {
			case cports[p]:
				product = "connect"
			case wports[p]:
				product = "workbench"
			}
		}
		if product == "" {
			continue
		}
		judged++
		issues = append(issues, siteIssues(s, wf, site, product)...)
	}
	if judged == 0 && len(unreadable) > 0 {
		return append(c.emitOnly(issues), unreadable...)
	}
	if judged == 0 {
		f := c.skip(fmt.Sprintf("no proxy in the %d nginx/Apache config file(s) here forwards to a Connect or Workbench port", len(wf.Files)))
		return append(c.emitOnly(issues), f)
	}
	return append(unreadable, c.emit(issues, fmt.Sprintf("%d proxied location(s) forward websockets, headers and the path as the products need", judged), "Every location proxying to Connect or Workbench passed.",
		"rp-websocket", "rp-path-prefix", "rp-tls-listener")...)
}

// emitOnly is emit without the pass.
func (c *Check) emitOnly(issues []issue) []Finding {
	var out []Finding
	for _, f := range c.emit(issues, "", "") {
		if f.Severity != Pass {
			out = append(out, f)
		}
	}
	return out
}

func siteIssues(s *collectors.Snapshot, wf *collectors.WebServerFacts, site *collectors.ProxySite, product string) []issue {
	name := map[string]string{"connect": "Connect", "workbench": "Workbench"}[product]
	where := fmt.Sprintf("%s location %s → %s", site.Server, site.Location, name)
	pev := []Evidence{posEv(site.Proxy, "proxy to "+site.Upstream)}
	var out []issue
	add := func(sev Severity, rule, title, detail, fix string, ev []Evidence) {
		if ev == nil {
			ev = pev
		}
		out = append(out, issue{sev: sev, rule: rule, title: where + ": " + title, detail: detail, fix: fix, ev: ev,
			data: map[string]any{"server": site.Server, "location": site.Location, "upstream": site.Upstream, "product": product}})
	}
	// Websockets.
	if site.Server == "nginx" {
		up, upOK := site.Header("Upgrade")
		conn, connOK := site.Header("Connection")
		var missing []string
		if site.HTTPVersion != "1.1" {
			missing = append(missing, "proxy_http_version 1.1")
		}
		if !upOK || !strings.Contains(up.Value, "$http_upgrade") {
			missing = append(missing, "proxy_set_header Upgrade $http_upgrade")
		}
		if !connOK || !strings.Contains(strings.ToLower(conn.Value), "upgrade") {
			missing = append(missing, "proxy_set_header Connection $connection_upgrade (or \"upgrade\")")
		}
		if len(missing) > 0 {
			add(Fail, "rp-websocket", "websockets are not forwarded", "Missing: "+strings.Join(missing, "; ")+". "+name+" needs websockets (Shiny apps, the IDE, sign-in redirects); without them sessions grey out or hang.",
				"Add to the location: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; (with map $http_upgrade $connection_upgrade { default upgrade; '' close; } in http).", nil)
		}
	} else if site.Websocket == "" {
		add(Fail, "rp-websocket", "websockets are not forwarded", "No RewriteRule to ws:// with [P], no ws:// ProxyPass and no upgrade=websocket for this location.",
			"Enable mod_proxy_wstunnel and add: RewriteCond %{HTTP:Upgrade} =websocket / RewriteRule <prefix>(.*) ws://<upstream>/$1 [P,L] (or ProxyPass ... upgrade=websocket on httpd 2.4.47+).", nil)
	} else if site.Websocket != "upgrade=websocket" && !wf.WSTunnel {
		add(Warn, "rp-websocket", "websockets are proxied to ws:// but mod_proxy_wstunnel is not loaded here", "No LoadModule proxy_wstunnel_module was found in the configs read.", "a2enmod proxy_wstunnel (Debian) or load it in conf.modules.d (RHEL).", nil)
	}
	// Forwarded URL headers.
	has := func(h string) bool { _, ok := site.Header(h); return ok }
	if product == "connect" {
		switch {
		case site.StripsPrefix && !has("X-RSC-Request"):
			add(Fail, "rp-forwarded-headers", "the path is rewritten but X-RSC-Request is not set", "With path rewriting Connect cannot rebuild its URLs from X-Forwarded-* headers; links and redirects point at the wrong path.",
				"proxy_set_header X-RSC-Request $scheme://$host:$server_port$request_uri; (Apache: RequestHeader set X-RSC-Request \"%{REQUEST_SCHEME}s://%{HTTP_HOST}s%{REQUEST_URI}s\")", nil)
		case !has("X-RSC-Request") && !(has("X-Forwarded-Proto") && has("X-Forwarded-Host")):
			add(Warn, "rp-forwarded-headers", "neither X-RSC-Request nor X-Forwarded-Proto/Host is set", "Connect then guesses its own URL from the request; behind TLS termination it builds http:// links.",
				"proxy_set_header X-RSC-Request $scheme://$host:$server_port$request_uri;", nil)
		}
	} else if !has("X-RStudio-Request") && !has("X-Forwarded-Host") && !has("X-Forwarded-Proto") && !has("Host") && site.Server == "nginx" {
		add(Warn, "rp-forwarded-headers", "no X-RStudio-Request, X-Forwarded-* or Host header is set", "nginx sends Host as the upstream's address, so Workbench builds redirects to "+site.Upstream+" instead of the proxy's URL.",
			"proxy_set_header X-RStudio-Request $scheme://$host:$server_port$request_uri; (and Host $host).", nil)
	}
	// Path prefix.
	if prefix := strings.TrimRight(site.Location, "/"); prefix != "" && !site.LocationRegex {
		lev := []Evidence{posEv(site.LocationPos, "location "+site.Location)}
		if product == "connect" && s.Connect != nil && s.Connect.Config != nil {
			addr := strings.TrimSpace(s.Connect.Config.Value("Server", "Address"))
			u, err := url.Parse(addr)
			if addr != "" && err == nil && strings.TrimRight(u.Path, "/") != prefix {
				e, _ := s.Connect.Config.Get("Server", "Address")
				add(Fail, "rp-path-prefix", fmt.Sprintf("the proxy serves Connect under %s but Server.Address is %s", site.Location, addr),
					"Connect builds its links and sign-in redirects from Server.Address; with another path they miss the proxy's location (redirect loops, 404s, failed sign-in).",
					fmt.Sprintf("Set [Server] Address to the proxy's URL including %s/, or serve Connect at / on the proxy.", prefix), append(lev, gcfgEv(s, e)...))
			}
		}
		if product == "workbench" && s.Workbench != nil {
			root := strings.TrimRight(strings.TrimSpace(s.Workbench.RServer.Value("www-root-path")), "/")
			hdr, hok := site.Header("X-RStudio-Root-Path")
			if root != prefix && (!hok || strings.TrimRight(hdr.Value, "/") != prefix) {
				shown := "neither www-root-path nor X-RStudio-Root-Path says so"
				if root != "" {
					shown = "www-root-path is " + root
				} else if hok {
					shown = "X-RStudio-Root-Path is " + hdr.Value
				}
				add(Fail, "rp-path-prefix", fmt.Sprintf("the proxy serves Workbench under %s but %s", site.Location, shown),
					"Workbench then builds URLs without the prefix: \"invalid CSRF\" at sign-in, redirect loops, a blank IDE.",
					fmt.Sprintf("Add proxy_set_header X-RStudio-Root-Path %s; to the location (Apache: RequestHeader set X-RStudio-Root-Path %s), or set www-root-path=%s in rserver.conf.", prefix, prefix, prefix), lev)
			}
		}
	}
	// Request body size (nginx's default is 1m).
	if product == "connect" && site.Server == "nginx" {
		size, ev := site.BodySize, pev
		if site.BodySizeAt != nil {
			ev = []Evidence{posEv(*site.BodySizeAt, "client_max_body_size "+size)}
		}
		if n, ok := nginxSize(size); size == "" || ok && n != 0 && n < 100<<20 {
			shown := size
			if size == "" {
				shown = "unset (nginx's default 1m)"
			}
			add(Warn, "rp-body-size", "client_max_body_size is "+shown, "Publishing to Connect uploads the bundle through the proxy; bundles over the limit fail with HTTP 413 Request Entity Too Large.",
				"Set client_max_body_size 0; (no limit) or a size above your largest bundle, e.g. 1g, in the location or server.", ev)
		}
	}
	// TLS on the listener.
	if !site.TLS {
		var lev []Evidence
		for _, l := range site.Listeners {
			lev = append(lev, posEv(l.Pos, "listen "+l.Addr))
		}
		if lev == nil {
			lev = pev
		}
		add(Warn, "rp-tls-listener", "the proxy's listener is plain http", "Sign-in (cookies, SAML assertions, OpenID codes) crosses the network unencrypted unless a load balancer in front terminates TLS.",
			"Serve TLS here (nginx: listen 443 ssl; ssl_certificate/ssl_certificate_key; Apache: SSLEngine on) or confirm the load balancer in front does.", lev)
	}
	// Proxied authentication.
	if hdr, on := proxiedAuthHeader(s, product); on {
		h, ok := site.Header(hdr)
		lower := strings.ToLower(strings.ReplaceAll(hdr, "-", "_"))
		switch {
		case !ok:
			add(Fail, "rp-proxy-auth-header", "the proxy does not set "+hdr+": a client-sent "+hdr+" passes through",
				"Under proxied authentication "+name+" trusts "+hdr+". This location forwards the client's request headers unchanged, so anyone can send "+hdr+": admin and be signed in as admin.",
				proxyAuthFix(site.Server, hdr), nil)
		case site.Server == "nginx" && strings.Contains(strings.ToLower(h.Value), "$http_"+lower):
			add(Fail, "rp-proxy-auth-header", "the proxy sets "+hdr+" from the client's own "+hdr, "proxy_set_header "+hdr+" "+h.Value+" copies what the client sent.", proxyAuthFix(site.Server, hdr), []Evidence{posEv(h.Pos, "proxy_set_header "+hdr+" "+h.Value)})
		case site.Server == "apache" && strings.Contains(strings.ToLower(h.Value), "%{http:"+strings.ToLower(hdr)+"}"):
			add(Fail, "rp-proxy-auth-header", "the proxy sets "+hdr+" from the client's own "+hdr, "RequestHeader "+h.Action+" "+hdr+" "+h.Value+" copies what the client sent.", proxyAuthFix(site.Server, hdr), []Evidence{posEv(h.Pos, "RequestHeader "+h.Action+" "+hdr)})
		case h.Action == "add":
			add(Fail, "rp-proxy-auth-header", "the proxy appends to "+hdr+" instead of replacing it", "A client-sent value stays in front of the proxy's.", proxyAuthFix(site.Server, hdr), []Evidence{posEv(h.Pos, "RequestHeader "+h.Action+" "+hdr)})
		}
	}
	return out
}

// proxiedAuthHeader is the username header the product trusts when it
// uses proxied authentication.
func proxiedAuthHeader(s *collectors.Snapshot, product string) (string, bool) {
	switch product {
	case "connect":
		if cf := s.Connect; cf != nil && cf.Config != nil {
			if p, _, _ := connectProvider(cf.Config); p == "proxy" {
				if h := strings.TrimSpace(cf.Config.Value("ProxyAuth", "UsernameHeader")); h != "" {
					return h, true
				}
				return "X-Auth-Username", true
			}
		}
	case "workbench":
		if w := s.Workbench; w != nil && w.RServer.Enabled("auth-proxy") {
			return proxyHeader(w), true
		}
	}
	return "", false
}

func proxyAuthFix(server, hdr string) string {
	if server == "apache" {
		return "In the Location: RequestHeader unset " + hdr + " early, then RequestHeader set " + hdr + " \"%{AuthUsername}e\" (the variable your authentication module sets)."
	}
	return "In the location: proxy_set_header " + hdr + " $remote_user; (or the variable your auth_request sets) — proxy_set_header replaces whatever the client sent."
}

// nginxSize parses an nginx size ("10m", "1g", "0") in bytes.
func nginxSize(v string) (int64, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return 0, false
	}
	mult := int64(1)
	switch v[len(v)-1] {
	case 'k':
		mult, v = 1<<10, v[:len(v)-1]
	case 'm':
		mult, v = 1<<20, v[:len(v)-1]
	case 'g':
		mult, v = 1<<30, v[:len(v)-1]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false
	}
	return n * mult, true
}
