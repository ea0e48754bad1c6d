package logs

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/logs/loggen"
)

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

// benchLog returns a generated log of the given family and error share,
// with a quarter of its lines at WARNING, cached across benchmarks.
type benchData struct {
	data []byte
	st   loggen.Stats
}

var benchLogs = map[string]benchData{}

func benchLog(b *testing.B, format string, errShare float64) ([]byte, loggen.Stats) {
	b.Helper()
	key := fmt.Sprintf("%s/%g", format, errShare)
	if d, ok := benchLogs[key]; ok {
		return d.data, d.st
	}
	var buf bytes.Buffer
	st, err := loggen.Write(&buf, loggen.Config{Format: format, Size: 16 << 20, End: now, Error: errShare, Warn: 0.25, Debug: 0.10, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	benchLogs[key] = benchData{buf.Bytes(), st}
	runtime.GC() // the generator's garbage is not the scanner's cost
	return buf.Bytes(), st
}

// cpuTime is the process's user+system CPU time in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkScan scans a 16 MiB log at each error-line density; it checks
// that the scanner counts the error lines the generator wrote.
func BenchmarkScan(b *testing.B) {
	for _, format := range []string{"workbench", "connect"} {
		for _, share := range []float64{0.001, 0.01, 0.10} {
			b.Run(fmt.Sprintf("%s/errors=%g%%", format, share*100), func(b *testing.B) {
				data, st := benchLog(b, format, share)
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuTime()
				for i := 0; i < b.N; i++ {
					sc := NewScanner(format, time.Time{}, now)
					sc.res.Files = append(sc.res.Files, FileScan{Path: "bench.log"})
					sc.fs, sc.file, sc.inWindow = &sc.res.Files[0], "bench.log", true
					if err := sc.scan(context.Background(), bytes.NewReader(data)); err != nil {
						b.Fatal(err)
					}
					if r := sc.Result(); int64(r.ErrorLines) != st.Errors || r.Files[0].Lines != st.Lines {
						b.Fatalf("counted %d error lines of %d lines, the generator wrote %d of %d", r.ErrorLines, r.Files[0].Lines, st.Errors, st.Lines)
					}
				}
				// CPU time, not wall: the machine this runs on is shared.
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/float64(st.Lines), "cpu-ns/line")
			})
		}
	}
}
