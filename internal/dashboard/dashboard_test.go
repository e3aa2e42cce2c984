package dashboard

import (
	"testing"
	"time"
)

func TestReplyTimes(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var rs []Reply
	for _, h := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 30} {
		rs = append(rs, Reply{Received: t0, First: t0.Add(time.Duration(h) * time.Hour)})
	}
	rs = append(rs, Reply{Received: t0}, Reply{Received: t0}, Reply{Received: t0, Closed: true})
	got := replyTimes(rs)
	want := ReplyTimes{Received: 13, Answered: 10, Waiting: 2, Median: 5 * time.Hour, P90: 9 * time.Hour}
	if got != want {
		t.Errorf("replyTimes = %+v, want %+v (a closed report without a reply waits for nothing)", got, want)
	}
	if got := replyTimes(nil); got != (ReplyTimes{}) {
		t.Errorf("no reports: %+v", got)
	}
}
