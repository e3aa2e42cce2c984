package takedown

import (
	"testing"
	"time"
)

func TestTally(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	req := func(to string, kind Kind, state string, hours int) *Request {
		r := &Request{RecipientEmail: to, Kind: kind, State: state, SentAt: t0}
		if state == Removed {
			r.RemovedAt = t0.Add(time.Duration(hours) * time.Hour)
		}
		return r
	}
	list := []*Request{
		req("abuse@hoster.example", Phishing, Removed, 2),
		req("abuse@hoster.example", Phishing, Removed, 10),
		req("abuse@hoster.example", Phishing, Removed, 30),
		req("abuse@hoster.example", Fraud, Sent, 0),
		req("report@registrar.example", Phishing, Reappeared, 0),
		{RecipientEmail: "x@y.example", Kind: Phishing, State: Draft},                 // not sent: not counted
		{RecipientEmail: "x@y.example", Kind: Phishing, State: Withdrawn, SentAt: t0}, // withdrawn: not counted
	}
	// Freezes and phone measures are counted apart, never as removals.
	measure := func(kind Kind, state string, ack bool, hours int) *Request {
		r := &Request{RecipientEmail: "fraud-desk@bank.example.jp", Kind: kind, State: state, SentAt: t0}
		if ack {
			r.AcknowledgedAt = t0.Add(time.Hour)
		}
		if state == Done || state == Refused {
			r.ResolvedAt = t0.Add(time.Duration(hours) * time.Hour)
		}
		return r
	}
	list = append(list,
		measure(AccountFreeze, Done, true, 4),
		measure(AccountFreeze, Done, false, 48),
		measure(AccountFreeze, Done, true, 20),
		measure(AccountFreeze, Refused, true, 30),
		measure(AccountFreeze, Acknowledged, true, 0),
		measure(PhoneMeasures, Sent, false, 0),
		&Request{RecipientEmail: "x@carrier.example.jp", Kind: PhoneMeasures, State: Withdrawn, SentAt: t0}, // withdrawn: not counted
		&Request{RecipientEmail: "x@carrier.example.jp", Kind: PhoneMeasures, State: Draft},                 // not sent: not counted
	)
	st := tally(list)
	want := []MeasureRow{
		{Kind: AccountFreeze, Sent: 5, Acknowledged: 4, Done: 3, Refused: 1, Open: 1, Median: 20 * time.Hour},
		{Kind: PhoneMeasures, Sent: 1, Open: 1},
	}
	if len(st.Measures) != len(want) || st.Measures[0] != want[0] || st.Measures[1] != want[1] {
		t.Errorf("measures = %+v, want %+v", st.Measures, want)
	}
	if st.All.Sent != 5 || st.All.Removed != 3 || st.All.Rate != 0.6 || st.All.Median != 10*time.Hour || st.All.P90 != 30*time.Hour {
		t.Errorf("all = %+v", st.All)
	}
	if len(st.ByProvider) != 2 || st.ByProvider[0].Key != "hoster.example" || st.ByProvider[0].Rate != 0.75 || st.ByProvider[1].Removed != 0 {
		t.Errorf("by provider = %+v", st.ByProvider)
	}
	if len(st.ByKind) != 2 || st.ByKind[0].Key != "phishing" || st.ByKind[0].Sent != 4 || st.ByKind[1].Key != "fraud" || st.ByKind[1].Rate != 0 {
		t.Errorf("by kind = %+v", st.ByKind)
	}
}
