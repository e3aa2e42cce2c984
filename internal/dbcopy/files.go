package dbcopy

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/koban-project/koban/internal/blob"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// FileResult is what happened to the evidence files that report_files and
// case_evidence refer to (each distinct SHA-256 once).
type FileResult struct {
	Referenced int
	Copied     int    // written to FilesTo by this run, hash verified
	Present    int    // already in FilesTo with the right hash
	Replaced   int    // in FilesTo with a wrong hash, copied again
	Dir        string // the folder the files now live in (its files/ subfolder)
	CheckedAt  string // "" or the folder checked when nothing was copied
	// Missing and Corrupt name files that could not be vouched for: absent
	// from the source, or whose content does not match their hash (or size).
	Missing, Corrupt []string
}

// OK reports whether every referenced file was found intact.
func (f FileResult) OK() bool { return len(f.Missing) == 0 && len(f.Corrupt) == 0 }

var validSum = regexp.MustCompile(`^[0-9a-f]{64}$`)

// blobPath is where koban keeps the file with that SHA-256 in one of a
// data folder's file stores ("files" for evidence, "samples" for malware).
func blobPath(dataDir, folder, sum string) string {
	return filepath.Join(dataDir, folder, sum[:2], sum[2:4], sum)
}

type fileRef struct {
	folder string
	sum    string
	size   int64
}

func referencedFiles(ctx context.Context, src *sql.Tx) ([]fileRef, error) {
	rows, err := src.QueryContext(ctx, `SELECT 'files', sha256, MAX(size) FROM (SELECT sha256, size FROM report_files
		UNION ALL SELECT sha256, size FROM case_evidence WHERE sha256 <> '') e GROUP BY sha256
		UNION ALL SELECT 'samples', sha256, size FROM sample_files ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("list evidence files: %w", err)
	}
	defer rows.Close()
	var out []fileRef
	for rows.Next() {
		var f fileRef
		if err := rows.Scan(&f.folder, &f.sum, &f.size); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// copyFiles copies every referenced file from srcDir into dstDir, skipping
// those already there with the right hash and verifying every copy.
func copyFiles(ctx context.Context, refs []fileRef, srcDir, dstDir string, o *Options) (FileResult, error) {
	res := FileResult{Referenced: len(refs), Dir: dstDir}
	stores := map[string]*blob.Store{}
	for _, f := range refs {
		store := stores[f.folder]
		if store == nil {
			var err error
			if store, err = blob.Open(filepath.Join(dstDir, f.folder)); err != nil {
				return res, fmt.Errorf("evidence: %w", err)
			}
			stores[f.folder] = store
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if !validSum.MatchString(f.sum) {
			res.Corrupt = append(res.Corrupt, f.sum)
			continue
		}
		if sealedSrc := blobPath(srcDir, f.folder, f.sum) + blob.SealedSuffix; exists(sealedSrc) {
			// Encrypted at rest: copied as it is, for the same key file to
			// open; koban evidence verify checks the content with the key.
			if err := copySealed(store, sealedSrc, blobPath(dstDir, f.folder, f.sum)+blob.SealedSuffix); err != nil {
				return res, err
			}
			res.Copied++
			continue
		}
		dst := blobPath(dstDir, f.folder, f.sum)
		got, err := fileSum(dst)
		switch {
		case err == nil && got == f.sum:
			res.Present++
			continue
		case err == nil:
			res.Replaced++
		case !errors.Is(err, fs.ErrNotExist):
			return res, fmt.Errorf("evidence %s: %w", dst, err)
		}
		src := blobPath(srcDir, f.folder, f.sum)
		switch err := copyFile(store, src, dst, f.sum); {
		case errors.Is(err, fs.ErrNotExist):
			res.Missing = append(res.Missing, f.sum)
		case errors.Is(err, errCorrupt):
			res.Corrupt = append(res.Corrupt, f.sum)
		case err != nil:
			return res, err
		default:
			res.Copied++
		}
		if n := res.Copied + res.Present; n%500 == 0 && n > 0 {
			o.printf("  evidence: %d/%d files …\n", n, len(refs))
		}
	}
	return res, nil
}

// checkFiles checks that every referenced file is in dir with its size, and
// with hashes set, with its SHA-256 too.
func checkFiles(ctx context.Context, refs []fileRef, dir string, hashes bool) (FileResult, error) {
	res := FileResult{Referenced: len(refs), Dir: dir, CheckedAt: dir}
	for _, f := range refs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if !validSum.MatchString(f.sum) {
			res.Corrupt = append(res.Corrupt, f.sum)
			continue
		}
		p := blobPath(dir, f.folder, f.sum)
		if exists(p + blob.SealedSuffix) {
			res.Present++ // encrypted at rest: koban evidence verify checks it with the key
			continue
		}
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			res.Missing = append(res.Missing, f.sum)
			continue
		case err != nil:
			return res, fmt.Errorf("evidence %s: %w", p, err)
		case !fi.Mode().IsRegular() || fi.Size() != f.size:
			res.Corrupt = append(res.Corrupt, f.sum)
			continue
		}
		if hashes {
			got, err := fileSum(p)
			if err != nil {
				return res, fmt.Errorf("evidence %s: %w", p, err)
			}
			if got != f.sum {
				res.Corrupt = append(res.Corrupt, f.sum)
				continue
			}
		}
		res.Present++
	}
	return res, nil
}

var errCorrupt = errors.New("content does not match its SHA-256")

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// copySealed copies a file encrypted at rest byte for byte, synced, unless
// the same bytes are there already.
func copySealed(dst *blob.Store, src, dstPath string) error {
	if a, err := fileSum(src); err == nil {
		if b, err := fileSum(dstPath); err == nil && a == b {
			return nil
		}
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := dst.CreateTemp("copy-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return fmt.Errorf("evidence %s: %w", src, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dstPath), 0o700); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dstPath)
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// copyFile copies src into the evidence store through blob.PutAs, which
// refuses content that does not match sum and syncs the file and its new
// folders, then reads the result back to check it again.
func copyFile(dst *blob.Store, src, dstPath, sum string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	switch err := dst.PutAs(in, sum, 1<<40); {
	case errors.Is(err, blob.ErrMismatch):
		return errCorrupt
	case err != nil:
		return fmt.Errorf("evidence %s: %w", src, err)
	}
	got, err := fileSum(dstPath)
	if err != nil {
		return fmt.Errorf("evidence %s: %w", dstPath, err)
	}
	if got != sum {
		return fmt.Errorf("evidence %s: the copy reads back as %s", dstPath, got)
	}
	return nil
}
