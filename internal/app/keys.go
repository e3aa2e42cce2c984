package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/datadir"
	"github.com/koban-project/koban/internal/keyring"
)

// KeysUsedFile, in the data folder, lists the ids of the keys that evidence
// files and contact fields may be sealed under: a key becomes current only
// after its id is written here, and `koban keys rotate` leaves only the
// current one when it has sealed everything again. koban refuses to start
// when a key named here is missing from the key file, or when there is no
// key file and this one names any key: that is a lost key, said at start,
// rather than errors on the first evidence download.
const KeysUsedFile = "keys.json"

type keysUsed struct {
	Keys []string `json:"keys"`
}

func readKeysUsed(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, KeysUsedFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var k keysUsed
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, KeysUsedFile), err)
	}
	return k.Keys, nil
}

func writeKeysUsed(dir string, ids []string) error {
	b, _ := json.MarshalIndent(keysUsed{Keys: ids}, "", "  ")
	return datadir.WriteFile(dir, KeysUsedFile, append(b, '\n'))
}

// openKeys loads KOBAN_ENCRYPTION_KEYS, checks it against the keys the data
// folder's data is sealed under and records the current key there. No key
// file: nil, and an error when sealed data needs one.
func openKeys(dir, path string) (*keyring.Ring, error) {
	used, err := readKeysUsed(dir)
	if err != nil {
		return nil, err
	}
	if path == "" {
		if len(used) > 0 {
			return nil, fmt.Errorf("evidence files and reporters' contact details in %s are encrypted (key %s), "+
				"but KOBAN_ENCRYPTION_KEYS is not set: give koban its key file", dir, used[0])
		}
		return nil, nil
	}
	ring, err := keyring.Load(path)
	if err != nil {
		return nil, err
	}
	if err := noteKeys(dir, ring, used); err != nil {
		return nil, err
	}
	return ring, nil
}

// noteKeys refuses a ring that lacks a key the data is sealed under and
// records the ring's current key as used.
func noteKeys(dir string, ring *keyring.Ring, used []string) error {
	for _, id := range used {
		if !ring.Has(id) {
			return fmt.Errorf("data in %s is encrypted under key %s, which the key file KOBAN_ENCRYPTION_KEYS does not hold "+
				"(it holds %v): put that key back, or restore the key file from its backup", dir, id, ring.IDs())
		}
	}
	if slices.Contains(used, ring.Current()) {
		return nil
	}
	return writeKeysUsed(dir, append(used, ring.Current()))
}

// watchKeys reads the key file again every interval until ctx ends: a key
// put first becomes current on every server without a restart. A file that
// no longer parses, or lacks a key in use, is logged and the keys in use
// are kept.
func (a *App) watchKeys(ctx context.Context, every time.Duration) {
	if a.Keys == nil {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.reloadKeys()
	}
}

func (a *App) reloadKeys() {
	before := a.Keys.IDs()
	changed, err := a.Keys.Reload()
	if err != nil {
		a.Log.Error("encryption key file not reloaded; the keys loaded before stay in use", "err", err)
		return
	}
	if !changed {
		return
	}
	used, err := readKeysUsed(a.Config.DataDir)
	if err == nil {
		err = noteKeys(a.Config.DataDir, a.Keys, used)
	}
	if err != nil {
		a.Log.Error("encryption key file reloaded, but it does not fit the data", "err", err)
		return
	}
	a.Log.Info("encryption key file reloaded", "current", a.Keys.Current(), "keys", a.Keys.IDs(), "before", before)
}

const keysUsage = `koban keys generate   print a new key (a line for the key file KOBAN_ENCRYPTION_KEYS)
koban keys status     the key file's keys, the keys data is sealed under, and what is not yet under the current key
koban keys rotate     seal every evidence file and contact field that is not under the current key again, then
                      record that only the current key is in use (the old one may then leave the key file)`

func runKeys(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return usageError(keysUsage)
	}
	switch args[0] {
	case "generate":
		k, err := keyring.Generate()
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "# koban encryption key, made %s: keep this file readable by koban alone (chmod 600), and a copy apart from the backups\n%s\n",
			time.Now().UTC().Format(time.RFC3339), k)
		return nil
	case "status", "rotate":
	default:
		return usageError(keysUsage)
	}
	fl := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	batch := fl.Int("batch", 500, "reports sealed again per transaction")
	if err := fl.Parse(args[1:]); err != nil {
		return err
	}
	a, _, err := openFromEnv(ctx, env, fl.Args())
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Keys == nil {
		return errors.New("KOBAN_ENCRYPTION_KEYS is not set: there is nothing to rotate")
	}
	used, err := readKeysUsed(a.Config.DataDir)
	if err != nil {
		return err
	}
	if args[0] == "status" {
		fmt.Fprintf(env.Stdout, "current key: %s\nkeys in the key file: %v\nkeys data may be sealed under: %v\n", a.Keys.Current(), a.Keys.IDs(), used)
		return nil
	}
	return a.rotateKeys(ctx, env, *batch)
}

// rotateKeys seals again, under the current key, every evidence file and
// contact field that is not under it; the server may go on serving.
func (a *App) rotateKeys(ctx context.Context, env Env, batch int) error {
	cur := a.Keys.Current()
	var files, resealed int
	err := a.Blobs.Walk(func(sum string, _ time.Time) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		files++
		did, err := a.Blobs.Reseal(sum)
		if did {
			resealed++
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("evidence files: %w (%d sealed again before it)", err, resealed)
	}
	entry := audit.Entry{Actor: audit.System, Action: "keys.rotate", ObjectType: "key", ObjectID: cur,
		Detail: map[string]any{"files": resealed}}
	if err := a.DB.Audit(ctx, entry); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "evidence files: %d, %d sealed again under key %s\n", files, resealed, cur)
	reports := 0
	for {
		n, err := a.DB.ResealContacts(ctx, batch, audit.Entry{Actor: audit.System, Action: "keys.rotate_contacts", ObjectType: "key", ObjectID: cur})
		if err != nil {
			return fmt.Errorf("contact fields: %w (%d reports sealed again before it)", err, reports)
		}
		if n == 0 {
			break
		}
		reports += n
	}
	fmt.Fprintf(env.Stdout, "reports' contact fields: %d sealed again under key %s\n", reports, cur)
	if err := writeKeysUsed(a.Config.DataDir, []string{cur}); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "only key %s is in use now: the other keys may leave the key file once every server has reloaded it\n", cur)
	return nil
}
