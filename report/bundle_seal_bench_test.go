package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/posit-doctor/posit-doctor/redact"
)

// BenchmarkSeal: the seal's cost over a 50 MiB bundle (50 members of 1 MiB
// of redacted log text) with the known secrets of a host that has every
// product secret set (10 values, each as is and base64-encoded; the other encodings of these values are the same bytes).
func BenchmarkSeal(b *testing.B) {
	defer redact.ForgetAll()
	for i := 0; i < 10; i++ {
		redact.Remember(fmt.Sprintf("bench setting %d", i), fmt.Sprintf("BenchKnownSecret%02dValue", i))
	}
	line := `time="2026-11-23T08:00:00.200Z" level=info msg="GET /content/42/ 200" user=user7 duration=12ms` + "\n"
	chunk := []byte(strings.Repeat(line, (1<<20)/len(line)))
	var members []member
	for i := 0; i < 50; i++ {
		members = append(members, member{name: fmt.Sprintf("logs/m%02d.log", i), data: chunk})
	}
	total := int64(len(chunk) * len(members))
	if total < 49<<20 || redact.KnownCount() < 20 {
		b.Fatalf("input: %d bytes, %d needles", total, redact.KnownCount())
	}
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := seal(members); err != nil {
			b.Fatal(err)
		}
	}
}
