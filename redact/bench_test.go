package redact

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// mixedLog is a realistic blend of the lines the redactor sees: Workbench
// and Connect log lines, most with nothing to redact, some with secrets.
func mixedLog(n int) string {
	lines := []string{
		`2022-03-02T15:37:10.117201Z [rserver] ERROR OpenID failed with error: attempt to use invalid state: 041fc65df50a6e8b7390213efac495b3f125b9e1d8b43df1b1df8c9b163da162; LOGGED FROM: void rstudio::server::openid_auth::writeResponse src/cpp/server/openid_auth/ServerOpenIDAuth.cpp:145`,
		`time="2024-07-10T22:32:40.668Z" level=info msg="Using the normalized Server.Address: https://connect.example.com/"`,
		`time="2024-07-10T22:32:41.001Z" level=debug msg="token request" body="grant_type=authorization_code&code=AbCdEf123&client_secret=s3cr3t"`,
		`2022-03-04T21:07:59.764354Z [rserver] INFO Creating database connection pool of size 2 (source: logical CPU count)`,
		`Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl`,
		`URL = postgres://connect:pgpass@db.example.com/connect`,
		`Dec 14 15:25:18 vm-centos7-2-0 rserver[2979]: ERROR system error 2 (No such file or directory) [user-value=btsherid]`,
		`2021/06/21 16:51:03 Using the normalized Server.Address: http://localhost:3939/`,
	}
	var b strings.Builder
	for b.Len() < n {
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func BenchmarkRedactMixedLog(b *testing.B) {
	s := mixedLog(1 << 20)
	b.SetBytes(int64(len(s)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		String(s)
	}
}

func BenchmarkRedactCleanLine(b *testing.B) {
	s := `2022-03-04T21:07:59.764354Z [rserver] INFO Creating database connection pool of size 2 (source: logical CPU count)`
	b.SetBytes(int64(len(s)))
	for i := 0; i < b.N; i++ {
		String(s)
	}
}

// realisticLog is product log text where about one line in fifty carries
// something to redact, as in real rserver.log and Connect logs.
func realisticLog(n int) []byte {
	clean := []string{
		`2026-11-23T08:00:01.200000Z [rserver] INFO Creating database connection pool of size 2 (source: logical CPU count)`,
		`time="2026-11-23T08:00:00.200Z" level=info msg="GET /content/42/ 200" user=user7 duration=12ms`,
		`2026-11-23T09:30:00.000000Z [rserver] INFO Session 4412 for user alice started on node-2`,
		`2022-03-02T15:37:10.117201Z [rserver] ERROR OpenID failed with error: attempt to use invalid state: 041fc65df50a6e8b7390213efac495b3f125b9e1d8b43df1b1df8c9b163da162; LOGGED FROM: void rstudio::server::openid_auth::writeResponse src/cpp/server/openid_auth/ServerOpenIDAuth.cpp:145`,
	}
	secret := strings.Split(mixedLog(4096), "\n")
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		if i%50 == 49 {
			b.WriteString(secret[i%len(secret[:8])])
		} else {
			b.WriteString(clean[i%len(clean)])
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

func BenchmarkCopyRealisticLog(b *testing.B) {
	data := realisticLog(8 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := New().Copy(io.Discard, bytes.NewReader(data), 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCopySecretDenseLog(b *testing.B) {
	data := []byte(mixedLog(8 << 20))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		New().Copy(io.Discard, bytes.NewReader(data), 0)
	}
}
