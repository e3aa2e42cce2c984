package takedown

import (
	"testing"
	"time"

	"github.com/koban-project/koban/internal/xarf"
)

func TestTally(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	req := func(to string, kind xarf.Kind, state string, hours int) *Request {
		r := &Request{RecipientEmail: to, Kind: kind, State: state, SentAt: t0}
		if state == Removed {
			r.RemovedAt = t0.Add(time.Duration(hours) * time.Hour)
		}
		return r
	}
	list := []*Request{
		req("abuse@hoster.example", xarf.Phishing, Removed, 2),
		req("abuse@hoster.example", xarf.Phishing, Removed, 10),
		req("abuse@hoster.example", xarf.Phishing, Removed, 30),
		req("abuse@hoster.example", xarf.Fraud, Sent, 0),
		req("report@registrar.example", xarf.Phishing, Reappeared, 0),
		{RecipientEmail: "x@y.example", Kind: xarf.Phishing, State: Draft},                 // not sent: not counted
		{RecipientEmail: "x@y.example", Kind: xarf.Phishing, State: Withdrawn, SentAt: t0}, // withdrawn: not counted
	}
	st := tally(list)
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
