package report

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
)

// realBundle writes a bundle of a minimal host and returns its members in
// archive order.
func realBundle(t testing.TB) []tarMember {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(root+"/etc/rstudio", 0o755)
	os.WriteFile(root+"/etc/hostname", []byte("h\n"), 0o644)
	os.WriteFile(root+"/etc/rstudio/rserver.conf", []byte("auth-openid=1\n"), 0o644)
	h, err := host.New(root)
	if err != nil {
		t.Fatal(err)
	}
	snap := collectors.Collect(context.Background(), h, collectors.Options{Bundle: true})
	rep := New(Tool{Name: "posit-doctor"}, Host{Hostname: "h"}, time.Now(), 0, nil)
	var buf bytes.Buffer
	if _, err := WriteBundle(context.Background(), &buf, BundleInput{Snapshot: snap, Report: rep, Started: time.Now(), Ended: time.Now()}); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var out []tarMember
	tr := tar.NewReader(zr)
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out = append(out, tarMember{name: hd.Name, data: data, typ: hd.Typeflag})
	}
	return out
}

type tarMember struct {
	name string
	data []byte
	typ  byte
}

func tarGz(t testing.TB, ms []tarMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, m := range ms {
		typ := m.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hd := &tar.Header{Name: m.name, Mode: 0o600, Size: int64(len(m.data)), Typeflag: typ, ModTime: time.Unix(0, 0)}
		if typ != tar.TypeReg {
			hd.Size = 0
		}
		if typ == tar.TypeSymlink {
			hd.Linkname = "/etc/shadow"
		}
		if err := tw.WriteHeader(hd); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			tw.Write(m.data)
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// edit returns the members with f applied to the one whose name ends in suffix.
func edit(ms []tarMember, suffix string, f func([]byte) []byte) []tarMember {
	out := make([]tarMember, len(ms))
	copy(out, ms)
	for i := range out {
		if strings.HasSuffix(out[i].name, suffix) {
			out[i].data = f(append([]byte(nil), out[i].data...))
		}
	}
	return out
}

// resign rewrites the manifest's hashes to match the members, as someone
// editing a bundle on purpose would: what is then refused is the content.
func resign(t testing.TB, ms []tarMember) []tarMember {
	t.Helper()
	var man Manifest
	mi := -1
	for i, m := range ms {
		if strings.HasSuffix(m.name, "/manifest.json") {
			mi = i
			if err := json.Unmarshal(m.data, &man); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, f := range man.Files {
		for _, m := range ms {
			if strings.HasSuffix(m.name, "/"+f.Name) {
				sum := sha256.Sum256(m.data)
				man.Files[i].SHA256 = hex.EncodeToString(sum[:])
			}
		}
	}
	data, _ := json.Marshal(man)
	out := append([]tarMember(nil), ms...)
	out[mi].data = data
	return out
}

// TestReadBundleRefusals: every kind of bundle compare and analyze cannot
// trust gives a *BundleError naming the reason, never a panic or a guess.
func TestReadBundleRefusals(t *testing.T) {
	good := realBundle(t)
	prefix := strings.Split(good[0].name, "/")[0]
	replace := func(old, new string) func([]byte) []byte {
		return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
	}
	var zipBuf bytes.Buffer
	zw := zip.NewWriter(&zipBuf)
	w, _ := zw.Create("notes/readme.txt")
	w.Write([]byte("hello"))
	zw.Close()
	goodTar := tarGz(t, good)
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "not a tar.gz or zip", nil},
		{"text", "not a tar.gz or zip", []byte("just some text\n")},
		{"truncated", "corrupt", goodTar[:len(goodTar)/2]},
		{"foreign zip", "not a posit-doctor bundle", zipBuf.Bytes()},
		{"foreign tar.gz", "not a posit-doctor bundle", tarGz(t, []tarMember{{name: "x/hello.txt", data: []byte("hi")}})},
		{"other bundle schema", "manifest schema \"posit-doctor/bundle/v2\"", tarGz(t, edit(good, "/manifest.json", replace(BundleSchema, "posit-doctor/bundle/v2")))},
		{"other facts schema", "facts schema \"posit-doctor/facts/v9\"", tarGz(t, resign(t, edit(good, "/facts.json", replace(collectors.SnapshotSchema, "posit-doctor/facts/v9"))))},
		{"other findings schema", "findings schema \"posit-doctor/report/v0\"", tarGz(t, resign(t, edit(good, "/findings.json", replace(Schema, "posit-doctor/report/v0"))))},
		{"tampered config copy", "does not match its sha256", tarGz(t, edit(good, "/files/etc/rstudio/rserver.conf", replace("auth-openid=1", "auth-openid=0")))},
		{"manifest not JSON", "manifest.json is not valid JSON", tarGz(t, edit(good, "/manifest.json", func([]byte) []byte { return []byte("{") }))},
		{"path traversal", "climbs out", tarGz(t, append(good, tarMember{name: prefix + "/../../etc/cron.d/x", data: []byte("x")}))},
		{"absolute name", "absolute path", tarGz(t, append(good, tarMember{name: "/etc/passwd", data: []byte("x")}))},
		{"symlink member", "not a regular file", tarGz(t, append(good, tarMember{name: prefix + "/files/etc/x", typ: tar.TypeSymlink}))},
		{"two top-level dirs", "top-level directories", tarGz(t, append(good, tarMember{name: "other/x", data: []byte("x")}))},
		{"no facts", "no facts.json", tarGz(t, func() []tarMember {
			var out []tarMember
			for _, m := range good {
				if !strings.HasSuffix(m.name, "/facts.json") {
					out = append(out, m)
				}
			}
			return out
		}())},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := ReadBundle(context.Background(), bytes.NewReader(c.data), "node.tar.gz")
			var be *BundleError
			if !errors.As(err, &be) {
				t.Fatalf("got %v, %v; want a *BundleError", b, err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "node.tar.gz: ") {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
	b, err := ReadBundle(context.Background(), bytes.NewReader(goodTar), "node.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	if b.Facts.Hostname != "h" || b.Report == nil || b.Prefix != prefix || string(b.Members["files/etc/rstudio/rserver.conf"]) != "auth-openid=1\n" {
		t.Errorf("read back: host %q report %v prefix %q members %v", b.Facts.Hostname, b.Report != nil, b.Prefix, len(b.Members))
	}
}

// TestReadBundleMemberCaps: a member far over its cap (a gzip bomb's
// payload) is refused or skipped after reading at most cap+1 bytes.
func TestReadBundleMemberCaps(t *testing.T) {
	good := realBundle(t)
	prefix := strings.Split(good[0].name, "/")[0]
	huge := bytes.Repeat([]byte("a"), readMaxJSON+10)
	_, err := ReadBundle(context.Background(), bytes.NewReader(tarGz(t, edit(good, "/facts.json", func([]byte) []byte { return huge }))), "n.tar.gz")
	if err == nil || !strings.Contains(err.Error(), "over 64 MiB") {
		t.Errorf("huge facts.json: %v", err)
	}
	big := tarGz(t, append(good, tarMember{name: prefix + "/files/var/big", data: bytes.Repeat([]byte("b"), readMaxMember+1)}))
	b, err := ReadBundle(context.Background(), bytes.NewReader(big), "n.tar.gz")
	if err != nil || b.Members["files/var/big"] != nil {
		t.Errorf("a big member is skipped, not kept: %v", err)
	}
}

// FuzzReadBundle: any bytes give a bundle or a *BundleError, never a panic.
func FuzzReadBundle(f *testing.F) {
	good := tarGz(f, realBundle(f))
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ReadBundle(context.Background(), bytes.NewReader(data), "fuzz.tar.gz")
		if err == nil && (b.Facts == nil || b.Manifest == nil) {
			t.Fatal("a bundle without facts or manifest was accepted")
		}
		var be *BundleError
		if err != nil && !errors.As(err, &be) {
			t.Fatalf("error of type %T: %v", err, err)
		}
	})
}
