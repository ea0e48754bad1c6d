// Reading a bundle back (analyze).

package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/mholt/archiver/v4"

	"github.com/posit-doctor/posit-doctor/collectors"
)

// ErrNoFacts: the archive holds no facts.json.
var ErrNoFacts = errors.New("no facts.json in the archive; is it a posit-doctor bundle?")

// ReadFacts extracts facts.json from a bundle (tar.gz or zip).
func ReadFacts(ctx context.Context, r io.Reader, name string) (*collectors.Snapshot, *Manifest, error) {
	format, stream, err := archiver.Identify(ctx, name, r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a tar.gz or zip archive: %w", name, err)
	}
	ex, ok := format.(archiver.Extractor)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %s archives cannot be read", name, format.Extension())
	}
	var snap *collectors.Snapshot
	var man *Manifest
	err = ex.Extract(ctx, stream, func(ctx context.Context, f archiver.FileInfo) error {
		base := path.Base(f.NameInArchive)
		if f.IsDir() || (base != "facts.json" && base != "manifest.json") {
			return nil
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, 256<<20))
		if err != nil {
			return err
		}
		if base == "facts.json" {
			snap = &collectors.Snapshot{}
			return json.Unmarshal(data, snap)
		}
		man = &Manifest{}
		return json.Unmarshal(data, man)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if snap == nil {
		return nil, nil, fmt.Errorf("%s: %w", name, ErrNoFacts)
	}
	return snap, man, nil
}
