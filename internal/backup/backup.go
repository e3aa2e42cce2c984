// Package backup writes and reads koban's backup archives: one tar stream
// holding the data folder (evidence files, sealed or not, as they lie on
// disk; the anchors; the folder's marker and keys.json), for SQLite a
// consistent copy of the database taken with VACUUM INTO, and, as its last
// entry, manifest.json: every entry's size and SHA-256, every table's row
// count and digest, the audit chain's head and the database's identity.
//
// Restore extracts into a new folder beside the target, checks every entry
// against the manifest (nothing missing, nothing added, no name that leaves
// the folder) and, for SQLite, every table's digest, and only then renames
// the folder into place. What koban itself must check afterwards (the audit
// chain verifies and ends at the manifest's head; every file the database
// names is there) is the caller's, with the restored koban open.
//
// The key file (KOBAN_ENCRYPTION_KEYS) is never in an archive: sealed
// evidence stays sealed in it, and the key is backed up apart.
package backup

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/datadir"
)

// Format names the archive layout.
const Format = "koban-backup/1"

// ManifestName is the archive's last entry.
const ManifestName = "manifest.json"

// DatabaseName is the SQLite database's name in the data folder and the archive.
const DatabaseName = "koban.db"

// Manifest describes an archive.
type Manifest struct {
	Format     string           `json:"format"`
	CreatedAt  time.Time        `json:"created_at"`
	Version    string           `json:"koban_version"`
	Database   string           `json:"database"` // "sqlite" (in the archive) or "postgres" (backed up apart)
	Identity   string           `json:"database_identity"`
	AuditHead  AuditHead        `json:"audit_head"`
	Tables     map[string]Table `json:"tables,omitempty"` // SQLite only
	Files      []File           `json:"files"`
	Referenced int              `json:"referenced_files"` // evidence files the database names, all in Files
}

// AuditHead is the last row of the audit chain in the backed-up database.
type AuditHead struct {
	ID   int64  `json:"id"`
	Hash string `json:"hash"`
}

// Table is one table's row count and the SHA-256 of its rows in order.
type Table struct {
	Rows   int64  `json:"rows"`
	SHA256 string `json:"sha256"`
}

// File is one archive entry.
type File struct {
	Name   string `json:"name"` // slash-separated, relative to the data folder
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // of the bytes as stored (sealed files: the ciphertext)
}

// Skip reports whether a path of the data folder (slash-separated,
// relative) stays out of an archive: the live database and its journals
// (the copy goes in instead), temporary and held uploads, and lock files.
func Skip(rel string) bool {
	base := path.Base(rel)
	switch {
	case rel == DatabaseName, strings.HasPrefix(rel, DatabaseName+"-"):
		return true
	case base == "tmp" || base == "held" || strings.Contains(rel, "/tmp/") || strings.HasPrefix(rel, "tmp/") ||
		strings.Contains(rel, "/held/") || strings.HasPrefix(rel, "held/"):
		return true
	case strings.HasPrefix(rel, ".") || strings.Contains(rel, "/.") || strings.HasSuffix(base, ".lock"):
		return true // hidden: koban's own work in progress (.backup-*, .keys-*)
	}
	return false
}

// Writer writes an archive.
type Writer struct {
	tw    *tar.Writer
	files []File
	names map[string]bool
}

// NewWriter starts an archive on w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{tw: tar.NewWriter(w), names: map[string]bool{}}
}

// AddFile copies the file at src into the archive as name.
func (w *Writer) AddFile(ctx context.Context, name, src string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return err
	}
	if w.names[name] {
		return fmt.Errorf("backup: %s twice", name)
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime().UTC().Truncate(time.Second), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w.tw, h), f)
	if err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	if n != fi.Size() {
		return fmt.Errorf("backup %s: the file changed size while it was copied", name)
	}
	w.names[name] = true
	w.files = append(w.files, File{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// Has reports whether name is in the archive so far.
func (w *Writer) Has(name string) bool { return w.names[name] }

// Close writes the manifest, with the files written, and ends the archive.
func (w *Writer) Close(m *Manifest) error {
	m.Format = Format
	m.Files = w.files
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: ManifestName, Mode: 0o600, Size: int64(len(b)), ModTime: m.CreatedAt.UTC().Truncate(time.Second), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := w.tw.Write(b); err != nil {
		return err
	}
	return w.tw.Close()
}

func checkName(name string) error {
	if name == "" || name == ManifestName || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") ||
		path.Clean(name) != name || name == "." || strings.HasPrefix(name, "../") || name == ".." {
		return fmt.Errorf("backup: unsafe name %q", name)
	}
	return nil
}

// ErrNotEmpty is a restore into a folder that holds something already.
var ErrNotEmpty = errors.New("backup: the folder to restore into exists and is not empty")

// Problem is what a restore found wrong with an archive.
type Problem struct {
	Name   string
	Reason string
}

// ProblemsError lists every problem a restore found; nothing was put in place.
type ProblemsError []Problem

func (p ProblemsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "backup: the archive does not match its manifest (%d problem(s)); nothing was restored", len(p))
	for i, x := range p {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … and %d more", len(p)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %s: %s", x.Name, x.Reason)
	}
	return b.String()
}

// Restore reads an archive from r into dir, which must not exist or be
// empty, and returns its manifest. It checks every entry against the
// manifest and, for SQLite, every table's digest, before anything is put
// in place; on any problem dir is left as it was.
func Restore(ctx context.Context, r io.Reader, dir string) (*Manifest, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotEmpty, dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".restoring-")
	if err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(stage)
		}
	}()
	m, err := extract(ctx, r, stage)
	if err != nil {
		return nil, err
	}
	if m.Database == "sqlite" {
		var probs ProblemsError
		got, err := TableDigests(ctx, filepath.Join(stage, DatabaseName))
		if err != nil {
			return nil, fmt.Errorf("backup: the restored database: %w", err)
		}
		for _, name := range sortedKeys(m.Tables, got) {
			want, ok := m.Tables[name]
			have, ok2 := got[name]
			switch {
			case !ok:
				probs = append(probs, Problem{"table " + name, "in the database, not in the manifest"})
			case !ok2:
				probs = append(probs, Problem{"table " + name, "in the manifest, not in the database"})
			case want != have:
				probs = append(probs, Problem{"table " + name, fmt.Sprintf("%d rows %s…, the manifest says %d rows %s…", have.Rows, have.SHA256[:12], want.Rows, want.SHA256[:12])})
			}
		}
		if len(probs) > 0 {
			return nil, probs
		}
	}
	os.Remove(dir) // an empty folder: the rename takes its place
	if err := os.Rename(stage, dir); err != nil {
		return nil, err
	}
	done = true
	return m, datadir.SyncDir(parent)
}

func sortedKeys(a, b map[string]Table) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func extract(ctx context.Context, r io.Reader, stage string) (*Manifest, error) {
	tr := tar.NewReader(r)
	got := map[string]File{}
	var m *Manifest
	var probs ProblemsError
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("backup: not a readable archive: %w", err)
		}
		if m != nil {
			return nil, fmt.Errorf("backup: %s follows the manifest, which must be the last entry", hdr.Name)
		}
		if hdr.Name == ManifestName {
			if hdr.Size > 256<<20 {
				return nil, errors.New("backup: the manifest is too large")
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, err
			}
			m = new(Manifest)
			dec := json.NewDecoder(strings.NewReader(string(b)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(m); err != nil {
				return nil, fmt.Errorf("backup: the manifest: %w", err)
			}
			if m.Format != Format {
				return nil, fmt.Errorf("backup: format %q, this koban reads %q", m.Format, Format)
			}
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			probs = append(probs, Problem{hdr.Name, "not a regular file"})
			continue
		}
		if err := checkName(hdr.Name); err != nil {
			probs = append(probs, Problem{hdr.Name, "a name that leaves the data folder"})
			continue
		}
		if _, dup := got[hdr.Name]; dup {
			probs = append(probs, Problem{hdr.Name, "twice in the archive"})
			continue
		}
		f, err := writeEntry(filepath.Join(stage, filepath.FromSlash(hdr.Name)), tr, sha256.New())
		if err != nil {
			return nil, fmt.Errorf("backup %s: %w", hdr.Name, err)
		}
		f.Name = hdr.Name
		got[hdr.Name] = f
	}
	if m == nil {
		return nil, errors.New("backup: no manifest: the archive is cut short or not a koban backup")
	}
	listed := map[string]bool{}
	for _, f := range m.Files {
		listed[f.Name] = true
		g, ok := got[f.Name]
		switch {
		case !ok:
			probs = append(probs, Problem{f.Name, "in the manifest, not in the archive"})
		case g.Size != f.Size || g.SHA256 != f.SHA256:
			probs = append(probs, Problem{f.Name, fmt.Sprintf("%d bytes with SHA-256 %s, the manifest says %d bytes with %s", g.Size, g.SHA256, f.Size, f.SHA256)})
		}
	}
	for name := range got {
		if !listed[name] {
			probs = append(probs, Problem{name, "in the archive, not in the manifest"})
		}
	}
	if m.Database == "sqlite" && !listed[DatabaseName] {
		probs = append(probs, Problem{DatabaseName, "a SQLite backup without its database"})
	}
	if len(probs) > 0 {
		slices.SortFunc(probs, func(a, b Problem) int { return strings.Compare(a.Name, b.Name) })
		return nil, probs
	}
	return m, nil
}

func writeEntry(dst string, r io.Reader, h hash.Hash) (File, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return File{}, err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, err
	}
	n, err := io.Copy(io.MultiWriter(out, h), r)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, err
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// TableDigests reads every table of a SQLite database (opened read-only)
// and returns each one's row count and the SHA-256 of its rows, ordered by
// every column.
func TableDigests(ctx context.Context, dbFile string) (map[string]Table, error) {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(dbFile)
	db, err := sql.Open("sqlite", "file:"+esc+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]Table, len(names))
	for _, name := range names {
		t, err := digestTable(ctx, tx, name)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

func digestTable(ctx context.Context, tx *sql.Tx, name string) (Table, error) {
	quoted := `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
	probe, err := tx.QueryContext(ctx, `SELECT * FROM `+quoted+` LIMIT 0`)
	if err != nil {
		return Table{}, err
	}
	cols, err := probe.Columns()
	probe.Close()
	if err != nil {
		return Table{}, err
	}
	order := make([]string, len(cols))
	for i := range cols {
		order[i] = fmt.Sprint(i + 1)
	}
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+quoted+` ORDER BY `+strings.Join(order, ","))
	if err != nil {
		return Table{}, err
	}
	defer rows.Close()
	h := sha256.New()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return Table{}, err
		}
		for _, v := range vals {
			switch x := v.(type) {
			case nil:
				h.Write([]byte{0})
			case []byte:
				fmt.Fprintf(h, "b%d:", len(x))
				h.Write(x)
			case string:
				fmt.Fprintf(h, "s%d:%s", len(x), x)
			default:
				fmt.Fprintf(h, "%T:%v;", x, x)
			}
		}
		h.Write([]byte{'\n'})
		n++
	}
	if err := rows.Err(); err != nil {
		return Table{}, err
	}
	return Table{Rows: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
