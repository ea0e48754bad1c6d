package checks_test

import (
	"context"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
)

// BenchmarkCollectAndRun is a whole run's work on a healthy host: read and
// parse every config, list processes, run every check.
func BenchmarkCollectAndRun(b *testing.B) {
	snap := buildHost(b, "ubuntu-healthy")
	h, err := host.New(snap.Root)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s := collectors.Collect(ctx, h, collectors.Options{})
		checks.Run(ctx, s, checks.All())
		cancel()
	}
}
