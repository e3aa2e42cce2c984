package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/datadir"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/store"
)

// claimDataDir ties the data folder to the database: the first start writes
// the database's identity to the folder's marker; every later start refuses
// a database that is not the one the marker names (a swapped file, another
// PostgreSQL database), rather than serve it beside evidence that belongs
// to another.
func (a *App) claimDataDir(ctx context.Context) error {
	id, _, err := a.DB.EnsureIdentity(ctx)
	if err != nil {
		return err
	}
	dir := a.Config.DataDir
	marker, err := datadir.ReadMarker(dir)
	if err != nil {
		return err
	}
	switch {
	case marker == "":
		if err := datadir.WriteMarker(dir, id); err != nil {
			return err
		}
	case marker != id:
		return fmt.Errorf("%w: %s names database %s, but the database koban opened is %s. "+
			"Start koban with the database this folder belongs to (restore it from a backup), or give this database a data folder of its own",
			datadir.ErrInUse, filepath.Join(dir, datadir.MarkerName), marker, id)
	}
	a.dbID = id
	return nil
}

// check is what /readyz asks: the database answers and is still the one
// opened, the folder's marker still names it, and the folder takes files.
func (a *App) check(ctx context.Context) error {
	if reason := a.down.Load(); reason != nil {
		return errors.New(*reason)
	}
	if err := a.DB.Ready(ctx); err != nil {
		return err
	}
	dir := a.Config.DataDir
	marker, err := datadir.ReadMarker(dir)
	if err != nil {
		return err
	}
	if marker != a.dbID {
		return fmt.Errorf("%s no longer names this database (%q, want %s)", filepath.Join(dir, datadir.MarkerName), marker, a.dbID)
	}
	for _, d := range []string{dir, filepath.Join(dir, datadir.FilesDir, "tmp")} {
		if err := datadir.Writable(d); err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
	}
	return nil
}

// watchEvery is how often a running server checks that its database is
// still the one it opened. Writes check the SQLite file on their own; this
// catches the server that only reads, and turns every answer into 503.
const watchEvery = 2 * time.Second

// watch takes koban out of service for good once its database file is
// removed or replaced (or the database answering is another one): the
// operator must restore it and restart. A folder that cannot be written
// shows in /readyz only, since reading reports still works.
func (a *App) watch(ctx context.Context) {
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := a.DB.Ready(cctx)
		cancel()
		if errors.Is(err, store.ErrGone) {
			reason := "the database was removed or replaced while koban was running: every request is refused until it is restored and koban restarted"
			a.down.Store(&reason)
			a.Log.Error("database gone", "data", a.Config.DataDir, "err", err)
			return
		}
	}
}

// available refuses every request but the operators' probes once watch has
// taken koban out of service.
func (a *App) available(next http.Handler, cats *locale.Catalogs) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.down.Load() == nil {
			next.ServeHTTP(w, r)
			return
		}
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", "60")
		w.Header().Set("Cache-Control", "no-store")
		lang := locale.Match(r.Header.Get("Accept-Language"))
		msg := cats.T(lang, "error.unavailable")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, `{"errors":[{"code":"error.unavailable","message":%q}]}`+"\n", msg)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, msg+"\n")
	})
}
