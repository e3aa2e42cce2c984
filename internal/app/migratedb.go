package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/koban-project/koban/internal/dbcopy"
)

const migrateDBUsage = "koban migrate-db --from sqlite:PATH --to postgres://… [--files-to DIR] [--batch N] [--verify-only]"

// runMigrateDB copies a SQLite koban into PostgreSQL and verifies the copy
// (see package dbcopy). Interrupted, it is run again to continue.
func runMigrateDB(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("migrate-db", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	from := fs.String("from", "", "sqlite:PATH, PATH being the koban.db file or the data folder holding it")
	to := fs.String("to", "", "postgres://… target database, empty or partly filled by migrate-db (default: $KOBAN_DATABASE_URL, which keeps the password off the command line)")
	filesTo := fs.String("files-to", "", "copy the evidence files into DIR/files (DIR: the PostgreSQL servers' shared KOBAN_DATA_DIR)")
	batch := fs.Int("batch", dbcopy.DefaultBatch, "rows per committed batch")
	verifyOnly := fs.Bool("verify-only", false, "copy nothing: compare source and target and check the evidence files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" && env.Getenv != nil {
		*to = env.Getenv("KOBAN_DATABASE_URL")
	}
	if *from == "" || *to == "" || fs.NArg() > 0 || *batch <= 0 {
		return usageError(migrateDBUsage)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := dbcopy.Run(ctx, dbcopy.Options{From: *from, To: *to, FilesTo: *filesTo, Batch: *batch, VerifyOnly: *verifyOnly,
		Out: env.Stdout, Log: newLogger(env.Stderr, "warn")})
	switch {
	case errors.Is(err, dbcopy.ErrStopped), err != nil && ctx.Err() != nil:
		return fmt.Errorf("interrupted: the rows copied so far are kept; run the same command again to continue")
	case err != nil:
		return err
	case !res.OK():
		return errors.New("verification failed: the target is not a faithful copy of the source (see the table above)")
	}
	return nil
}
