// Archiving in-memory members (tar.gz or zip) with stable bytes.

package report

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"io/fs"
	"path"
	"sort"
	"time"

	"github.com/mholt/archiver/v4"
)

// memFile is an archive member whose bytes are already redacted in memory.
type memFile struct {
	name string
	size int64
	mod  time.Time
	dir  bool
}

func (m memFile) Name() string { return path.Base(m.name) }
func (m memFile) Size() int64  { return m.size }
func (m memFile) Mode() fs.FileMode {
	if m.dir {
		return fs.ModeDir | 0o700
	}
	return 0o600
}
func (m memFile) ModTime() time.Time { return m.mod }
func (m memFile) IsDir() bool        { return m.dir }
func (m memFile) Sys() any           { return nil }

// archive writes the members in name order under one top-level directory,
// all stamped with the run's start time, so the same facts make the same
// archive bytes.
func (b *bundleBuilder) archive(ctx context.Context, w io.Writer, members []member) error {
	mod := b.in.Started.UTC().Truncate(time.Second)
	var files []archiver.FileInfo
	files = append(files, archiver.FileInfo{FileInfo: memFile{name: b.prefix, mod: mod, dir: true}, NameInArchive: b.prefix + "/"})
	seenDirs := map[string]bool{}
	for _, m := range members {
		// Parent directories first, so extraction keeps the layout.
		for d := path.Dir(m.name); d != "." && d != "/" && !seenDirs[d]; d = path.Dir(d) {
			seenDirs[d] = true
		}
		data := m.data
		files = append(files, archiver.FileInfo{
			FileInfo:      memFile{name: m.name, size: int64(len(data)), mod: mod},
			NameInArchive: b.prefix + "/" + m.name,
			Open: func() (fs.File, error) {
				return &memOpen{Reader: bytes.NewReader(data), info: memFile{name: m.name, size: int64(len(data)), mod: mod}}, nil
			},
		})
	}
	var dirs []string
	for d := range seenDirs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for i, d := range dirs {
		files = append(files[:1+i], append([]archiver.FileInfo{{FileInfo: memFile{name: d, mod: mod, dir: true}, NameInArchive: b.prefix + "/" + d + "/"}}, files[1+i:]...)...)
	}
	var format archiver.Archive
	if b.in.Format == "zip" {
		// Deflate: archiver's zero value stores members uncompressed.
		format = archiver.Archive{Archival: archiver.Zip{Compression: zip.Deflate}}
	} else {
		format = archiver.Archive{Compression: archiver.Gz{}, Archival: archiver.Tar{NumericUIDGID: true}}
	}
	ew := &errWriter{w: w}
	if err := format.Archive(ctx, ew, files); err != nil {
		return err
	}
	// The archiver closes the gzip stream without returning its error: a
	// failed final write shows up here instead.
	return ew.err
}

// memOpen serves an in-memory member to the archiver as an fs.File.
type memOpen struct {
	*bytes.Reader
	info memFile
}

func (m *memOpen) Stat() (fs.FileInfo, error) { return m.info, nil }
func (m *memOpen) Close() error               { return nil }

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, err
}
