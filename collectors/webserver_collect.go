package collectors

import (
	"net"
	"net/url"
	"path"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

// Web servers in front of the products: nginx and Apache httpd configs
// found at their packages' places, includes followed inside the root
// through the host layer, reduced to the proxy sites the checks judge.

// WebServerFacts is what the web server configs on the host say.
type WebServerFacts struct {
	Files []WebConfFile `json:"files,omitempty"`
	Sites []ProxySite   `json:"sites,omitempty"`
	// WSTunnel: Apache loads mod_proxy_wstunnel somewhere.
	WSTunnel bool `json:"wstunnel,omitempty"`
}

// WebConfFile is one config file read, and whether it parsed.
type WebConfFile struct {
	Path   string `json:"path"`
	Server string `json:"server"` // nginx, apache
	Error  string `json:"error,omitempty"`
	Line   int    `json:"line,omitempty"`
}

// Pos is a place in a config file.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// HeaderSetting is one proxy_set_header / RequestHeader in effect.
type HeaderSetting struct {
	Name   string `json:"name"`
	Action string `json:"action"` // set, unset, add (Apache append/merge count as add)
	Value  string `json:"value,omitempty"`
	Pos
}

// Listener is one listen / VirtualHost address.
type Listener struct {
	Addr string `json:"addr"`
	SSL  bool   `json:"ssl"`
	Pos
}

// ProxySite is one place that proxies to an upstream: an nginx location
// (or server) with proxy_pass, an Apache ProxyPass.
type ProxySite struct {
	Server   string `json:"server"` // nginx, apache
	Proxy    Pos    `json:"proxy"`  // the proxy_pass / ProxyPass line
	Upstream string `json:"upstream"`
	// UpstreamAddrs are host:port the upstream names (an nginx upstream
	// block resolved; else the URL's own host:port).
	UpstreamAddrs []string `json:"upstream_addrs,omitempty"`
	Location      string   `json:"location"` // URL path prefix; "/" at server level
	LocationRegex bool     `json:"location_regex,omitempty"`
	LocationPos   Pos      `json:"location_pos"`
	// StripsPrefix: the proxy removes the location prefix (proxy_pass with a
	// URI, a rewrite to /$1, ProxyPass /p/ http://h/).
	StripsPrefix bool            `json:"strips_prefix,omitempty"`
	ServerNames  []string        `json:"server_names,omitempty"`
	Listeners    []Listener      `json:"listeners,omitempty"`
	TLS          bool            `json:"tls"`
	HTTPVersion  string          `json:"http_version,omitempty"`
	HTTPVerPos   *Pos            `json:"http_version_pos,omitempty"`
	Headers      []HeaderSetting `json:"headers,omitempty"`
	// Websocket says how Apache forwards websockets ("ws rewrite",
	// "upgrade=websocket", "ws proxy"), "" when it does not; for nginx the
	// checks read HTTPVersion and the Upgrade/Connection headers.
	Websocket  string `json:"websocket,omitempty"`
	BodySize   string `json:"body_size,omitempty"` // nginx client_max_body_size in effect
	BodySizeAt *Pos   `json:"body_size_pos,omitempty"`
}

// Header returns the last setting of header name (case-insensitive).
func (s *ProxySite) Header(name string) (HeaderSetting, bool) {
	var found HeaderSetting
	ok := false
	for _, h := range s.Headers {
		if strings.EqualFold(h.Name, name) {
			found, ok = h, true
		}
	}
	return found, ok
}

// UpstreamPorts are the ports of the upstream addresses.
func (s *ProxySite) UpstreamPorts() []string {
	var out []string
	for _, a := range s.UpstreamAddrs {
		if _, p, err := net.SplitHostPort(a); err == nil {
			out = append(out, p)
		}
	}
	return out
}

const (
	maxWebConfFiles = 256
	maxIncludeDepth = 16
)

// webConf reads configs of one server kind and follows includes.
type webConf struct {
	j      *job
	server string
	base   string // where relative includes resolve (nginx prefix, ServerRoot)
	seen   map[string]bool
	facts  *WebServerFacts
}

func (j *job) webServers() {
	wf := &WebServerFacts{}
	ngx := &webConf{j: j, server: "nginx", base: "/etc/nginx", seen: map[string]bool{}, facts: wf}
	var ngxRoots [][]*parse.ConfNode
	if n := ngx.file("/etc/nginx/nginx.conf", 0); n != nil {
		ngxRoots = append(ngxRoots, n)
	}
	for _, dir := range []string{"/etc/nginx/conf.d", "/etc/nginx/sites-enabled"} {
		for _, p := range ngx.glob(dir + "/*") {
			if !ngx.seen[p] && (dir != "/etc/nginx/conf.d" || strings.HasSuffix(p, ".conf")) {
				if n := ngx.file(p, 0); n != nil {
					// Read on its own: the http context it is included into.
					ngxRoots = append(ngxRoots, []*parse.ConfNode{{Name: "http", Block: true, Children: n, File: p}})
				}
			}
		}
	}
	for _, r := range ngxRoots {
		wf.Sites = append(wf.Sites, nginxSites(r)...)
	}
	for _, root := range []struct{ conf, base string }{{"/etc/apache2/apache2.conf", "/etc/apache2"}, {"/etc/httpd/conf/httpd.conf", "/etc/httpd"}} {
		ap := &webConf{j: j, server: "apache", base: root.base, seen: map[string]bool{}, facts: wf}
		nodes := ap.file(root.conf, 0)
		for _, dir := range []string{root.base + "/sites-enabled", root.base + "/conf.d"} {
			for _, p := range ap.glob(dir + "/*.conf") {
				if !ap.seen[p] {
					nodes = append(nodes, ap.file(p, 0)...)
				}
			}
		}
		if len(nodes) > 0 {
			sites, ws := apacheSites(nodes)
			wf.Sites = append(wf.Sites, sites...)
			wf.WSTunnel = wf.WSTunnel || ws
		}
	}
	if len(wf.Files) == 0 {
		return
	}
	j.set(func(s *Snapshot) { s.WebServers = wf })
}

// file reads and parses one config, following its includes; nil when it
// cannot be read or parsed (recorded in Files).
func (w *webConf) file(p string, depth int) []*parse.ConfNode {
	p = path.Clean(p)
	if w.seen[p] || len(w.facts.Files) >= maxWebConfFiles {
		return nil
	}
	w.seen[p] = true
	data, f, err := w.j.read(p)
	if err != nil {
		if f.Exists {
			w.facts.Files = append(w.facts.Files, WebConfFile{Path: p, Server: w.server, Error: fileErr(f, err)})
		}
		return nil
	}
	var nodes []*parse.ConfNode
	if w.server == "nginx" {
		nodes, err = parse.ParseNginx(data)
	} else {
		nodes, err = parse.ParseApache(data)
	}
	wc := WebConfFile{Path: p, Server: w.server}
	if err != nil {
		wc.Error = err.Error()
		if ce, ok := err.(*parse.ConfError); ok {
			wc.Line, wc.Error = ce.Line, ce.Msg
		}
		w.facts.Files = append(w.facts.Files, wc)
		return nil
	}
	w.facts.Files = append(w.facts.Files, wc)
	for _, n := range nodes {
		n.SetFile(p)
	}
	w.expand(nodes, depth)
	return nodes
}

// expand replaces each include's children with the files it names.
func (w *webConf) expand(nodes []*parse.ConfNode, depth int) {
	for _, n := range nodes {
		name := strings.ToLower(n.Name)
		if (name == "include" || name == "includeoptional") && len(n.Args) > 0 && !n.Block {
			if depth >= maxIncludeDepth {
				continue
			}
			pat := n.Args[0]
			if !strings.HasPrefix(pat, "/") {
				pat = path.Join(w.base, pat)
			}
			for _, p := range w.glob(pat) {
				n.Children = append(n.Children, w.file(p, depth+1)...)
			}
			continue
		}
		w.expand(n.Children, depth)
	}
}

// glob lists the regular files matching pat (a '*'/'?'/'[' pattern in the
// last element only, as the packages' configs use), through the host layer.
func (w *webConf) glob(pat string) []string {
	dir, base := path.Split(pat)
	if !strings.ContainsAny(base, "*?[") {
		if w.j.h.Exists(pat) {
			return []string{pat}
		}
		return nil
	}
	names, err := w.j.h.ReadDir(path.Clean(dir))
	if err != nil {
		return nil
	}
	var out []string
	for _, name := range names {
		if ok, _ := path.Match(base, name); ok && !strings.HasPrefix(name, ".") {
			if in, err := w.j.h.Stat(path.Join(dir, name)); err == nil && in.Mode.IsRegular() {
				out = append(out, path.Join(dir, name))
			}
		}
	}
	return out
}

// flat lists a block's directives with includes spliced in.
func flat(nodes []*parse.ConfNode) []*parse.ConfNode {
	var out []*parse.ConfNode
	for _, n := range nodes {
		if name := strings.ToLower(n.Name); (name == "include" || name == "includeoptional") && !n.Block {
			out = append(out, flat(n.Children)...)
			continue
		}
		out = append(out, n)
	}
	return out
}

func posOf(n *parse.ConfNode) Pos { return Pos{File: n.File, Line: n.Line} }

// nginxSites finds every location (and server) with proxy_pass.
func nginxSites(root []*parse.ConfNode) []ProxySite {
	upstreams := map[string][]string{}
	var findUp func([]*parse.ConfNode)
	findUp = func(ns []*parse.ConfNode) {
		for _, n := range flat(ns) {
			if n.Name == "upstream" && n.Block {
				for _, s := range flat(n.Children) {
					if s.Name == "server" && len(s.Args) > 0 {
						upstreams[n.Arg(0)] = append(upstreams[n.Arg(0)], s.Arg(0))
					}
				}
			}
			if n.Block {
				findUp(n.Children)
			}
		}
	}
	findUp(root)
	var out []ProxySite
	var walk func(ns []*parse.ConfNode, levels [][]*parse.ConfNode, server *parse.ConfNode, loc *parse.ConfNode)
	walk = func(ns []*parse.ConfNode, levels [][]*parse.ConfNode, server *parse.ConfNode, loc *parse.ConfNode) {
		ds := flat(ns)
		levels = append(levels, ds)
		for _, n := range ds {
			if n.Name == "proxy_pass" && server != nil {
				out = append(out, nginxSite(n, levels, server, loc, upstreams))
			}
		}
		for _, n := range ds {
			switch {
			case n.Name == "server" && n.Block:
				walk(n.Children, levels, n, nil)
			case n.Name == "location" && n.Block && server != nil:
				walk(n.Children, levels, server, n)
			case (n.Name == "http" || n.Name == "if") && n.Block:
				walk(n.Children, levels, server, loc)
			}
		}
	}
	walk(root, nil, nil, nil)
	return out
}

// inner is the innermost level that has directive name, and its nodes there.
func inner(levels [][]*parse.ConfNode, name string) []*parse.ConfNode {
	for i := len(levels) - 1; i >= 0; i-- {
		var got []*parse.ConfNode
		for _, n := range levels[i] {
			if n.Name == name {
				got = append(got, n)
			}
		}
		if len(got) > 0 {
			return got
		}
	}
	return nil
}

func nginxSite(pp *parse.ConfNode, levels [][]*parse.ConfNode, server, loc *parse.ConfNode, upstreams map[string][]string) ProxySite {
	s := ProxySite{Server: "nginx", Proxy: posOf(pp), Upstream: pp.Arg(0), Location: "/", LocationPos: posOf(server)}
	if loc != nil {
		s.LocationPos = posOf(loc)
		s.Location = loc.Arg(len(loc.Args) - 1)
		if m := loc.Arg(0); len(loc.Args) > 1 && (m == "~" || m == "~*") || strings.HasPrefix(loc.Arg(0), "@") {
			s.LocationRegex = true
		}
	}
	if u, err := url.Parse(s.Upstream); err == nil && u.Host != "" {
		if addrs, ok := upstreams[u.Host]; ok {
			for _, a := range addrs {
				s.UpstreamAddrs = append(s.UpstreamAddrs, withPort(a, u.Scheme))
			}
		} else {
			s.UpstreamAddrs = []string{withPort(u.Host, u.Scheme)}
		}
		s.StripsPrefix = u.Path != "" && s.Location != "/"
	}
	for _, r := range inner(levels, "rewrite") {
		if strings.Contains(r.Arg(1), "$1") && strings.HasPrefix(r.Arg(0), "^"+strings.TrimSuffix(s.Location, "/")) {
			s.StripsPrefix = true
		}
	}
	for _, n := range flat(server.Children) {
		switch n.Name {
		case "listen":
			l := Listener{Addr: n.Arg(0), Pos: posOf(n)}
			for _, a := range n.Args[1:] {
				l.SSL = l.SSL || a == "ssl" || a == "quic"
			}
			s.TLS = s.TLS || l.SSL
			s.Listeners = append(s.Listeners, l)
		case "ssl":
			s.TLS = s.TLS || n.Arg(0) == "on"
		case "server_name":
			s.ServerNames = append(s.ServerNames, n.Args...)
		}
	}
	if v := inner(levels, "proxy_http_version"); len(v) > 0 {
		last := v[len(v)-1]
		s.HTTPVersion = last.Arg(0)
		p := posOf(last)
		s.HTTPVerPos = &p
	}
	for _, h := range inner(levels, "proxy_set_header") {
		s.Headers = append(s.Headers, HeaderSetting{Name: h.Arg(0), Action: "set", Value: strings.Join(h.Args[1:], " "), Pos: posOf(h)})
	}
	if v := inner(levels, "client_max_body_size"); len(v) > 0 {
		last := v[len(v)-1]
		s.BodySize = last.Arg(0)
		p := posOf(last)
		s.BodySizeAt = &p
	}
	return s
}

func withPort(hostport, scheme string) string {
	if _, _, err := net.SplitHostPort(hostport); err == nil {
		return hostport
	}
	if scheme == "https" || scheme == "wss" {
		return net.JoinHostPort(hostport, "443")
	}
	return net.JoinHostPort(hostport, "80")
}

// apacheSites finds ProxyPass directives, by VirtualHost and Location.
func apacheSites(nodes []*parse.ConfNode) ([]ProxySite, bool) {
	var out []ProxySite
	wstunnel := false
	var mods func([]*parse.ConfNode)
	mods = func(ns []*parse.ConfNode) {
		for _, n := range flat(ns) {
			if strings.EqualFold(n.Name, "LoadModule") && n.Arg(0) == "proxy_wstunnel_module" {
				wstunnel = true
			}
			mods(n.Children)
		}
	}
	mods(nodes)
	// collect gathers a container's directives, descending into <If>,
	// <Else>, <IfModule> and the like, but not into other Locations.
	var collect func(ns []*parse.ConfNode) []*parse.ConfNode
	collect = func(ns []*parse.ConfNode) []*parse.ConfNode {
		var got []*parse.ConfNode
		for _, n := range flat(ns) {
			switch strings.ToLower(n.Name) {
			case "location", "locationmatch", "virtualhost", "directory", "proxy":
				continue
			}
			if n.Block {
				got = append(got, collect(n.Children)...)
				continue
			}
			got = append(got, n)
		}
		return got
	}
	site := func(vhost *parse.ConfNode, vhostDirs []*parse.ConfNode, loc *parse.ConfNode, locDirs []*parse.ConfNode, pp *parse.ConfNode) ProxySite {
		s := ProxySite{Server: "apache", Proxy: posOf(pp), Location: "/"}
		target := pp.Arg(0)
		if loc != nil {
			s.Location, s.LocationPos = loc.Arg(0), posOf(loc)
			s.LocationRegex = strings.EqualFold(loc.Name, "LocationMatch")
		} else if len(pp.Args) > 1 {
			s.Location, target = pp.Arg(0), pp.Arg(1)
			s.LocationPos = posOf(pp)
		}
		s.Upstream = target
		if u, err := url.Parse(target); err == nil && u.Host != "" {
			s.UpstreamAddrs = []string{withPort(u.Host, u.Scheme)}
			s.StripsPrefix = s.Location != "/" && (u.Path == "" || u.Path == "/" || !strings.HasPrefix(u.Path, strings.TrimSuffix(s.Location, "/")))
			if u.Scheme == "ws" || u.Scheme == "wss" {
				s.Websocket = "ws proxy"
			}
		}
		for _, a := range pp.Args {
			if strings.EqualFold(a, "upgrade=websocket") {
				s.Websocket = "upgrade=websocket"
			}
		}
		if vhost != nil {
			for _, a := range vhost.Args {
				l := Listener{Addr: a, Pos: posOf(vhost)}
				if _, p, err := net.SplitHostPort(a); err == nil && p == "443" {
					l.SSL = true
				}
				s.Listeners = append(s.Listeners, l)
			}
		}
		all := append(append([]*parse.ConfNode{}, vhostDirs...), locDirs...)
		for _, n := range all {
			switch strings.ToLower(n.Name) {
			case "sslengine":
				if strings.EqualFold(n.Arg(0), "on") {
					s.TLS = true
				}
			case "servername", "serveralias":
				s.ServerNames = append(s.ServerNames, n.Args...)
			case "requestheader":
				act := strings.ToLower(n.Arg(0))
				if act == "append" || act == "merge" {
					act = "add"
				}
				h := HeaderSetting{Name: n.Arg(1), Action: act, Pos: posOf(n)}
				if len(n.Args) > 2 {
					h.Value = n.Arg(2)
				}
				s.Headers = append(s.Headers, h)
			case "rewriterule":
				if t := strings.ToLower(n.Arg(1)); (strings.HasPrefix(t, "ws://") || strings.HasPrefix(t, "wss://")) && strings.Contains(strings.ToUpper(n.Arg(2)), "P") {
					s.Websocket = "ws rewrite"
				}
			}
		}
		return s
	}
	var walk func(ns []*parse.ConfNode, vhost *parse.ConfNode, vhostDirs []*parse.ConfNode)
	walk = func(ns []*parse.ConfNode, vhost *parse.ConfNode, vhostDirs []*parse.ConfNode) {
		for _, n := range flat(ns) {
			switch strings.ToLower(n.Name) {
			case "virtualhost":
				if n.Block {
					walk(n.Children, n, collect(n.Children))
				}
			case "location", "locationmatch":
				if n.Block {
					locDirs := collect(n.Children)
					for _, d := range locDirs {
						if strings.EqualFold(d.Name, "ProxyPass") && len(d.Args) > 0 && d.Arg(0) != "!" {
							out = append(out, site(vhost, vhostDirs, n, locDirs, d))
						}
					}
				}
			case "proxypass":
				if len(n.Args) > 1 && n.Arg(1) != "!" {
					out = append(out, site(vhost, vhostDirs, nil, nil, n))
				}
			default:
				if n.Block && vhost == nil {
					walk(n.Children, nil, nil)
				} else if n.Block {
					walk(n.Children, vhost, vhostDirs)
				}
			}
		}
	}
	walk(nodes, nil, nil)
	return out, wstunnel
}
