package takedown

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/auth"
)

// IHCBaseline is the share of requests the Internet Hotline Center sees
// removed (71–80 % in its yearly reports), to read koban's rate against.
const (
	IHCBaselineLow  = 0.71
	IHCBaselineHigh = 0.80
)

// Row is the outcome of the requests sent to one provider, or of one kind.
type Row struct {
	Key     string // the recipient's domain, or the kind
	Sent    int
	Removed int
	Rate    float64       // Removed / Sent
	Median  time.Duration // from sending to confirmed removal, over the removed
	P90     time.Duration
}

// Stats are the outcomes of the line's requests: takedowns (All,
// ByProvider, ByKind) and, apart, freezes and phone measures.
type Stats struct {
	All        Row
	ByProvider []Row
	ByKind     []Row
	Measures   []MeasureRow // one per kind with a request sent, in Kinds' order
}

// MeasureRow is the outcome of the account freezes, or of the phone
// measures, asked for.
type MeasureRow struct {
	Kind         Kind
	Sent         int
	Acknowledged int           // the bank or carrier answered (whatever came of it)
	Done         int           // frozen, measures taken
	Refused      int           // declined
	Open         int           // neither done nor refused yet
	Median       time.Duration // from sending to done, over the done
}

// Stats counts the sent requests of the officer's line. Takedowns: how
// many were removed, and how long it took (median and 90th percentile), in
// all, per provider (the recipient's domain) and per kind; a request that
// reappeared and is not removed again counts as not removed. Freezes and
// phone measures are counted apart, per kind — they are not removals, and
// the removal rate held against the IHC's is of takedowns alone.
func (s *Service) Stats(ctx context.Context, p auth.Principal) (*Stats, error) {
	list, err := s.List(ctx, p)
	if err != nil {
		return nil, err
	}
	return tally(list), nil
}

func tally(list []*Request) *Stats {
	type acc struct {
		sent  int
		times []time.Duration
	}
	all := &acc{}
	byProv, byKind := map[string]*acc{}, map[string]*acc{}
	get := func(m map[string]*acc, k string) *acc {
		if m[k] == nil {
			m[k] = &acc{}
		}
		return m[k]
	}
	measures := map[Kind]*MeasureRow{}
	measureTimes := map[Kind][]time.Duration{}
	for _, r := range list {
		if r.SentAt.IsZero() || r.State == Withdrawn {
			continue
		}
		if r.Kind.Measure() {
			m := measures[r.Kind]
			if m == nil {
				m = &MeasureRow{Kind: r.Kind}
				measures[r.Kind] = m
			}
			m.Sent++
			if !r.AcknowledgedAt.IsZero() {
				m.Acknowledged++
			}
			switch r.State {
			case Done:
				m.Done++
				measureTimes[r.Kind] = append(measureTimes[r.Kind], r.ResolvedAt.Sub(r.SentAt))
			case Refused:
				m.Refused++
			default:
				m.Open++
			}
			continue
		}
		prov := r.RecipientEmail[strings.LastIndexByte(r.RecipientEmail, '@')+1:]
		for _, a := range []*acc{all, get(byProv, prov), get(byKind, string(r.Kind))} {
			a.sent++
			if r.State == Removed {
				a.times = append(a.times, r.RemovedAt.Sub(r.SentAt))
			}
		}
	}
	row := func(k string, a *acc) Row {
		out := Row{Key: k, Sent: a.sent, Removed: len(a.times)}
		if a.sent > 0 {
			out.Rate = float64(out.Removed) / float64(a.sent)
		}
		if len(a.times) > 0 {
			slices.Sort(a.times)
			out.Median = Quantile(a.times, 0.5)
			out.P90 = Quantile(a.times, 0.9)
		}
		return out
	}
	st := &Stats{All: row("", all)}
	for _, k := range Kinds() {
		if m := measures[k]; m != nil {
			if ts := measureTimes[k]; len(ts) > 0 {
				slices.Sort(ts)
				m.Median = Quantile(ts, 0.5)
			}
			st.Measures = append(st.Measures, *m)
		}
	}
	for k, a := range byProv {
		st.ByProvider = append(st.ByProvider, row(k, a))
	}
	for k, a := range byKind {
		st.ByKind = append(st.ByKind, row(k, a))
	}
	for _, rows := range [][]Row{st.ByProvider, st.ByKind} {
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].Sent != rows[j].Sent {
				return rows[i].Sent > rows[j].Sent
			}
			return rows[i].Key < rows[j].Key
		})
	}
	return st
}

// Quantile is the nearest-rank quantile q of sorted durations (not empty):
// the supervisors' dashboard reads its reply times the same way.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
