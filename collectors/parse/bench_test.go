package parse

import (
	"os"
	"testing"
)

func BenchmarkParseGcfg(b *testing.B) {
	src, err := os.ReadFile("../../testdata/hosts/ubuntu-healthy/etc/rstudio-connect/rstudio-connect.gcfg")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		if _, err := ParseGcfg(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseKV(b *testing.B) {
	src, err := os.ReadFile("../../testdata/hosts/ubuntu-healthy/etc/rstudio/rserver.conf")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		ParseKV(src)
	}
}
