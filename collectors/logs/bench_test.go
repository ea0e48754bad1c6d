package logs

import "testing"

var benchLines = [][]byte{
	[]byte("2026-11-23T08:00:01.200000Z [rserver] INFO Creating database connection pool of size 2 (source: logical CPU count)"),
	[]byte(`time="2026-11-23T08:00:00.200Z" level=info msg="GET /content/42/ 200" user=user7 duration=12ms`),
	[]byte("2022-03-02T15:37:10.117201Z [rserver] ERROR OpenID failed with error: attempt to use invalid state: 041fc65d; LOGGED FROM: x.cpp:1"),
	[]byte("Dec 14 15:25:18 vm-centos7-2-0 rserver[2979]: ERROR system error 2 (No such file or directory) [user-value=btsherid]"),
}

func BenchmarkClassify(b *testing.B) {
	var n int64
	for _, l := range benchLines {
		n += int64(len(l))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, l := range benchLines {
			Classify(l)
		}
	}
}

func BenchmarkTemplate(b *testing.B) {
	msg := "system error 2 (No such file or directory) [user-value=btsherid]; OCCURRED AT: rstudio::core::Error userFrom src/cpp/core/system/PosixUser.cpp:107"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Template(msg)
	}
}
