// Package datadir guards koban's data folder (KOBAN_DATA_DIR): the marker
// that ties the folder to one database, the refusal to start a fresh
// database over what a previous one left behind, and the probe that the
// folder can still be written.
//
// The failure it exists for: with koban.db deleted under a running server,
// SQLite went on writing to the deleted file, reports got receipts, and the
// restart created an empty database with a new administrator password. The
// evidence files stayed; every report naming them was gone. Now the marker
// says which database the folder belongs to, a fresh database is refused
// where a previous one's marker or evidence is found, and a replaced one is
// refused because its identity differs from the marker's.
package datadir

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MarkerName is the file in the data folder naming the database it belongs to.
const MarkerName = "koban.id"

// FilesDir is the folder below the data folder that holds evidence files
// (the blob store).
const FilesDir = "files"

// ReadMarker returns the database identity recorded in dir, or "" when the
// folder has no marker.
func ReadMarker(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, MarkerName))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", MarkerName, err)
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", fmt.Errorf("%s in %s is empty: it should name the database this folder belongs to", MarkerName, dir)
	}
	return id, nil
}

// WriteMarker records id as the database the folder belongs to (see
// WriteFile: a crash leaves either no marker or a whole one).
func WriteMarker(dir, id string) error {
	if err := WriteFile(dir, MarkerName, []byte(id+"\n")); err != nil {
		return fmt.Errorf("write %s: %w", MarkerName, err)
	}
	return nil
}

// WriteFile writes data to the file name in dir so that a crash leaves the
// old file or the whole new one: to a temporary file beside it, synced,
// renamed over it, and the folder synced so that the new name lasts too.
func WriteFile(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return SyncDir(dir)
}

// SyncDir syncs the folder dir, so that the files created, renamed or
// removed in it stay so after a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ErrInUse is wrapped by CheckUnused's refusal.
var ErrInUse = errors.New("the data folder belongs to another database")

// CheckUnused refuses a data folder that a previous database used: one with
// a marker, or with evidence files. A fresh database must not be created
// there, because the reports those files belong to would be lost for good
// the moment a new database starts handing out receipts.
func CheckUnused(dir string) error {
	id, err := ReadMarker(dir)
	if err != nil {
		return err
	}
	if id != "" {
		return fmt.Errorf("%w: the database is missing or empty, but %s names database %s. "+
			"Restore that database from a backup (or point KOBAN_DATABASE_URL at it); "+
			"to start afresh on purpose, move the folder aside and start with an empty one",
			ErrInUse, filepath.Join(dir, MarkerName), id)
	}
	n, err := countEvidence(filepath.Join(dir, FilesDir))
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: the database is missing or empty, but %s holds evidence files (%d found). "+
			"Restore the database those files belong to; to start afresh on purpose, move the folder aside",
			ErrInUse, filepath.Join(dir, FilesDir), n)
	}
	return nil
}

// countEvidence counts stored files under the blob store's fan-out folders
// (aa/bb/<sha256>), stopping early: one is enough to refuse. Temporary
// uploads are not evidence.
func countEvidence(files string) (int, error) {
	n := 0
	err := filepath.WalkDir(files, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == files {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() && path == filepath.Join(files, "tmp") {
			return fs.SkipDir
		}
		if d.Type().IsRegular() {
			n++
			if n >= 10 {
				return fs.SkipAll
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("look for evidence files: %w", err)
	}
	return n, nil
}

// Writable proves that dir takes a new file: it writes, syncs and removes a
// small probe. Permission bits alone do not tell (root ignores them, a
// read-only mount or a full disk does not show in them).
func Writable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("data folder not writable: %w", err)
	}
	name := f.Name()
	_, werr := f.Write(bytes.Repeat([]byte{'k'}, 512))
	serr := f.Sync()
	cerr := f.Close()
	rerr := os.Remove(name)
	if err := errors.Join(werr, serr, cerr, rerr); err != nil {
		return fmt.Errorf("data folder not writable: %w", err)
	}
	return nil
}
