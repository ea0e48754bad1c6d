package checks_test

import "testing"

// The nginx fixtures are also run through Debian's nginx -t
// (cmd/posit-doctor/nginx_test.go).
func TestReverseProxyScenarios(t *testing.T) {
	const posit = "/etc/nginx/sites-enabled/posit"
	scenarios(t, "reverse-proxy", map[string][]expect{
		"proxy-nginx-healthy": {
			{"pass", "2 proxied location(s) forward websockets, headers and the path as the products need", ""},
		},
		"proxy-nginx-broken": {
			{"fail", "nginx location /rsconnect/ → Connect: websockets are not forwarded", posit + ":7"},
			{"fail", "nginx location /rsconnect/ → Connect: the path is rewritten but X-RSC-Request is not set", posit + ":7"},
			{"fail", "nginx location /rsconnect/ → Connect: the proxy serves Connect under /rsconnect/ but Server.Address is https://connect.acme.internal", posit + ":5"},
			{"warn", "nginx location /rsconnect/ → Connect: client_max_body_size is unset (nginx's default 1m)", posit + ":7"},
			{"warn", "nginx location /rsconnect/ → Connect: the proxy's listener is plain http", posit + ":2"},
			{"fail", "nginx location /rstudio/ → Workbench: the proxy serves Workbench under /rstudio/ but neither www-root-path nor X-RStudio-Root-Path says so", posit + ":11"},
			{"warn", "nginx location /rstudio/ → Workbench: the proxy's listener is plain http", posit + ":2"},
		},
		"workbench-proxy-healthy": {
			{"pass", "1 proxied location(s)", ""},
		},
		"workbench-proxy-broken": {
			{"fail", "nginx location / → Workbench: the proxy does not set X-RStudio-Username: a client-sent X-RStudio-Username passes through", "/etc/nginx/conf.d/workbench.conf:10"},
			{"fail", "nginx location /admin/ → Workbench: the proxy sets X-RStudio-Username from the client's own X-RStudio-Username", "/etc/nginx/conf.d/workbench.conf:24"},
		},
		"proxy-apache-healthy": {
			{"pass", "1 proxied location(s)", ""},
		},
		"proxy-apache-broken": {
			{"fail", "apache location / → Connect: websockets are not forwarded", "/etc/apache2/sites-enabled/connect.conf:6"},
			{"warn", "apache location / → Connect: the proxy's listener is plain http", "/etc/apache2/sites-enabled/connect.conf:3"},
			{"fail", "apache location / → Connect: the proxy does not set X-Auth-Username: a client-sent X-Auth-Username passes through", "/etc/apache2/sites-enabled/connect.conf:6"},
		},
	})
}
