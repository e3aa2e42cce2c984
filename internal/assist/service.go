package assist

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/koban-project/koban/internal/assist/llm"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/triage"
)

// SuggestJob is the kind of the recurring job that suggests for new reports.
const SuggestJob = "assist.triage"

// Pace of the suggestion job.
const (
	// batch is how many reports one run suggests for.
	batch = 500
	// every is how long the job waits when it has caught up.
	every = 30 * time.Second
)

// Service is the assistance room's one way in.
type Service struct {
	store Store
	jobs  *jobs.Runner
	clock koban.Clock
	log   *slog.Logger

	llm      *llm.Client // nil: no second opinion
	llmModel string

	mu         sync.Mutex
	model      *triage.Model // the active version, loaded once
	lastReport triage.Report // the evaluation of the last model trained
}

// NewService returns a Service and registers its job with the runner.
func NewService(st Store, r *jobs.Runner, clock koban.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{store: st, jobs: r, clock: clock, log: log}
	if r != nil {
		r.Handle(SuggestJob, s.suggestJob)
	}
	return s
}

// SetLLM makes suggestions ask an LLM for a second opinion on the
// category (c nil: none). What it says is kept beside the local model's
// suggestion, never instead of it; when it cannot answer (off, down, its
// breaker open, an answer outside the rules, a record above its TLP
// ceiling) the local suggestion stands alone.
func (s *Service) SetLLM(c *llm.Client, model string) { s.llm, s.llmModel = c, model }

// Start queues the suggestion job (once across servers: its key is taken
// while it lives).
func (s *Service) Start(ctx context.Context) error {
	_, err := s.jobs.Enqueue(ctx, jobs.New{Kind: SuggestJob, Key: "triage", RunAt: s.clock.Now()})
	return err
}

// Model returns the active model: the stored active version, or, when
// none is stored, one trained from the seed set and stored as the first.
func (s *Service) Model(ctx context.Context) (*triage.Model, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	row, err := s.store.ActiveTriageModel(ctx)
	switch {
	case err != nil && koban.ErrorCode(err) == koban.NotFound:
		m, _, err := s.train(ctx, audit.System, nil)
		if err != nil {
			return nil, err
		}
		s.model = m
		return m, nil
	case err != nil:
		return nil, err
	}
	if s.model != nil && s.model.Version() == row.Version {
		return s.model, nil
	}
	m := new(triage.Model)
	if err := m.UnmarshalBinary(row.Body); err != nil {
		return nil, fmt.Errorf("triage model %s: %w", row.Version, err)
	}
	s.model = m
	return m, nil
}

// Examples returns what a model is trained on: the seed set and the
// categories officers confirmed.
func (s *Service) Examples(ctx context.Context) ([]triage.Example, int, error) {
	confirmed, err := s.store.ConfirmedExamples(ctx)
	if err != nil {
		return nil, 0, err
	}
	return append(triage.Seed(), confirmed...), len(confirmed), nil
}

// Evaluate runs stratified 5-fold cross-validation over the seed set and
// the confirmed categories.
func (s *Service) Evaluate(ctx context.Context) (triage.Report, error) {
	ex, _, err := s.Examples(ctx)
	if err != nil {
		return triage.Report{}, err
	}
	return triage.Evaluate(ex, 5, 1), nil
}

// Train trains a model on the seed set and the confirmed categories,
// evaluates it, stores it and makes it the active one; audited as
// triage.model_train.
func (s *Service) Train(ctx context.Context, actor audit.Actor) (*ModelRow, triage.Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ex, n, err := s.Examples(ctx)
	if err != nil {
		return nil, triage.Report{}, err
	}
	m, row, err := s.train(ctx, actor, ex)
	if err != nil {
		return nil, triage.Report{}, err
	}
	s.model = m
	row.Confirmed = n
	return row, s.lastReport, nil
}

// seed is the model of the seed set alone and its evaluation, made once
// per process: the seed set is embedded, so they never differ.
var seed = sync.OnceValues(func() (*trained, error) {
	return trainOn(triage.Seed())
})

// trained is a model, its bytes and its 5-fold evaluation.
type trained struct {
	model  *triage.Model
	body   []byte
	report triage.Report
}

func trainOn(ex []triage.Example) (*trained, error) {
	m, err := triage.Train(ex, triage.Options{})
	if err != nil {
		return nil, err
	}
	body, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &trained{model: m, body: body, report: triage.Evaluate(ex, 5, 1)}, nil
}

// train trains on ex (nil: the seed set alone), evaluates, stores and
// activates. The caller holds mu.
func (s *Service) train(ctx context.Context, actor audit.Actor, ex []triage.Example) (*triage.Model, *ModelRow, error) {
	confirmed := len(ex) - len(triage.Seed())
	var t *trained
	var err error
	if ex == nil {
		ex, confirmed = triage.Seed(), 0
		t, err = seed()
	} else {
		t, err = trainOn(ex)
	}
	if err != nil {
		return nil, nil, err
	}
	m, body, rep := t.model, t.body, t.report
	s.lastReport = rep
	row := &ModelRow{Version: m.Version(), CreatedAt: s.clock.Now(), CreatedBy: actor.UserID, Examples: len(ex), Confirmed: confirmed,
		MacroF1: rep.MacroF1, Yamibaito: rep.Yamibaito, Active: true, Body: body}
	e := audit.Entry{Actor: actor, Action: "triage.model_train", ObjectType: "triage_model", ObjectID: row.Version,
		Detail: map[string]any{"examples": row.Examples, "confirmed": row.Confirmed, "macro_f1": row.MacroF1, "yamibaito_recall": row.Yamibaito}}
	if err := s.store.SaveTriageModel(ctx, row, true, e); err != nil {
		return nil, nil, err
	}
	return m, row, nil
}

// suggestJob suggests for the reports that have no suggestion yet, a
// batch at a time; it comes back at once while there are more, else after
// a while.
func (s *Service) suggestJob(ctx context.Context, _ jobs.Job) (jobs.Result, error) {
	n, err := s.SuggestPending(ctx)
	if err != nil {
		return jobs.Result{}, err
	}
	next := s.clock.Now().Add(every)
	if n == batch {
		next = s.clock.Now()
	}
	return jobs.Result{Next: next}, nil
}

// SuggestPending suggests for up to one batch of reports and one of
// patrol findings without a suggestion, and returns how many of the
// larger batch (batch when there may be more).
func (s *Service) SuggestPending(ctx context.Context) (int, error) {
	most := 0
	for _, typ := range []string{"report", "finding"} {
		pending, err := s.store.Unsuggested(ctx, typ, batch)
		if err != nil {
			return 0, err
		}
		if len(pending) == 0 {
			continue
		}
		m, err := s.Model(ctx)
		if err != nil {
			return 0, err
		}
		now := s.clock.Now()
		out := make([]*Suggestion, len(pending))
		ask := s.llm.Enabled()
		for i, p := range pending {
			sg := m.Suggest(p.Text)
			out[i] = &Suggestion{RecordType: typ, RecordID: p.ID, Category: sg.Category, Score: sg.Score, Urgent: sg.Urgent,
				UrgentScore: sg.UrgentScore, Features: sg.Features, Model: sg.Model, CreatedAt: now}
			if ask {
				// The client masks phone numbers and e-mail addresses; the
				// reporter's name is masked here, as only koban knows it.
				text, _ := llm.MaskNames(p.Text, p.Names)
				cat, why, err := s.llm.Classify(ctx, text, p.TLP, m.Classes())
				switch {
				case err == nil:
					out[i].LLMCategory, out[i].LLMReason, out[i].LLMModel = cat, why, s.llmModel
				case errors.Is(err, llm.ErrUnavailable):
					ask = false // down or its breaker open: the rest of the batch goes without
				}
			}
		}
		if err := s.store.SaveSuggestions(ctx, out); err != nil {
			return 0, err
		}
		most = max(most, len(out))
	}
	return most, nil
}

// ReportSuggestions returns the stored suggestions of reports the caller
// has already read (the caller decides access by reading them).
func (s *Service) ReportSuggestions(ctx context.Context, ids []int64) (map[int64]*Suggestion, error) {
	if len(ids) == 0 {
		return map[int64]*Suggestion{}, nil
	}
	ids = slices.Clone(ids)
	return s.store.Suggestions(ctx, "report", ids)
}

// unavailable is an LLM call's failure as officers are told it: the
// record's TLP, or no answer.
func unavailable(err error) error {
	key := "assist.error.llm_failed"
	if errors.Is(err, llm.ErrTLP) {
		key = "assist.error.tlp"
	}
	return &koban.Error{Code: koban.Unavailable, Key: key, Err: err}
}

// LLMEnabled tells whether an LLM is set up (the pages offer its uses).
func (s *Service) LLMEnabled() bool { return s.llm.Enabled() }

// TranslateReport asks the LLM for a Japanese translation of a report's
// text, the caller having read the report (access is theirs to decide):
// the reporter's name, phones and e-mail masked, within the report's TLP;
// audited as assist.translate with the model. ErrUnavailable (wrapped in a
// koban error) when no LLM is set up or it cannot answer.
func (s *Service) TranslateReport(ctx context.Context, actor audit.Actor, id int64, text string, level tlp.Level) (string, error) {
	if !s.llm.Enabled() {
		return "", koban.Errorf(koban.Unavailable, "assist.error.no_llm")
	}
	name, err := s.store.ReporterName(ctx, id)
	if err != nil {
		return "", err
	}
	var names []string
	if name != "" {
		names = []string{name}
	}
	masked, _ := llm.MaskNames(text, names)
	out, err := s.llm.Translate(ctx, masked, level, "ja")
	if err != nil {
		return "", unavailable(err)
	}
	e := audit.Entry{Actor: actor, Action: "assist.translate", ObjectType: "report", ObjectID: strconv.FormatInt(id, 10),
		Detail: map[string]any{"model": s.llmModel, "to": "ja"}}
	if err := s.store.Audit(ctx, e); err != nil {
		return "", err
	}
	return out, nil
}

// ExplainStrings asks the LLM what a malware sample's strings suggest
// (the caller having read the sample), within the sample's TLP; audited
// as assist.explain_strings.
func (s *Service) ExplainStrings(ctx context.Context, actor audit.Actor, sampleID int64, strs []string, level tlp.Level) (string, error) {
	if !s.llm.Enabled() {
		return "", koban.Errorf(koban.Unavailable, "assist.error.no_llm")
	}
	out, err := s.llm.ExplainStrings(ctx, strs, level)
	if err != nil {
		return "", unavailable(err)
	}
	e := audit.Entry{Actor: actor, Action: "assist.explain_strings", ObjectType: "sample", ObjectID: strconv.FormatInt(sampleID, 10),
		Detail: map[string]any{"model": s.llmModel, "strings": len(strs)}}
	if err := s.store.Audit(ctx, e); err != nil {
		return "", err
	}
	return out, nil
}

// SummariseCase asks the LLM for a summary of a case for a supervisor,
// from its title, summary, linked reports (their start, the reporters'
// names masked) and notes, as the caller read them, at level: the
// strictest of AMBER (a case's own) and its reports' markings, so that
// nothing leaves above what the endpoint may receive. Audited as
// assist.summarise.
func (s *Service) SummariseCase(ctx context.Context, actor audit.Actor, caseID int64, text string, reportIDs []int64, level tlp.Level, lang string) (string, error) {
	if !s.llm.Enabled() {
		return "", koban.Errorf(koban.Unavailable, "assist.error.no_llm")
	}
	var names []string
	for _, id := range reportIDs {
		n, err := s.store.ReporterName(ctx, id)
		if err != nil {
			return "", err
		}
		if n != "" {
			names = append(names, n)
		}
	}
	masked, _ := llm.MaskNames(text, names)
	out, err := s.llm.Summarise(ctx, masked, level, lang)
	if err != nil {
		return "", unavailable(err)
	}
	e := audit.Entry{Actor: actor, Action: "assist.summarise", ObjectType: "case", ObjectID: strconv.FormatInt(caseID, 10),
		Detail: map[string]any{"model": s.llmModel, "lang": lang}}
	if err := s.store.Audit(ctx, e); err != nil {
		return "", err
	}
	return out, nil
}

// FindingSuggestion returns the stored suggestion of a patrol finding the
// caller has already read; nil when there is none.
func (s *Service) FindingSuggestion(ctx context.Context, id int64) (*Suggestion, error) {
	m, err := s.store.Suggestions(ctx, "finding", []int64{id})
	if err != nil {
		return nil, err
	}
	return m[id], nil
}

// Models lists the stored model versions, newest first.
func (s *Service) Models(ctx context.Context) ([]*ModelRow, error) { return s.store.TriageModels(ctx) }
