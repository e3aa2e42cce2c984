package intel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/stix"
	"github.com/koban-project/koban/internal/taxii"
)

// pollPageSize is how many objects koban asks a partner for at a time.
const pollPageSize = 1000

// PollDue polls the next partner TAXII collection that is due, through
// doer (koban's egress client: no private addresses, the proxy, the
// timeouts), and reports whether there was one. Each page is stored before
// the next is asked for, and the cursor moves only past pages stored, so
// a poll cut short resumes where it stopped and a page read twice adds
// nothing (versions are stored once).
func (s *Service) PollDue(ctx context.Context, doer taxii.Doer, runBy string) (bool, error) {
	src, err := s.store.ClaimDueSource(ctx, []string{SourceTAXII, SourceMISP, SourceCSV}, s.clock.Now())
	if err != nil || src == nil {
		return false, err
	}
	return true, s.PollSource(ctx, doer, src, runBy)
}

// PollSource polls one TAXII or MISP source now and records the poll. The poll's
// own failure (the partner unreachable, a broken page) is recorded on the
// poll, logged and returned.
func (s *Service) PollSource(ctx context.Context, doer taxii.Doer, src *Source, runBy string) error {
	p := &Poll{SourceID: src.ID, StartedAt: s.clock.Now(), RunBy: runBy}
	if err := s.store.StartPoll(ctx, p); err != nil {
		return err
	}
	var cursor string
	var perr error
	switch src.Kind {
	case SourceTAXII:
		cursor, perr = s.pollTAXII(ctx, doer, src, p)
	case SourceMISP:
		perr = s.pollMISP(ctx, doer, src, p)
	case SourceCSV:
		perr = s.pollCSV(ctx, doer, src, p)
	default:
		perr = fmt.Errorf("a %s source is not polled", src.Kind)
	}
	p.FinishedAt = s.clock.Now()
	if perr != nil {
		p.Error = perr.Error()
		s.log.Warn("intel poll", "source", src.ID, "name", src.Name, "err", perr)
	}
	if err := s.store.FinishPoll(ctx, p, cursor, audit.Entry{Actor: audit.System, Action: "intel.poll", ObjectType: "intel_source",
		ObjectID: fmt.Sprint(src.ID), Detail: map[string]any{"seen": p.Seen, "added": p.Added, "rejected": p.Rejected, "error": p.Error != ""}}); err != nil {
		return err
	}
	return perr
}

// pollTAXII reads the source's collection from its cursor on and returns
// the cursor after the last page stored ("" when none was).
func (s *Service) pollTAXII(ctx context.Context, doer taxii.Doer, src *Source, p *Poll) (string, error) {
	c, err := taxii.NewClient(doer, src.URL, taxiiAuth(src))
	if err != nil {
		return "", err
	}
	q := taxii.Query{Limit: pollPageSize}
	if src.Cursor != "" {
		if q.AddedAfter, err = time.Parse(time.RFC3339Nano, src.Cursor); err != nil {
			return "", fmt.Errorf("the source's cursor %q is not a time: %w", src.Cursor, err)
		}
	}
	var stored time.Time
	_, err = c.EachPage(ctx, "", src.Collection, q, func(page *taxii.ObjectsPage) error {
		i := 0
		res, err := s.ImportSTIX(ctx, audit.System, src, func() (*stix.Object, error) {
			if i >= len(page.Objects) {
				return nil, io.EOF
			}
			i++
			o, err := stix.ParseObject(page.Objects[i-1])
			if err != nil {
				return nil, &stix.ObjectError{Index: i - 1, Err: err}
			}
			return o, nil
		})
		p.Seen += res.Seen
		p.Added += res.Stored.Added
		p.Rejected += res.Rejected
		if err != nil {
			return err
		}
		if page.DateAddedLast.After(stored) {
			stored = page.DateAddedLast
		}
		return nil
	})
	cursor := ""
	if !stored.IsZero() {
		cursor = stored.UTC().Format(time.RFC3339Nano)
	}
	return cursor, err
}

// taxiiAuth uses the source's secret as a bearer token when the source
// names no user (with a user, the secret is the Basic password).
func taxiiAuth(src *Source) taxii.Auth {
	if src.Username == "" {
		return taxii.Auth{Token: src.Secret}
	}
	return taxii.Auth{Username: src.Username, Password: src.Secret}
}

// pollMISP fetches the source's URL (a MISP instance's events/restSearch
// or a feed's event file, with the secret as MISP's Authorization key)
// and imports the events it answers. Attributes koban holds already are
// duplicates, so no cursor is kept.
func (s *Service) pollMISP(ctx context.Context, doer taxii.Doer, src *Source, p *Poll) error {
	return s.pollFeed(ctx, doer, src, p, "application/json", s.ImportMISP)
}

// pollFeed fetches a feed at the source's URL (the secret, when set, as
// its Authorization header), imports what it answers with imp, and
// records the result on the poll. A feed that breaks off fails the poll;
// single entries refused do not.
func (s *Service) pollFeed(ctx context.Context, doer taxii.Doer, src *Source, p *Poll, accept string,
	imp func(context.Context, audit.Actor, *Source, io.Reader) (ImportResult, error)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", accept)
	if src.Secret != "" {
		req.Header.Set("Authorization", src.Secret)
	}
	resp, err := doer.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the feed's server answered %s", resp.Status)
	}
	res, err := imp(ctx, audit.System, src, resp.Body)
	p.Seen, p.Added, p.Rejected = res.Seen, res.Stored.Added, res.Rejected
	var bad *stix.ObjectError
	if err == nil && res.Broken != nil && !errors.As(res.Broken, &bad) {
		err = res.Broken // the answer broke off, not one entry
	}
	return err
}
