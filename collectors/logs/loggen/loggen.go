// Package loggen writes synthetic Posit product logs for benchmarks (used
// by cmd/genlog and the scanner's Go benchmarks): a realistic mix of
// levels at chosen shares, varied messages in the shapes real Workbench and
// Connect logs have, one second between lines, the last line exactly at
// End. The output is a function of the Config alone (seeded), so the same
// flags give the same file.
package loggen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// Config says what to write.
type Config struct {
	Format string    // workbench or connect
	Size   int64     // bytes to write, at least (the last line completes)
	End    time.Time // time of the last line
	// Shares of lines, 0..1: ERROR, WARNING and DEBUG; the rest are INFO.
	Error, Warn, Debug float64
	// Secrets, when > 0, plants a secret (PlantedLogSecret<n>) in one line
	// in that many, in the forms the redactor must catch.
	Secrets int
	Seed    uint64
}

// Stats is what was written.
type Stats struct {
	Lines, Errors, Warnings int64
	First, Last             time.Time
}

// GrepPattern is the fixed string that 'grep -c -F' counts as the format's
// error lines; no other line of the generated log contains it.
func GrepPattern(format string) string {
	if format == "connect" {
		return "level=error"
	}
	return "] ERROR "
}

// Write writes the log. Lines are rendered twice: a first pass counts the
// lines that fill Size (line lengths do not depend on the time), so that
// the second can start at End minus that many seconds and end on End.
func Write(w io.Writer, c Config) (Stats, error) {
	n := int64(0)
	g := newGen(c)
	var sz int64
	var scratch []byte
	for sz < c.Size {
		scratch = g.line(scratch[:0], c.End)
		sz += int64(len(scratch))
		n++
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	g = newGen(c)
	st := Stats{Lines: n}
	t := c.End.Add(-time.Duration(n-1) * time.Second)
	st.First = t
	for i := int64(0); i < n; i++ {
		scratch = g.line(scratch[:0], t)
		switch g.last {
		case 'E':
			st.Errors++
		case 'W':
			st.Warnings++
		}
		if _, err := bw.Write(scratch); err != nil {
			return st, err
		}
		st.Last = t
		t = t.Add(time.Second)
	}
	return st, bw.Flush()
}

type gen struct {
	c    Config
	r    *rand.Rand
	i    int64
	last byte // level of the last line: E, W, D, I, S (secret)
}

func newGen(c Config) *gen {
	return &gen{c: c, r: rand.New(rand.NewPCG(c.Seed, 0x5eed))}
}

var users = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar"}

var secretForms = []string{
	`level=error msg="token exchange failed" body="client_secret=PlantedLogSecret%d&grant_type=authorization_code"`,
	`level=error msg="upstream said 401" header="Authorization: Bearer PlantedLogSecret%d"`,
	`level=error msg="database unreachable: postgres://connect:PlantedLogSecret%d@db.example.com/connect"`,
	`level=error msg="refresh failed" body="{"refresh_token":"PlantedLogSecret%d"}"`,
	`level=error msg="request failed" Cookie: rscid=PlantedLogSecret%d`,
}

func (g *gen) line(b []byte, t time.Time) []byte {
	i := g.i
	g.i++
	r := g.r
	u := r.Float64()
	lvl := byte('I')
	switch {
	case u < g.c.Error:
		lvl = 'E'
	case u < g.c.Error+g.c.Warn:
		lvl = 'W'
	case u < g.c.Error+g.c.Warn+g.c.Debug:
		lvl = 'D'
	}
	// Variable fields drawn every line, whatever the level, so that the
	// sequence of random numbers (and line lengths) is the same per line.
	k := r.IntN(1 << 30)
	user := users[k%len(users)]
	pick := r.IntN(100)
	if g.c.Secrets > 0 && i%int64(g.c.Secrets) == int64(g.c.Secrets)-1 {
		g.last = 'S'
		b = fmt.Appendf(b, "time=%q ", t.UTC().Format("2006-01-02T15:04:05.000Z"))
		b = fmt.Appendf(b, secretForms[int(i/int64(g.c.Secrets))%len(secretForms)], i)
		return append(b, '\n')
	}
	g.last = lvl
	if g.c.Format == "connect" {
		return g.connect(b, t, lvl, k, user, pick)
	}
	return g.workbench(b, t, lvl, k, user, pick)
}

func (g *gen) workbench(b []byte, t time.Time, lvl byte, k int, user string, pick int) []byte {
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	prog := "rserver"
	if k%7 == 0 {
		prog = "rsession-" + user
	}
	b = append(b, " ["...)
	b = append(b, prog...)
	b = append(b, "] "...)
	switch lvl {
	case 'E':
		b = append(b, "ERROR "...)
		switch {
		case pick < 30:
			b = fmt.Appendf(b, "OpenID failed with error: attempt to use invalid state: %016x%016x; LOGGED FROM: void rstudio::server::openid_auth::{anonymous}::writeResponse(rstudio_boost::shared_ptr<rstudio::core::http::AsyncConnection>, const rstudio::core::http::Response&) src/cpp/server/openid_auth/ServerOpenIDAuth.cpp:145", k, k*7919)
		case pick < 45:
			b = fmt.Appendf(b, "system error 2 (No such file or directory) [user-value=%s]; OCCURRED AT rstudio::core::Error rstudio::core::system::user::userFromName src/cpp/core/system/PosixUser.cpp:107; LOGGED FROM: std::string rstudio::server::pam_auth::userIdentifierToLocalUsername(const std::string&) src/cpp/server/ServerPAMAuth.cpp:175", user)
		case pick < 55:
			b = append(b, "Failed to validate sign-in with invalid CSRF form; LOGGED FROM: bool rstudio::server::auth::common::validateSignIn(const rstudio::core::http::Request&, rstudio::core::http::Response*) src/cpp/server/auth/ServerAuthCommon.cpp:136"...)
		case pick < 75:
			b = fmt.Appendf(b, "Session %d for user %s exited with code %d after %ds; LOGGED FROM: rstudio::server::session_proxy::handleExit src/cpp/server/ServerSessionProxy.cpp:%d", k%100000, user, k%140, k%3600, 100+k%50)
		case pick < 90:
			b = fmt.Appendf(b, "Could not open file /home/%s/.local/share/rstudio/sessions/active/session-%08x/properties: system error 13 (Permission denied) [path=/home/%s/.local/share/rstudio]", user, k, user)
		default:
			b = fmt.Appendf(b, "Error handling request %08x-%04x-4c1a-9f44-2d0b8d0b1c11 from 10.0.%d.%d: 'timeout waiting for session' (%dms)", k, k&0xffff, k%256, (k>>8)%256, k%30000)
		}
	case 'W':
		b = append(b, "WARNING "...)
		switch {
		case pick < 2:
			b = append(b, "A plain text value is potentially being used for the PostgreSQL password, or an encrypted password could not be decrypted. The RStudio Server documentation for PostgreSQL shows how to encrypt this value.; LOGGED FROM: rstudio::core::Error rstudio::core::database::ConnectVisitor::getPassword src/cpp/core/Database.cpp:410"...)
		case pick < 40:
			b = fmt.Appendf(b, "Session %08x for user %s has not responded in %ds; will retry", k, user, k%600)
		case pick < 70:
			b = fmt.Appendf(b, "Could not find R version %d.%d.%d at /opt/R/%d.%d.%d/bin/R; using the default", 3+k%2, k%5, k%3, 3+k%2, k%5, k%3)
		default:
			b = fmt.Appendf(b, "Launcher response took %dms, longer than the %dms threshold (job %d)", 1000+k%9000, 1000, k%100000)
		}
	case 'D':
		b = fmt.Appendf(b, "DEBUG Handling request GET /s/%08x/rpc/get_environment_state for user %s (%d bytes)", k, user, k%65536)
	default:
		switch {
		case pick < 3:
			b = fmt.Appendf(b, "INFO retrying after error: connection reset by peer (attempt %d)", k%5)
		case pick < 60:
			b = fmt.Appendf(b, "INFO Session %d for user %s started on node-%d", k%100000, user, k%4)
		default:
			b = fmt.Appendf(b, "INFO Creating database connection pool of size %d (source: logical CPU count)", 2+k%6)
		}
	}
	return append(b, '\n')
}

func (g *gen) connect(b []byte, t time.Time, lvl byte, k int, user string, pick int) []byte {
	b = append(b, `time="`...)
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, `" `...)
	switch lvl {
	case 'E':
		b = append(b, "level=error "...)
		switch {
		case pick < 30:
			b = fmt.Appendf(b, `msg="Rejected insecure proxy authentication attempt" request_id=%d`, k)
		case pick < 45:
			b = fmt.Appendf(b, `msg="OAuth2 discovery failed: Get \"https://idp.example.com/.well-known/openid-configuration\": x509: certificate signed by unknown authority" attempt=%d`, k%5)
		case pick < 70:
			b = fmt.Appendf(b, `msg="Error rendering content" content_guid=%08x-%04x-4c1a-9f44-2d0b8d0b1c11 job=%d user=%s error="exit status %d"`, k, k&0xffff, k%100000, user, 1+k%3)
		case pick < 90:
			b = fmt.Appendf(b, `msg="Unable to reach the database: dial tcp 10.0.%d.%d:5432: connect: connection refused" retry_in=%ds`, k%256, (k>>8)%256, 1+k%30)
		default:
			b = fmt.Appendf(b, `msg="LDAP search failed for user %s: LDAP Result Code 32 \"No Such Object\"" duration=%dms`, user, k%900)
		}
	case 'W':
		b = append(b, "level=warning "...)
		switch {
		case pick < 40:
			b = fmt.Appendf(b, `msg="Content %d has not been accessed in %d days" owner=%s`, k%5000, k%400, user)
		case pick < 70:
			b = fmt.Appendf(b, `msg="Warning: Could not detect Quarto at /opt/quarto/%d.%d/bin/quarto"`, 1+k%2, k%6)
		default:
			b = fmt.Appendf(b, `msg="Slow request" method=GET path=/content/%d/ duration=%dms user=%s`, k%5000, 1000+k%9000, user)
		}
	case 'D':
		b = fmt.Appendf(b, `level=debug msg="session heartbeat" session=%08x user=%s`, k, user)
	default:
		switch {
		case pick < 3:
			b = fmt.Appendf(b, `level=info msg="retrying OAuth2 discovery after error" attempt=%d`, k%5)
		default:
			b = fmt.Appendf(b, `level=info msg="GET /content/%d/ 200" user=%s duration=%dms`, k%5000, user, k%900)
		}
	}
	return append(b, '\n')
}
