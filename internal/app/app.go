// Package app wires koban together: config → store → services → HTTP, and
// runs the subcommands. End-to-end tests drive it through Open and Run.
package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/admin"
	"github.com/koban-project/koban/internal/advisory"
	"github.com/koban-project/koban/internal/api"
	"github.com/koban-project/koban/internal/assist"
	"github.com/koban-project/koban/internal/assist/llm"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/blob"
	"github.com/koban-project/koban/internal/buildinfo"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/config"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/dashboard"
	"github.com/koban-project/koban/internal/datadir"
	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/foreign"
	"github.com/koban-project/koban/internal/guard"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/keyring"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/live"
	"github.com/koban-project/koban/internal/locale"
	"github.com/koban-project/koban/internal/malware"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/patrol"
	"github.com/koban-project/koban/internal/rdap"
	"github.com/koban-project/koban/internal/reading"
	"github.com/koban-project/koban/internal/retention"
	"github.com/koban-project/koban/internal/search"
	"github.com/koban-project/koban/internal/sso"
	"github.com/koban-project/koban/internal/stats"
	"github.com/koban-project/koban/internal/store"
	"github.com/koban-project/koban/internal/takedown"
	"github.com/koban-project/koban/internal/taxii"
	"github.com/koban-project/koban/internal/vuln"
	"github.com/koban-project/koban/internal/warnlist"
	"github.com/koban-project/koban/internal/web"
	"github.com/koban-project/koban/internal/yara"
)

// App is a running koban: its database, services and HTTP handler.
type App struct {
	Config     config.Config
	Log        *slog.Logger
	Clock      koban.Clock
	DB         *store.DB
	Blobs      *blob.Store
	Keys       *keyring.Ring // KOBAN_ENCRYPTION_KEYS; nil: evidence and contact details in the clear
	Intake     *intake.Service
	Auth       *auth.Service
	Admin      *admin.Service
	Index      *correlate.Service
	Access     *access.Decider // who may do what to which record
	Cases      *cases.Service
	Requests   *correlate.Requests    // the access-request inboxes
	Evidence   *cases.EvidenceService // case evidence, chain of custody, court bundles
	Search     *search.Service        // search across reports, cases and notes; saved searches
	Intel      *intel.Service         // STIX intel: partners' feeds polled, koban's TAXII collections
	Exports    *intel.Exporter        // reports and cases as STIX and MISP for partners
	Egress     *egress.Client         // every outbound fetch (TAXII polls, feeds) goes through it
	Jobs       *jobs.Runner           // the job layer's runner: the mail outbox, patrol fetches
	Patrol     *patrol.Service        // cyber patrol: watch items fetched politely, captures kept as evidence
	Takedown   *takedown.Service      // takedown requests to providers, checked until removal is seen
	Foreign    *foreign.Service       // international requests and their legal clocks
	Advisories *advisory.Service      // advisories to the public: pages and feeds
	Reading    *reading.Service       // other bodies' advisories (JPCERT/CC, IPA) in one list, newest first
	Malware    *malware.Service       // malware samples: a store of their own, static analysis, YARA, similarity
	Vuln       *vuln.Service          // vulnerability information: NVD, JVN, KEV, EPSS against the inventory of police IT
	Assist     *assist.Service        // AI assistance: triage suggestions from the local model, after a report is stored
	Retention  *retention.Service     // retention: what is due under the policy, deleted under tombstones, the audit log pruned behind checkpoints
	Samples    *blob.Store            // the samples' files, apart from evidence (KOBAN_DATA_DIR/samples)
	Stats      *stats.Service         // the public statistics, small counts suppressed
	Dash       *dashboard.Service     // supervisors' view of their line
	SSO        *sso.Service           // single sign-on through the force's OpenID Connect provider; nil: off
	Metrics    *api.Metrics
	Anchors    *audit.Anchorer // writes the audit chain's head outside the database while serving
	tree       atomic.Pointer[org.Tree]
	treeMu     sync.Mutex             // serialises ReloadTree
	instance   string                 // host:pid, who ran a job
	listsAt    atomic.Value           // the stamp of the warning lists in force (string)
	dbID       string                 // the database's identity, as the data folder's marker names it
	down       atomic.Pointer[string] // why koban refuses requests, nil while it serves (see watch)
	handler    http.Handler

	orphanAge time.Duration // see Options.OrphanAge
}

// Options change how Open builds the app (tests fix the clock).
type Options struct {
	Clock        koban.Clock
	HasherParams *auth.Params // nil: the production cost
	// OrphanAge is how old an evidence file no report names must be for the
	// background sweep to remove it; 0: blob.StaleAfter.
	OrphanAge time.Duration
}

// Open opens the database (creating the default organisations on first
// start) and builds the services and handler.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	if o.Clock == nil {
		o.Clock = koban.SystemClock{}
	}
	if o.OrphanAge <= 0 {
		o.OrphanAge = blob.StaleAfter
	}
	host, _ := os.Hostname()
	a := &App{Config: cfg, Log: log, Clock: o.Clock, instance: fmt.Sprintf("%s:%d", host, os.Getpid()), orphanAge: o.OrphanAge}
	db, err := store.Open(ctx, store.Options{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Clock: o.Clock, Log: log,
		OnCreate: func() error { return datadir.CheckUnused(cfg.DataDir) }})
	if err != nil {
		return nil, err
	}
	a.DB = db
	if err := a.claimDataDir(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.Anchors = &audit.Anchorer{Head: db.AuditHead, Path: anchorFile(cfg.DataDir, db.Shared()), Key: cfg.AuditSigner, Clock: o.Clock, Log: log}
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		db.Close()
		return nil, err
	}
	if err := a.ReloadTree(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.Blobs, err = blob.Open(filepath.Join(cfg.DataDir, "files"))
	if err != nil {
		db.Close()
		return nil, err
	}
	if a.Keys, err = openKeys(cfg.DataDir, cfg.EncryptionKeys); err != nil {
		db.Close()
		return nil, err
	}
	if a.Keys != nil {
		a.Blobs.SetSealer(a.Keys)
		db.SetKeys(a.Keys)
	}
	a.Intake = intake.NewService(db, a.Blobs, a.Tree, o.Clock, log)
	a.Intake.SetZone(cfg.Location)
	if err := a.LoadWarningLists(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.Index = correlate.NewService(db, a.Tree, db.Policy, o.Clock, cfg.Location)
	a.Auth = auth.NewService(db, a.Tree, o.Clock)
	a.Access = access.New(db, a.Tree, o.Clock)
	a.Cases = cases.NewService(db, a.Access, a.Tree, o.Clock, cfg.Location)
	a.Requests = correlate.NewRequests(db, a.Access, a.Tree, o.Clock, log)
	a.Search = search.NewService(db, a.Access, a.Tree, o.Clock, cfg.Location, log)
	a.Intel = intel.NewService(db, a.Access, a.Tree, o.Clock, log)
	a.Egress = egress.New(egress.Config{Allow: cfg.EgressAllowed, Ports: cfg.EgressPortList, Proxy: cfg.EgressProxyURL, Timeout: cfg.EgressTimeout, UserAgent: buildinfo.UserAgent()})
	if o.HasherParams != nil {
		a.Auth.SetHasherParams(*o.HasherParams)
	}
	a.Jobs = jobs.NewRunner(db, a.instance, o.Clock, log)
	var mailOut takedown.Mailer // set when mail is set up
	var mails *mailer           // likewise
	a.Patrol = patrol.NewService(db, a.Access, a.Jobs, a.Blobs, a.Egress, a.Tree, o.Clock, log,
		patrol.Options{Contact: cfg.BaseURL, Version: buildinfo.Version(), Proxied: cfg.EgressProxyURL != nil})
	a.Patrol.SetReporter(a.Intake) // a confirmed finding becomes a report
	a.Reading = reading.NewService(db, a.Jobs, a.Egress, a.Tree, o.Clock, log, reading.Options{Zone: cfg.Location})
	a.Vuln = vuln.NewService(db, a.Jobs, a.Egress, a.Access, o.Clock, log)
	a.Assist = assist.NewService(db, a.Jobs, o.Clock, log)
	policy, err := retention.Load(cfg.RetentionPolicy)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Retention = retention.NewService(db, a.Blobs, policy, o.Clock)
	if cfg.LLMURL != "" {
		// Off unless set: an LLM gives a second opinion on triage, asked
		// through the egress client (whose allow list must reach it).
		var allow []string
		for _, h := range strings.Split(cfg.LLMAllow, ",") {
			if h = strings.TrimSpace(h); h != "" {
				allow = append(allow, h)
			}
		}
		c, err := llm.New(llm.Options{Endpoint: cfg.LLMURL, Model: cfg.LLMModel, APIKey: cfg.LLMKey, Allow: allow, HTTP: a.Egress, Log: log, Clock: o.Clock})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("KOBAN_LLM_URL: %w", err)
		}
		a.Assist.SetLLM(c, cfg.LLMModel)
	}
	a.Vuln.SetTree(a.Tree)
	// Vulnerability data carried in for offline sources goes in feeds/;
	// a source never names a path elsewhere.
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "feeds"), 0o750); err != nil {
		db.Close()
		return nil, err
	}
	a.Vuln.SetFeedDir(filepath.Join(cfg.DataDir, "feeds"))
	if cfg.BaseURL != "" {
		a.Vuln.SetNamespace(cfg.BaseURL)
	}
	a.Patrol.SetQuota(cfg.PatrolQuota)
	if c := patrol.FindChromium(); c != nil {
		a.Patrol.SetShooter(c) // screenshots of HTML captures, rendered offline
	}
	if cfg.SMTPURL != "" {
		n, err := newMailer(cfg)
		if err != nil {
			db.Close()
			return nil, err
		}
		queueMail(n, a.Jobs)
		mails, mailOut = n, takedownMailer{n}
		a.Intake.SetNotifier(n)
		a.Requests.SetNotifier(n)
		a.Search.SetNotifier(n)
		a.Vuln.SetNotifier(vulnAlerts{m: n, users: db})
	}
	cats, err := locale.Load()
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Evidence = cases.NewEvidenceService(a.Cases, db, a.Blobs, log, a.exportConfig(cats))
	dir := foreign.DefaultDirectory()
	if cfg.Counterparts != "" {
		b, err := os.ReadFile(cfg.Counterparts)
		if err == nil {
			dir, err = foreign.ParseDirectory(b)
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("KOBAN_COUNTERPARTS: %w", err)
		}
	}
	a.Foreign = foreign.NewService(db, a.Cases, db, a.Jobs, dir, a.Tree, o.Clock, cfg.Location, log)
	if mails != nil {
		a.Foreign.SetNotifier(mails)
	}
	a.Patrol.SetCases(struct { // a confirmed finding joins a case: its report linked, its page kept as evidence
		*cases.Service
		*cases.EvidenceService
	}{a.Cases, a.Evidence})
	// Abuse contacts by RDAP through the egress client, and by WHOIS (.jp,
	// JPNIC) through its dialer, which reaches port 43 too.
	finder, err := rdap.NewClient(a.Egress, rdap.Options{Clock: o.Clock, Dial: a.Egress.DialAllowing(43)})
	if err != nil {
		db.Close()
		return nil, err
	}
	if mailOut == nil {
		a.Takedown = takedown.NewService(db, a.Blobs, a.Access, a.Jobs, a.Egress, finder, nil, cats, a.Tree, o.Clock, log, takedown.Options{Zone: cfg.Location})
	} else {
		a.Takedown = takedown.NewService(db, a.Blobs, a.Access, a.Jobs, a.Egress, finder, mailOut, cats, a.Tree, o.Clock, log,
			takedown.Options{ContactEmail: cfg.MailFrom, Zone: cfg.Location, Batch: cfg.TakedownBatch})
	}
	a.Takedown.SetCases(a.Cases) // a request may belong to a case, checked against it
	a.Exports = intel.NewExporter(a.Intake, a.Cases, a.Access, db, a.Tree, intel.Wording{
		T:      func(key string, pairs ...string) string { return cats.T("ja", key, pairs...) },
		Loc:    cfg.Location,
		Benign: func(o observe.Observable) bool { return len(db.Policy().Warnings(o)) > 0 },
	})
	a.Cases.SetSupportEvidence(a.Evidence) // files of technical-support answers become case evidence
	if a.Samples, err = blob.Open(filepath.Join(cfg.DataDir, "samples")); err != nil {
		db.Close()
		return nil, err
	}
	a.Malware = malware.NewService(db, a.Samples, a.Access, a.Cases, a.Jobs, o.Clock, log)
	if eng, err := yara.Find(); err != nil {
		log.Info("YARA is not installed: samples are analysed without it (apt-get install yara)", "err", err)
	} else {
		eng.CacheDir = filepath.Join(cfg.DataDir, "yara-cache")
		sets := yara.Builtin()
		if cfg.YaraRules != "" {
			more, err := yara.LoadFolder(cfg.YaraRules)
			if err != nil {
				db.Close()
				return nil, fmt.Errorf("KOBAN_YARA_RULES: %w", err)
			}
			sets = append(sets, more...)
		}
		a.Malware.SetScanner(malware.NewYaraScanner(eng, sets, log))
	}
	var submit guard.RateLimiter = guard.NewLimiter(cfg.SubmitRate, cfg.SubmitBurst)
	if db.Shared() {
		submit = &guard.SharedLimiter{Store: db, Name: "submit", PerSecond: cfg.SubmitRate, Burst: cfg.SubmitBurst, Log: log}
	}
	now := func() time.Time { return o.Clock.Now() }
	a.Admin = admin.NewService(db, a.Auth, a.Tree, a.ReloadTree)
	db.OnOrgsChanged(func() {
		if err := a.ReloadTree(context.Background()); err != nil {
			log.Error("reload organisation tree", "err", err)
		}
	})
	hub := live.NewHub()
	db.OnNewReports(func(n store.NewReport) { hub.Publish(live.Event{ReportID: n.ReportID, OrgID: n.OrgID}) })
	changes := live.NewHub() // cases and inboxes between organisations
	db.OnChanges(func(c store.Change) {
		changes.Publish(live.Event{Kind: c.Kind, CaseID: c.CaseID, OrgID: c.OrgID, UserID: c.UserID})
	})
	instance, _, err := db.EnsureIdentity(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Advisories = advisory.NewService(db, a.Access, a.Tree, o.Clock, log)
	a.Stats = stats.NewService(db, o.Clock, cfg.Location, cfg.StatsK)
	a.Dash = dashboard.NewService(db, a.Access, a.Takedown, a.Tree, o.Clock, cfg.Location)
	if cfg.OIDCIssuer != "" {
		if a.SSO, err = a.openSSO(cfg, log, o.Clock); err != nil {
			db.Close()
			return nil, err
		}
	}
	pages, err := web.New(web.Deps{Retention: a.Retention, Assist: a.Assist, Stats: a.Stats, Dashboard: a.Dash, Advisories: a.Advisories, Instance: instance, Live: hub, Changes: changes, Requests: a.Requests, Intake: a.Intake, Cases: a.Cases, Evidence: a.Evidence, Search: a.Search, Intel: a.Intel, Exports: a.Exports, Patrol: a.Patrol, Takedown: a.Takedown, Foreign: a.Foreign, Malware: a.Malware, Reading: a.Reading, Vuln: a.Vuln, Index: a.Index, Auth: a.Auth, Admin: a.Admin, Users: db, Catalogs: cats, Tree: a.Tree,
		Location: cfg.Location, TrustProxy: cfg.TrustProxy, BaseURL: cfg.BaseURL, Submit: submit, Log: log, Now: now})
	if err != nil {
		db.Close()
		return nil, err
	}
	pages.SSO = a.SSO // nil: the sign-in page offers passwords alone
	a.Metrics = api.NewMetrics()
	a.Metrics.WatchFallbacks(db.GroupFallbacks)
	a.Metrics.WatchPatrolQuota(func() int64 { return a.Patrol.Quota().Used }, func() int64 { return a.Patrol.Quota().Limit })
	jsonAPI := api.New(api.Deps{Malware: a.Malware, Vuln: a.Vuln, Intake: a.Intake, Cases: a.Cases, Evidence: a.Evidence, Search: a.Search, Requests: a.Requests, Accounts: db, Index: a.Index, Exports: a.Exports, Auth: a.Auth, Catalogs: cats, Tree: a.Tree, TrustProxy: cfg.TrustProxy, BaseURL: cfg.BaseURL,
		Submit: submit, Log: log, Now: now, Metrics: a.Metrics, Location: cfg.Location})
	root := http.NewServeMux()
	root.Handle("/api/", jsonAPI.Handler())
	root.Handle("/taxii2/", taxii.NewServer(intel.NewTAXII(a.Intel, a.Auth.TokenPrincipal, func(r *http.Request) string {
		return guard.ClientIP(r, cfg.TrustProxy)
	}), taxii.Options{BaseURL: cfg.BaseURL, Logger: log, Now: now}))
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	root.HandleFunc("GET /readyz", a.readyz)
	root.Handle("GET /metrics", a.metricsGate(a.Metrics.Handler()))
	root.Handle("/", pages.Handler())
	// Cross-origin protection rejects state-changing requests that a browser
	// marks as cross-site; API clients without browser headers pass.
	a.handler = guard.Headers(http.NewCrossOriginProtection().Handler(
		keepValuePaths(a.Metrics.Instrument(a.available(root, cats)), web.ObservablePrefix, api.ObservablePrefix)))
	return a, nil
}

// Tree returns the current organisation tree.
func (a *App) Tree() *org.Tree { return a.tree.Load() }

// ReloadTree reads the organisations from the database.
func (a *App) ReloadTree(ctx context.Context) error {
	// One reload at a time, each reading the database after the one before
	// it stored its tree: otherwise a reload announced by an earlier change
	// could read before a later change and store its older tree last (an
	// administrator's new station missing from the list just after adding
	// it, seen once in CI).
	a.treeMu.Lock()
	defer a.treeMu.Unlock()
	orgs, err := a.DB.Orgs(ctx)
	if err != nil {
		return err
	}
	t, err := org.NewTree(orgs)
	if err != nil {
		return fmt.Errorf("organisation tree: %w", err)
	}
	a.tree.Store(t)
	return nil
}

// LoadWarningLists puts koban's own warning lists and the imported ones in
// force, when the imported ones changed since the last load.
func (a *App) LoadWarningLists(ctx context.Context) error {
	stamp, err := a.DB.WarningListsStamp(ctx)
	if err != nil {
		return err
	}
	if a.listsAt.Load() == stamp {
		return nil
	}
	imported, _, err := a.DB.WarningLists(ctx, false)
	if err != nil {
		return err
	}
	p := a.DB.Policy()
	p.Lists = warnlist.NewMatcher(append(warnlist.Builtin(), imported...))
	a.DB.SetPolicy(p)
	a.listsAt.Store(stamp)
	a.Log.Debug("warning lists loaded", "imported", len(imported))
	return nil
}

// Handler is the whole HTTP surface.
func (a *App) Handler() http.Handler { return a.handler }

func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.check(ctx); err != nil {
		a.Log.Warn("not ready", "err", err)
		http.Error(w, "not ready\n", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ready\n")
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// FirstAdmin creates an administrator with a random password when koban has
// no account yet, and returns the e-mail and password (or "" when there were
// accounts already).
func (a *App) FirstAdmin(ctx context.Context) (email, password string, err error) {
	n, err := a.Auth.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", "", err
	}
	email, password = "admin@koban.local", auth.RandomPassword()
	_, err = a.Auth.CreateUser(ctx, audit.System, auth.NewUser{Email: email, Name: "Administrator", OrgCode: "npa", Role: auth.RoleAdmin, Password: password})
	return email, password, err
}

// anchorFile is where this server writes the audit chain's anchors. Servers
// that share a PostgreSQL database share the data folder too (the evidence
// lives in it), so there each writes a file of its own, named after its
// host: one writer per file keeps every file's ids in order without a lock
// across machines (appends from several NFS clients to one file can
// interleave), and each file is a witness in its own right.
func anchorFile(dataDir string, shared bool) string {
	name := "audit-anchors"
	if host, _ := os.Hostname(); shared && host != "" {
		name += "." + strings.Map(func(r rune) rune {
			if r == '.' || r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
				return r
			}
			return '_'
		}, host)
	}
	return filepath.Join(dataDir, name)
}

// Serve serves HTTP on ln until ctx ends, then shuts down gracefully. The
// audit chain's head is anchored before the first request, every
// KOBAN_AUDIT_ANCHOR_INTERVAL, and once more after the last request: each
// server anchors on its own rather than through RunJob, since anchors are
// witnesses and every server's file is one more copy to check against.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if _, _, err := a.Anchors.Anchor(ctx, "start"); err != nil {
		return err
	}
	// Background work stops, and is waited for, before Serve returns: the
	// caller closes the database next, and the last anchor must come after
	// every other write.
	// Triage suggestions for new reports: one recurring job across servers.
	if err := a.Assist.Start(ctx); err != nil {
		return err
	}
	work, stopWork := context.WithCancel(ctx)
	anchorTicks := time.NewTicker(a.Config.AuditAnchorInterval)
	var background sync.WaitGroup
	background.Go(func() { a.sweep(work) })
	background.Go(func() { a.Anchors.Run(work, anchorTicks.C) })
	background.Go(func() { a.watch(work) })
	background.Go(func() { a.Jobs.Run(work) })
	background.Go(func() { a.watchKeys(work, 30*time.Second) })
	defer func() {
		stopWork()
		anchorTicks.Stop()
		background.Wait()
		// ctx has ended by now; the last anchor still needs a moment of its own.
		last, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if _, _, err := a.Anchors.Anchor(last, "stop"); err != nil {
			a.Log.Error("audit anchor failed", "err", err, "file", a.Anchors.Path)
		}
	}()
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // evidence uploads on slow phones
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ServeMetrics serves /metrics alone on ln (KOBAN_METRICS_ADDR) until ctx
// ends: an address the monitoring network reaches and the public does not.
func (a *App) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// metricsGate decides who reads /metrics on the main address: nobody when
// it has an address of its own, the bearer of KOBAN_METRICS_TOKEN when one
// is set, otherwise only a client on this machine talking to koban directly
// (not through a proxy, which would make everyone look local). The figures
// tell an outsider how busy koban is and which routes it has.
func (a *App) metricsGate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case a.Config.MetricsAddr != "":
			http.NotFound(w, r)
		case a.Config.MetricsToken != "":
			got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(a.Config.MetricsToken)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="koban metrics"`)
				http.Error(w, "unauthorized\n", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		case guard.DirectLoopback(r):
			h.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// sweep removes expired sessions and idle rate-limit buckets every ten
// minutes and evidence files no report names every hour (with several
// servers on one database the job row decides which one runs each, so it
// runs once) and reloads changed warning lists every minute.
func (a *App) sweep(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	first := true
	for {
		if _, err := a.RunJob(ctx, "sweep", 10*time.Minute, a.sweepOnce); err != nil && ctx.Err() == nil {
			a.Log.Warn("sweep", "err", err)
		}
		// Orphaned evidence files: a walk of the whole file store, so less
		// often than the cheap sweep above.
		if _, err := a.RunJob(ctx, "sweep-files", time.Hour, func(ctx context.Context) error {
			_, err := a.SweepFiles(ctx, a.orphanAge)
			return err
		}); err != nil && ctx.Err() == nil {
			a.Log.Warn("sweep evidence files", "err", err)
		}
		// New records against saved searches: one pass over them a minute,
		// on one server (see search/saved.go).
		if _, err := a.RunJob(ctx, "saved-searches", time.Minute, a.matchSavedSearches); err != nil && ctx.Err() == nil {
			a.Log.Warn("saved searches", "err", err)
		}
		// Partners' TAXII collections and MISP servers that are due, each
		// polled by one server (the source's next run is claimed in the
		// database); from the first tick on, so that a server starting
		// sends nothing out in its first minute.
		if !first {
			a.pollIntel(ctx)
		}
		first = false
		// Every server picks up warning lists imported on any of them.
		if err := a.LoadWarningLists(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("warning lists", "err", err)
		}
		// Retention, once a day on one server: reports, cases with their
		// evidence and patrol captures past their periods that nothing
		// keeps, each under a tombstone, and the audit log's oldest rows
		// behind a checkpoint (last: the saved searches' first pass at
		// start keeps its moment).
		if _, err := a.RunJob(ctx, "retention", 24*time.Hour, a.runRetention); err != nil && ctx.Err() == nil {
			a.Log.Warn("retention", "err", err)
		}
		// What patrol's captures take against KOBAN_PATROL_QUOTA: measured
		// by one server (a crossing is logged once), read by every server
		// (the pages' banner, the fetches, /metrics).
		if _, err := a.RunJob(ctx, "patrol-usage", patrolUsageEvery, a.Patrol.MeasureUsage); err != nil && ctx.Err() == nil {
			a.Log.Warn("patrol usage", "err", err)
		}
		if err := a.Patrol.LoadUsage(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("patrol usage", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// patrolUsageEvery is how often what patrol's captures take is measured:
// a scan of two indexes over every capture (about a second for two million
// on SQLite), while each server also counts the files it keeps in between.
const patrolUsageEvery = 5 * time.Minute

// runRetention deletes what the retention policy says is due.
func (a *App) runRetention(ctx context.Context) error {
	sum, err := a.Retention.Run(ctx)
	if n := len(sum.Items); n > 0 || sum.AuditRows > 0 {
		a.Log.Info("retention", "deleted", n, "kept_since_planned", len(sum.Skipped), "files_removed", sum.FilesFreed,
			"audit_rows_pruned", sum.AuditRows, "policy", sum.Version)
	}
	return err
}

func (a *App) sweepOnce(ctx context.Context) error {
	now := a.Clock.Now()
	n, err := a.DB.DeleteExpiredSessions(ctx, now)
	if err != nil {
		return err
	}
	m, err := a.DB.SweepRateLimits(ctx, now.Add(-time.Hour))
	a.Log.Debug("swept", "sessions", n, "rate_limits", m)
	return err
}

// SweepFiles removes the evidence files no report names that were last
// written more than age ago (see intake.Service.SweepOrphans), counts them in
// /metrics and returns how many it removed.
func (a *App) SweepFiles(ctx context.Context, age time.Duration) (int, error) {
	// Files carry the operating system's times, not koban's clock (which
	// tests may fix), so the cutoff is taken from the same.
	n, err := a.Intake.SweepOrphans(ctx, time.Now().Add(-age))
	a.Metrics.OrphansRemoved(n)
	if n > 0 {
		a.Log.Info("swept evidence files no report names", "removed", n, "older_than", age)
	}
	return n, err
}

// pollIntel polls the partner sources that are due, at most a few in one
// pass so that the other background work keeps its minute.
func (a *App) pollIntel(ctx context.Context) {
	for range 8 {
		polled, err := a.Intel.PollDue(ctx, a.Egress, a.instance)
		if err != nil && ctx.Err() == nil {
			a.Log.Warn("intel poll", "err", err)
		}
		if !polled || ctx.Err() != nil {
			return
		}
	}
}

// RunJob runs fn if this process wins the job's next run, and reports
// whether it did.
func (a *App) RunJob(ctx context.Context, name string, every time.Duration, fn func(context.Context) error) (bool, error) {
	won, err := a.DB.ClaimJob(ctx, name, a.instance, every, a.Clock.Now())
	if err != nil || !won {
		return false, err
	}
	return true, fn(ctx)
}
