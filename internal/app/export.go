package app

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/buildinfo"
	"github.com/koban-project/koban/internal/bundle"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/locale"
)

// PDFFonts are where Debian and Ubuntu install IPA Gothic
// (fonts-ipafont-gothic), tried in order when KOBAN_PDF_FONT is not set.
// The font is read from disk rather than built into koban: it is 6 MB, and
// the IPA Font License asks that it travel with its licence text, which
// the distribution's package does.
var PDFFonts = []string{
	"/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
	"/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
	"/usr/share/fonts/truetype/ipafont-gothic/ipag.ttf",
}

// pdfFontPath is the font court bundles are set in: KOBAN_PDF_FONT, or the
// first of PDFFonts that exists.
func pdfFontPath(cfg config.Config) (string, error) {
	if cfg.PDFFont != "" {
		return cfg.PDFFont, nil
	}
	for _, p := range PDFFonts {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Japanese TrueType font: set KOBAN_PDF_FONT, or install IPA Gothic (Debian: apt-get install fonts-ipafont-gothic; looked in %s)",
		strings.Join(PDFFonts, ", "))
}

// exportConfig is what court bundles need: the signing key, the font and
// the Japanese catalog.
func (a *App) exportConfig(cats *locale.Catalogs) cases.ExportConfig {
	if _, err := pdfFontPath(a.Config); err != nil {
		a.Log.Warn("court bundles cannot be made until a Japanese font is found", "err", err)
	}
	return cases.ExportConfig{
		Key: func() (ed25519.PrivateKey, string, error) { return bundleKey(a.Config, a.Log.Info) },
		Font: func() ([]byte, error) {
			p, err := pdfFontPath(a.Config)
			if err != nil {
				return nil, err
			}
			return os.ReadFile(p)
		},
		T:         func(key string, pairs ...string) string { return cats.T("ja", key, pairs...) },
		Generator: "koban " + buildinfo.Version(),
	}
}

// bundleKey is the key court bundles are signed with: the audit anchors'
// key (KOBAN_AUDIT_KEY) when one is set, otherwise a key koban generates
// once and keeps in the data folder (bundle.KeyFile).
func bundleKey(cfg config.Config, note func(string, ...any)) (ed25519.PrivateKey, string, error) {
	if cfg.AuditSigner != nil {
		return cfg.AuditSigner, "audit_key", nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", err
	}
	path := filepath.Join(cfg.DataDir, bundle.KeyFile)
	key, created, err := bundle.LoadOrCreateKey(path)
	if err != nil {
		return nil, "", err
	}
	if created {
		note("generated the key that signs court bundles; publish its public key (koban export key) so that courts can check where bundles come from",
			"file", path, "fingerprint", bundle.Fingerprint(key.Public().(ed25519.PublicKey)))
	}
	return key, "generated", nil
}

const exportUsage = "koban export verify BUNDLE [--key PUBLIC.pem] | koban export key"

// runExport is `koban export verify` (offline: no database, no settings)
// and `koban export key`.
func runExport(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return usageError(exportUsage)
	}
	switch args[0] {
	case "verify":
		return runExportVerify(env, args[1:])
	case "key":
		return runExportKey(env, args[1:])
	}
	return usageError(exportUsage)
}

// runExportKey prints the public key court bundles are signed with (PEM)
// on standard output, creating the key when there is none yet, so that it
// can be published before the first bundle is made.
func runExportKey(env Env, args []string) error {
	cfg, rest, err := config.Load(args, env.Getenv, env.Environ, env.Stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError(exportUsage)
	}
	key, source, err := bundleKey(cfg, func(string, ...any) {})
	if err != nil {
		return err
	}
	pub := key.Public().(ed25519.PublicKey)
	env.Stdout.Write(bundle.PublicKeyPEM(pub))
	cats, err := locale.Load()
	if err != nil {
		return err
	}
	lang := cliLanguage(env.Getenv)
	fmt.Fprintln(env.Stderr, cats.T(lang, "cli.export.key", "fingerprint", bundle.Fingerprint(pub), "source", cats.T(lang, "case.export.key_source."+source)))
	return nil
}

// runExportVerify checks a bundle: each problem on its own line, exit 0
// only when every file, the file list and the signature hold.
func runExportVerify(env Env, args []string) error {
	fs := flag.NewFlagSet("export verify", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	keyFile := fs.String("key", "", "the public key (PEM) the bundle must be signed with; without it, the key inside the bundle")
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) != 1 {
		return usageError(exportUsage)
	}
	cats, err := locale.Load()
	if err != nil {
		return err
	}
	lang := cliLanguage(env.Getenv)
	var pub ed25519.PublicKey
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return cliError{key: "cli.export.key_unreadable", pairs: []string{"file", *keyFile, "err", err.Error()}}
		}
		if pub, err = bundle.ParsePublicKey(b); err != nil {
			return cliError{key: "cli.export.key_unreadable", pairs: []string{"file", *keyFile, "err", err.Error()}}
		}
	}
	f, err := os.Open(files[0])
	if err != nil {
		return cliError{key: "cli.export.unreadable", pairs: []string{"file", files[0], "err", err.Error()}}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	res := bundle.Verify(f, fi.Size(), pub)
	for _, p := range res.Problems {
		fmt.Fprintln(env.Stdout, cats.T(lang, "cli.export.problem."+p.Code, "path", p.Path, "want", p.Want, "got", p.Got))
	}
	if !res.OK() {
		return cliError{key: "cli.export.failed", pairs: []string{"file", files[0], "n", strconv.Itoa(len(res.Problems))}}
	}
	m := res.Manifest
	fmt.Fprintln(env.Stdout, cats.T(lang, "cli.export.ok", "file", files[0], "number", m.Case.Number, "n", strconv.Itoa(res.Files),
		"at", m.CreatedAt, "by", m.CreatedBy, "fingerprint", res.Fingerprint))
	if !res.KeyGiven {
		fmt.Fprintln(env.Stdout, cats.T(lang, "cli.export.own_key"))
	} else {
		fmt.Fprintln(env.Stdout, cats.T(lang, "cli.export.given_key", "file", *keyFile))
	}
	return nil
}
