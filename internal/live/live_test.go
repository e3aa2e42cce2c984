package live

import "testing"

func TestHub(t *testing.T) {
	h := NewHub()
	a, stopA := h.Subscribe()
	b, stopB := h.Subscribe()
	h.Publish(Event{ReportID: 1, OrgID: 13})
	if e := <-a; e.ReportID != 1 {
		t.Fatalf("a got %+v", e)
	}
	if e := <-b; e.OrgID != 13 {
		t.Fatalf("b got %+v", e)
	}
	stopA()
	stopA() // twice is harmless
	h.Publish(Event{ReportID: 2})
	if _, open := <-a; open {
		t.Fatal("a still receives after stop")
	}
	if e := <-b; e.ReportID != 2 {
		t.Fatalf("b got %+v", e)
	}
	// A slow subscriber does not block the hub.
	for i := 0; i < 1000; i++ {
		h.Publish(Event{ReportID: int64(i)})
	}
	stopB()
}
