package app

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/buildinfo"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/org"
)

// Env is the outside world a command sees; main passes the real one, tests
// their own.
type Env struct {
	Args    []string // without the program name
	Getenv  func(string) string
	Environ []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	// Ready, when set, is told the address koban listens on (tests use :0).
	Ready func(addr string)
}

const usage = `koban — police cyber operations platform

Usage:
  koban serve                      run the web server (KOBAN_ADDR, KOBAN_DATA_DIR, KOBAN_DATABASE_URL)
  koban user add --email E --org CODE --role ROLE --password-stdin [--name N]
  koban token create --email E --name N
  koban token revoke --id ID
  koban audit verify [--expect-head ID:HASH] [--anchors FILE [--anchor-key PUBFILE]]
                                   check the audit log's hash chain (also: koban verify-audit), and that it
                                   still holds a head noted earlier or every anchor of an anchor file
  koban extract [FILE…]            print observables as JSON lines (stdin when no file; .eml and HTML read as such)
  koban warninglists import DIR…   import MISP warning lists (benign values that link no records)
  koban warninglists list          the warning lists in force
  koban observables reindex        extract every report's observables again and rebuild the clusters
  koban evidence verify            hash every stored evidence file again (reports' files, cases' evidence); name each one
                                   missing or damaged with the reports and cases holding it; exit 1 when any
  koban export verify BUNDLE [--key PUBLIC.pem]
                                   check a court bundle offline: every file's SHA-256 and size, no file missing or
                                   added, the Ed25519 signature (with the key given, or the bundle's own); exit 0 only then
  koban export key                 print the public key court bundles are signed with (PEM), to publish
  koban stix validate [FILE…]      check STIX 2.1 files (bundles, arrays, objects; stdin when no file or -): each
                                   problem on its own line; exit 0 when every object is valid, 1 on problems
  koban files sweep [-older-than 1h]  remove evidence files that no report or case names (the server does this hourly)
  koban retention plan|run         what the retention policy (KOBAN_RETENTION_POLICY) says is due now (plan: nothing
                                   changed), or delete it under tombstones and prune the audit log (the server does this daily)
  koban migrate-db --from sqlite:PATH --to postgres://… [--files-to DIR]  copy SQLite into PostgreSQL (resumable), then verify
  koban bench intake|bulk [-n N] [-c C] [-servers S] [-database-url URL]
                                   measure intake throughput (public API, or partner NDJSON) on a fresh database
  koban bench index [-n N] [-per P] [-q Q] [-adds A] [-database-url URL]
                                   load N generated reports into the national index, then time lookups and additions
  koban bench load [-duration 10m] [-rate R] [-mix public=30,bulk=5,…] [-c C] [-every 30s] [-backend sqlite|postgres]
                                   hold mixed traffic (public and partner intake, officer reads) against koban started in this
                                   process; print latency per class, RSS and heap every interval; exit 1 on any failed request
  koban vuln import KIND PATH…     import vulnerability data carried in (KIND nvd, cve5, jvnrss, vuldef, myjvn, kev, epss;
                                   files, folders or tarballs) and match it against the asset inventory
  koban model train|eval|list      the triage model: train a new active version from the seed set and officers'
                                   confirmed categories, print its stratified 5-fold evaluation, list the versions
  koban backup [--out FILE]        one archive of the data folder (and a consistent copy of a SQLite database) with a
                                   manifest of every file's SHA-256, every table's digest and the audit chain's head
  koban restore --from FILE        restore an archive into an empty KOBAN_DATA_DIR, checking all of that
  koban keys generate|status|rotate  encryption at rest (KOBAN_ENCRYPTION_KEYS): print a new key; the keys in use;
                                   seal every evidence file and contact field again under the key file's first key
  koban config                     print the settings in force, secrets masked
  koban version [-json]           koban's version, the Go it was built with, its VCS revision, build settings and every
                                   module in the binary

Roles: intake, investigator, analyst, supervisor, admin, partner.
Settings come from KOBAN_* environment variables or the flags of the same name (koban config -h).
`

// Run runs one koban command and returns the process exit code.
func Run(ctx context.Context, env Env) int {
	if len(env.Args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return 2
	}
	cmd, rest := env.Args[0], env.Args[1:]
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, env, rest)
	case "user":
		err = runUser(ctx, env, rest)
	case "token":
		err = runToken(ctx, env, rest)
	case "audit":
		if len(rest) == 0 || rest[0] != "verify" {
			err = usageError(auditVerifyUsage)
			break
		}
		err = runAuditVerify(ctx, env, rest[1:])
	case "verify-audit":
		err = runAuditVerify(ctx, env, rest)
	case "extract":
		err = runExtract(env, rest)
	case "bench":
		err = runBench(ctx, env, rest)
	case "migrate-db":
		err = runMigrateDB(ctx, env, rest)
	case "warninglists":
		err = runWarningLists(ctx, env, rest)
	case "vuln":
		err = runVuln(ctx, env, rest)
	case "model":
		err = runModel(ctx, env, rest)
	case "observables":
		err = runObservables(ctx, env, rest)
	case "files":
		err = runFiles(ctx, env, rest)
	case "evidence":
		err = runEvidence(ctx, env, rest)
	case "keys":
		err = runKeys(ctx, env, rest)
	case "backup":
		err = runBackup(ctx, env, rest)
	case "restore":
		err = runRestore(ctx, env, rest)
	case "retention":
		err = runRetentionCmd(ctx, env, rest)
	case "export":
		err = runExport(ctx, env, rest)
	case "stix":
		return runStix(env, rest)
	case "config":
		var cfg config.Config
		if cfg, _, err = config.Load(rest, env.Getenv, env.Environ, env.Stderr); err == nil {
			cfg.Print(env.Stdout)
		}
	case "version":
		err = runVersion(env, rest)
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
	default:
		fmt.Fprintf(env.Stderr, "koban: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(env.Stderr, "usage: %s\n", string(ue))
			return 2
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(env.Stderr, "koban %s: %v\n", cmd, describe(err, cliLanguage(env.Getenv)))
		return 1
	}
	return 0
}

type usageError string

func (u usageError) Error() string { return string(u) }

// describe turns koban errors into sentences for the command line, in the
// language of the environment (LC_ALL, LC_MESSAGES, LANG: Japanese when it
// starts with "ja", English otherwise). Catalog keys never reach the
// terminal; internal errors are shown as they are, for the operator.
func describe(err error, lang string) string {
	cats, lerr := locale.Load()
	if lerr != nil {
		return err.Error()
	}
	var ce cliError
	if errors.As(err, &ce) {
		return ce.text(cats, lang)
	}
	field := func(f, key string) string {
		msg := cats.T(lang, key)
		if f == "" {
			return msg
		}
		return cats.T(lang, "cli.field", "field", f, "message", msg)
	}
	var pe *koban.ProblemsError
	if errors.As(err, &pe) {
		var parts []string
		for _, p := range pe.Problems {
			parts = append(parts, field(p.Field, p.Key))
		}
		return strings.Join(parts, "\n")
	}
	var ke *koban.Error
	if errors.As(err, &ke) && ke.Code != koban.Internal {
		return field(ke.Field, ke.Key)
	}
	return err.Error()
}

// cliLanguage is the language of the terminal's messages.
func cliLanguage(getenv func(string) string) string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := getenv(v); l != "" {
			if strings.HasPrefix(l, "ja") {
				return "ja"
			}
			return "en"
		}
	}
	return "en"
}

// cliError is a refusal the command line words itself: a catalog key, its
// values, and lines to list after the sentence (the valid choices).
type cliError struct {
	key   string
	pairs []string
	list  []string
}

func (e cliError) Error() string { return e.key }

func (e cliError) text(cats *locale.Catalogs, lang string) string {
	s := cats.T(lang, e.key, e.pairs...)
	for _, l := range e.list {
		s += "\n  " + l
	}
	return s
}

// unknownOrg lists the organisations by code and name.
func unknownOrg(tree *org.Tree, code, lang string) error {
	e := cliError{key: "cli.org_unknown", pairs: []string{"code", code}}
	for _, o := range tree.All() {
		name := o.NameEN
		if lang == "ja" {
			name = o.NameJA
		}
		e.list = append(e.list, fmt.Sprintf("%-24s %s", o.Code, name))
	}
	return e
}

// unknownRole lists the roles.
func unknownRole(role string) error {
	var names []string
	for _, r := range auth.Roles() {
		names = append(names, string(r))
	}
	return cliError{key: "cli.role_unknown", pairs: []string{"role", role, "roles", strings.Join(names, ", ")}}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// openFromEnv loads the config and opens the app.
func openFromEnv(ctx context.Context, env Env, args []string) (*App, []string, error) {
	cfg, rest, err := config.Load(args, env.Getenv, env.Environ, env.Stderr)
	if err != nil {
		return nil, nil, err
	}
	a, err := Open(ctx, cfg, newLogger(env.Stderr, cfg.LogLevel), Options{})
	return a, rest, err
}

func runServe(ctx context.Context, env Env, args []string) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, _, err := openFromEnv(ctx, env, args)
	if err != nil {
		return err
	}
	defer a.Close()
	email, password, err := a.FirstAdmin(ctx)
	if err != nil {
		return err
	}
	if password != "" {
		fmt.Fprintf(env.Stdout, "\nFirst start: an administrator account was created.\n  e-mail:   %s\n  password: %s\nThis password is shown only once. Sign in at /login and set up two-factor sign-in.\n\n", email, password)
	}
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return err
	}
	a.Log.Info("koban listening", "addr", "http://"+ln.Addr().String(), "data", a.Config.DataDir, "anchors", a.Anchors.Path, "version", buildinfo.Version())
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}
	if a.Config.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.Config.MetricsAddr)
		if err != nil {
			ln.Close()
			return err
		}
		a.Log.Info("metrics listening", "addr", "http://"+mln.Addr().String()+"/metrics")
		go func() {
			if err := a.ServeMetrics(ctx, mln); err != nil {
				a.Log.Error("metrics server", "err", err)
			}
		}()
	}
	return a.Serve(ctx, ln)
}

func runUser(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError("koban user add --email E --org CODE --role ROLE --password-stdin [--name N]")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	email := fs.String("email", "", "e-mail address (the sign-in name)")
	orgCode := fs.String("org", "", "organisation code, e.g. pref-13 or npa")
	role := fs.String("role", "", "intake, investigator, analyst, supervisor, admin or partner")
	name := fs.String("name", "", "display name")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" || *orgCode == "" || *role == "" || !*stdin {
		return usageError("koban user add --email E --org CODE --role ROLE --password-stdin [--name N]")
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return unknownRole(*role)
	}
	pw, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	pw = strings.TrimRight(pw, "\r\n")
	a, _, err := openFromEnv(ctx, env, fs.Args())
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.CreateUser(ctx, audit.Actor{Label: "cli"}, auth.NewUser{Email: *email, Name: *name, OrgCode: *orgCode, Role: r, Password: pw})
	var ke *koban.Error
	if errors.As(err, &ke) && ke.Field == "org" && ke.Key == "auth.error.org" {
		return unknownOrg(a.Tree(), *orgCode, cliLanguage(env.Getenv))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created user %d %s (%s, %s)\n", u.ID, u.Email, *orgCode, u.Role)
	return nil
}

func runToken(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		return usageError("koban token create --email E --name N | koban token revoke --id ID")
	}
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	email := fs.String("email", "", "the user the token acts as")
	name := fs.String("name", "", "what the token is for")
	id := fs.Int64("id", 0, "token id to revoke")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, _, err := openFromEnv(ctx, env, fs.Args())
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "revoke" {
		if *id == 0 {
			return usageError("koban token revoke --id ID")
		}
		if err := a.Auth.RevokeToken(ctx, audit.Actor{Label: "cli"}, *id); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "revoked token %d\n", *id)
		return nil
	}
	if *email == "" || *name == "" {
		return usageError("koban token create --email E --name N")
	}
	plain, t, err := a.Auth.CreateToken(ctx, audit.Actor{Label: "cli"}, *email, *name)
	if koban.ErrorCode(err) == koban.NotFound {
		return cliError{key: "cli.user_unknown", pairs: []string{"email", *email}}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, plain)
	fmt.Fprintf(env.Stderr, "token %d for %s; shown once, stored hashed\n", t.ID, *email)
	return nil
}

const auditVerifyUsage = "koban audit verify [--expect-head ID:HASH] [--anchors FILE [--anchor-key PUBFILE]]"

func runAuditVerify(ctx context.Context, env Env, args []string) error {
	var (
		expect      *audit.Anchor
		anchorsFile string
		keyFile     string
	)
	cfg, _, err := config.LoadWith(args, env.Getenv, env.Environ, env.Stderr, func(fs *flag.FlagSet) {
		fs.Func("expect-head", "ID:HASH of a row noted earlier (an anchor): the chain must still hold it", func(v string) error {
			a, err := audit.ParseHead(v)
			expect = &a
			return err
		})
		fs.StringVar(&anchorsFile, "anchors", "", "anchor file (as koban serve writes) whose every anchor the chain must hold")
		fs.StringVar(&keyFile, "anchor-key", "", "Ed25519 public key (PEM) every anchor in the file must be signed with")
	})
	if err != nil {
		return err
	}
	if keyFile != "" && anchorsFile == "" {
		return usageError(auditVerifyUsage)
	}
	var pub ed25519.PublicKey
	if keyFile != "" {
		b, err := os.ReadFile(keyFile)
		if err != nil {
			return fmt.Errorf("the anchor key cannot be read: %w", err)
		}
		if pub, err = audit.ParsePublicKey(b); err != nil {
			return fmt.Errorf("%s is not a key anchors can be checked with: %w", keyFile, err)
		}
	}
	var fileAnchors []audit.Anchor
	if anchorsFile != "" {
		f, err := os.Open(anchorsFile)
		if err != nil {
			return fmt.Errorf("the anchor file cannot be read: %w", err)
		}
		fileAnchors, err = audit.ReadAnchors(f, anchorsFile)
		f.Close()
		if err != nil {
			return err
		}
		if len(fileAnchors) == 0 {
			return fmt.Errorf("%s holds no anchors, so there is nothing to check the chain against", anchorsFile)
		}
	}
	// Anchors that fail among themselves (order, signature) are not looked
	// up; those before the first such one are, and a failure among them
	// comes first in the file.
	passed, fileFailure := audit.CheckAnchors(fileAnchors, pub)
	check := fileAnchors[:passed:passed]
	if expect != nil {
		check = append(check, *expect)
	}

	a, err := Open(ctx, cfg, newLogger(env.Stderr, cfg.LogLevel), Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.DB.VerifyAudit(ctx, check...)
	if err != nil {
		return err
	}
	if res.BadID != 0 {
		fmt.Fprintf(env.Stdout, "audit log BROKEN at row %d: %s (%d rows checked)\n", res.BadID, res.Problem, res.Rows)
		return errors.New("audit chain broken")
	}
	fail := res.Anchor
	if fail == nil {
		fail = fileFailure
	}
	if fail != nil {
		if fail.Anchor.Line == 0 {
			fmt.Fprintf(env.Stdout, "The expected head %d:%s does not hold: %s.\n", expect.ID, expect.Hash, fail.Problem)
			return errors.New("the audit log does not hold the expected head")
		}
		before := 0
		for _, x := range fileAnchors {
			if x.Line < fail.Anchor.Line {
				before++
			}
		}
		fmt.Fprintf(env.Stdout, "The anchor on line %d of %s fails: %s. %s\n", fail.Anchor.Line, anchorsFile, fail.Problem, anchorsMatched(before))
		return errors.New("the audit log does not match its anchors")
	}
	fmt.Fprintf(env.Stdout, "audit log intact: %d rows, head %s\n", res.Rows, res.Head)
	if cp := res.Checkpoint; cp != nil {
		fmt.Fprintf(env.Stdout, "Rows up to id %d (the last written %s) were pruned by retention at %s; the chain is verified from the checkpoint's hash %s on.\n",
			cp.LastID, cp.LastAt.Format(time.RFC3339), cp.At.Format(time.RFC3339), cp.LastHash)
		if res.Covered > 0 {
			fmt.Fprintf(env.Stdout, "%d %s on pruned rows %s covered by the checkpoint and cannot be checked against rows that are gone.\n",
				res.Covered, map[bool]string{true: "anchor", false: "anchors"}[res.Covered == 1], map[bool]string{true: "is", false: "are"}[res.Covered == 1])
		}
	}
	if expect != nil {
		if cp := res.Checkpoint; cp != nil && expect.ID < cp.LastID {
			fmt.Fprintf(env.Stdout, "Row %d was pruned by retention; the checkpoint at row %d stands for it and every row before.\n", expect.ID, cp.LastID)
		} else {
			fmt.Fprintf(env.Stdout, "Row %d still has hash %s, so no row up to it was rewritten or removed.\n", expect.ID, expect.Hash)
		}
	}
	if anchorsFile != "" {
		fmt.Fprintln(env.Stdout, anchorsHeld(len(fileAnchors), anchorsFile, keyFile))
	}
	return nil
}

// anchorsMatched says how many anchors before a failing one held.
func anchorsMatched(n int) string {
	switch n {
	case 0:
		return "No anchor came before it."
	case 1:
		return "The 1 anchor before it matches the chain."
	}
	return fmt.Sprintf("The %d anchors before it match the chain.", n)
}

// anchorsHeld says that all n anchors of file held, and were signed with
// the key in keyFile when one was given.
func anchorsHeld(n int, file, keyFile string) string {
	if n == 1 {
		s := fmt.Sprintf("The 1 anchor in %s matches the chain", file)
		if keyFile != "" {
			s += fmt.Sprintf(" and is signed with the key in %s", keyFile)
		}
		return s + "."
	}
	s := fmt.Sprintf("All %d anchors in %s match the chain", n, file)
	if keyFile != "" {
		s += fmt.Sprintf(", and every one is signed with the key in %s", keyFile)
	}
	return s + "."
}
