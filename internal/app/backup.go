package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/backup"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/buildinfo"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/store"
)

const backupUsage = "koban backup [--out FILE]   (the data folder, and for SQLite the database, as one archive)"

func runBackup(ctx context.Context, env Env, args []string) error {
	fl := flag.NewFlagSet("backup", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	out := fl.String("out", "", "archive to write (default: koban-backup-<UTC time>.tar in the current folder)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	a, rest, err := openFromEnv(ctx, env, fl.Args())
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) > 0 {
		return usageError(backupUsage)
	}
	name := *out
	if name == "" {
		name = "koban-backup-" + a.Clock.Now().UTC().Format("20060102T150405Z") + ".tar"
	}
	m, err := a.Backup(ctx, name)
	if err != nil {
		return err
	}
	var size int64
	for _, f := range m.Files {
		size += f.Size
	}
	fmt.Fprintf(env.Stdout, "backup written: %s\n  %d entries, %d bytes; audit chain head %d:%s\n  %d evidence files the database names, all in the archive\n",
		name, len(m.Files), size, m.AuditHead.ID, m.AuditHead.Hash, m.Referenced)
	if m.Database == "postgres" {
		fmt.Fprintln(env.Stdout, "  the PostgreSQL database is not in the archive: back it up with pg_basebackup and WAL archiving (docs/operations.md)")
	}
	if a.Keys != nil {
		fmt.Fprintln(env.Stdout, "  evidence is in the archive encrypted; the key file (KOBAN_ENCRYPTION_KEYS) is not: keep a copy of it apart")
	}
	return nil
}

// Backup writes the archive to file (through file.partial, renamed when
// complete and synced): for SQLite a copy of the database taken in one
// transaction, then the data folder as it lies on disk. Every evidence file
// the copied database names must be in the archive, or the backup fails.
func (a *App) Backup(ctx context.Context, file string) (*backup.Manifest, error) {
	dir := a.Config.DataDir
	m := &backup.Manifest{CreatedAt: a.Clock.Now().UTC(), Version: buildinfo.Version(), Identity: a.dbID, Database: "sqlite"}
	src := a.DB // what the archive's referenced files and audit head are read from
	var snapFile string
	if a.DB.Shared() {
		m.Database = "postgres"
	} else {
		tmp, err := os.MkdirTemp(dir, ".backup-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		snapFile = filepath.Join(tmp, backup.DatabaseName)
		if err := a.DB.SnapshotTo(ctx, snapFile); err != nil {
			return nil, err
		}
		snap, err := store.Open(ctx, store.Options{DataDir: tmp, Clock: a.Clock, Log: a.Log})
		if err != nil {
			return nil, fmt.Errorf("open the database copy: %w", err)
		}
		defer snap.Close()
		src = snap
	}
	res, err := src.VerifyAudit(ctx)
	if err != nil {
		return nil, err
	}
	if !res.OK() {
		return nil, fmt.Errorf("the audit chain does not verify (row %d): run koban audit verify; no backup was written", res.BadID)
	}
	if m.AuditHead.ID, m.AuditHead.Hash, err = src.AuditHead(ctx); err != nil {
		return nil, err
	}
	var referenced []string
	for sum, err := range src.FileSums(ctx) {
		if err != nil {
			return nil, err
		}
		referenced = append(referenced, sum)
	}
	if snapFile != "" {
		if err := src.Close(); err != nil {
			return nil, err
		}
		if m.Tables, err = backup.TableDigests(ctx, snapFile); err != nil {
			return nil, err
		}
	}

	partial := file + ".partial"
	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	defer os.Remove(partial)
	w := backup.NewWriter(f)
	if snapFile != "" {
		if err := w.AddFile(ctx, backup.DatabaseName, snapFile); err != nil {
			f.Close()
			return nil, err
		}
	}
	keyFile, _ := filepath.Abs(a.Config.EncryptionKeys)
	absOut, _ := filepath.Abs(partial)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while the walk went on
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if backup.Skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		if abs, _ := filepath.Abs(p); abs == keyFile || abs == absOut || strings.HasSuffix(rel, ".partial") {
			return nil // never the key file, never an archive being written into the folder
		}
		err = w.AddFile(ctx, rel, p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	if err != nil {
		f.Close()
		return nil, err
	}
	var missing []string
	for _, sum := range referenced {
		name := "files/" + sum[:2] + "/" + sum[2:4] + "/" + sum
		if !w.Has(name) && !w.Has(name+blob.SealedSuffix) {
			missing = append(missing, sum)
		}
	}
	if len(missing) > 0 {
		f.Close()
		return nil, fmt.Errorf("%d evidence file(s) the database names are not in the data folder (the first: %s): run koban evidence verify; no backup was written", len(missing), missing[0])
	}
	m.Referenced = len(referenced)
	if err := w.Close(m); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(partial, file); err != nil {
		return nil, err
	}
	return m, nil
}

const restoreUsage = "koban restore --from FILE   (into KOBAN_DATA_DIR, which must be empty or missing)"

func runRestore(ctx context.Context, env Env, args []string) error {
	fl := flag.NewFlagSet("restore", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	from := fl.String("from", "", "the archive koban backup wrote")
	cfgArgs := args
	// The archive flag is koban restore's own; the rest are settings.
	for i := 0; i < len(args); i++ {
		if args[i] == "--from" || args[i] == "-from" {
			if i+1 >= len(args) {
				return usageError(restoreUsage)
			}
			*from = args[i+1]
			cfgArgs = append(append([]string{}, args[:i]...), args[i+2:]...)
			break
		}
		if v, ok := strings.CutPrefix(args[i], "--from="); ok {
			*from = v
			cfgArgs = append(append([]string{}, args[:i]...), args[i+1:]...)
			break
		}
	}
	if *from == "" {
		return usageError(restoreUsage)
	}
	cfg, rest, err := config.Load(cfgArgs, env.Getenv, env.Environ, env.Stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError(restoreUsage)
	}
	f, err := os.Open(*from)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := backup.Restore(ctx, f, cfg.DataDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "restored %d entries of the backup of %s (koban %s) into %s; every entry's SHA-256 matches the manifest",
		len(m.Files), m.CreatedAt.Format(time.RFC3339), m.Version, cfg.DataDir)
	if m.Database == "sqlite" {
		fmt.Fprintf(env.Stdout, ", and all %d tables' rows", len(m.Tables))
	}
	fmt.Fprintln(env.Stdout)
	if m.Database == "postgres" && cfg.DatabaseURL == "" {
		return errors.New("the backup is of a koban on PostgreSQL: restore the database (pg_basebackup + WAL, docs/operations.md), set KOBAN_DATABASE_URL and run koban restore again into an empty folder")
	}
	a, err := Open(ctx, cfg, newLogger(env.Stderr, cfg.LogLevel), Options{})
	if err != nil {
		return fmt.Errorf("the restored koban does not open: %w", err)
	}
	defer a.Close()
	if err := a.CheckRestored(ctx, m); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "the audit chain verifies and holds the backup's head %d:%s; all %d evidence files the database names are present\n",
		m.AuditHead.ID, m.AuditHead.Hash, m.Referenced)
	return nil
}

// CheckRestored checks a restored koban against its backup's manifest: the
// same database, the audit chain intact and holding the manifest's head
// (for SQLite, ending there), and every evidence file the database names in
// the data folder.
func (a *App) CheckRestored(ctx context.Context, m *backup.Manifest) error {
	if m.Identity != "" && m.Identity != a.dbID {
		return fmt.Errorf("the database is %s, the backup is of %s", a.dbID, m.Identity)
	}
	res, err := a.DB.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if !res.OK() {
		return fmt.Errorf("the restored audit chain does not verify (row %d)", res.BadID)
	}
	id, hash, err := a.DB.AuditHead(ctx)
	if err != nil {
		return err
	}
	if m.Database == "sqlite" && (id != m.AuditHead.ID || hash != m.AuditHead.Hash) {
		return fmt.Errorf("the restored audit chain ends at %d:%s, the backup's at %d:%s", id, hash, m.AuditHead.ID, m.AuditHead.Hash)
	}
	if m.Database == "postgres" && id < m.AuditHead.ID {
		return fmt.Errorf("the restored PostgreSQL database's audit chain ends at row %d, before the files' backup (row %d): recover it to a later point", id, m.AuditHead.ID)
	}
	for sum, err := range a.DB.FileSums(ctx) {
		if err != nil {
			return err
		}
		if !a.Blobs.Has(sum) {
			return fmt.Errorf("evidence file %s, which the database names, is not in the restored data folder", sum)
		}
	}
	return nil
}
