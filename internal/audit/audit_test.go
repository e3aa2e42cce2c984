package audit

import (
	"testing"
	"time"
)

func chain(t *testing.T, n int) []Row {
	t.Helper()
	prev := Genesis
	var rows []Row
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		r, err := NewRow(int64(i), at.Add(time.Duration(i)*time.Second), prev, Entry{
			Actor: Actor{UserID: 7, OrgID: 3, Label: "a@example.jp", IP: "192.0.2.1"}, Action: "report.view_personal",
			ObjectType: "report", ObjectID: "42", Detail: map[string]any{"n": i},
		})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
		prev = r.Hash
	}
	return rows
}

func verify(rows []Row) Result {
	v := NewVerifier()
	for _, r := range rows {
		if !v.Check(r) {
			break
		}
	}
	return v.Result()
}

func TestVerify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func([]Row) []Row
		bad    int64
	}{
		{"intact", func(r []Row) []Row { return r }, 0},
		{"altered action", func(r []Row) []Row { r[2].Action = "report.create"; return r }, 3},
		{"altered detail", func(r []Row) []Row { r[4].Detail = `{"n":99}`; return r }, 5},
		{"altered time", func(r []Row) []Row { r[0].At = r[0].At.Add(time.Hour); return r }, 1},
		{"removed middle row", func(r []Row) []Row { return append(r[:3:3], r[4:]...) }, 5},
		{"removed first row", func(r []Row) []Row { return r[1:] }, 2},
		{"altered and rehashed", func(r []Row) []Row { r[1].Actor = "x"; r[1].Hash = r[1].ComputeHash(); return r }, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := verify(tc.mutate(chain(t, 6)))
			if res.BadID != tc.bad {
				t.Fatalf("BadID = %d (%s), want %d", res.BadID, res.Problem, tc.bad)
			}
			if tc.bad != 0 && res.Problem == "" {
				t.Error("a broken chain must say why")
			}
		})
	}
}

func TestFieldBoundariesMatter(t *testing.T) {
	a := Row{ID: 1, Actor: "ab", Action: "c", PrevHash: Genesis}
	b := Row{ID: 1, Actor: "a", Action: "bc", PrevHash: Genesis}
	if a.ComputeHash() == b.ComputeHash() {
		t.Fatal("moving text between fields must change the hash")
	}
}
